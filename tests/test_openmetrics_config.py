"""The openmetrics plugin's options (checked, documented, listed, the README's
example valid) and `oncall-tui check` sampling an exporter twice for its rates."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from oncall_cli import assert_options_listed, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui_openmetrics import Metric as MetricTable
from oncall_tui_openmetrics import OpenMetricsConfig, RatioOf
from openmetrics_support import (
    EXPECTED_RATIOS,
    RISK,
    UP,
    config_for,
    hostile_exporter,  # noqa: F401  (the fixture `exporter`)
)
from servers_platform import Exporter


def test_config_checks() -> None:
    assert config_for("http://host:9100", UP).url == "http://host:9100/metrics"
    assert config_for("http://host:9100/", UP).url == "http://host:9100/metrics"
    assert config_for("http://host/x/metrics?a=1", UP).url == "http://host/x/metrics?a=1"
    problems = {
        "exactly one": {"name": "x"},
        "exactly one ": {"name": "x", "metric": "a", "ratio_of": RISK["ratio_of"]},
        "not to ratio_of": {**RISK, "quantile": 0.5},
        "invalid regular expression": {**UP, "match": {"a": "~("}},
        "not a label name": {**UP, "match": {"1a": "x"}},
        "not a metric name": {**UP, "metric": "bad-name"},
        "less than or equal to 1": {**UP, "quantile": 1.5},
        "Extra inputs": {**UP, "query": "up"},
        "invalid template": {**UP, "name": "{0}"},
    }
    for expected, metric in problems.items():
        with pytest.raises(ValidationError, match=expected.strip()):
            config_for("http://host:9100", metric)
    with pytest.raises(ValidationError, match="must start with http"):
        config_for("ftp://host", UP)
    with pytest.raises(ValidationError) as caught:
        config_for("http://host", UP, headers={"Authorization": "tok-secret\n"})
    assert "tok-secret" not in str(caught.value)


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("openmetrics", OpenMetricsConfig, MetricTable, RatioOf)


CHECK_CONFIG = """
[sources.metrics]
plugin = "openmetrics"
url = "{url}"
interval = "1s"

  [[sources.metrics.metrics]]
  kind = "risk_rule"
  name = "{{product}}/{{rule}}"
  rate = true
  warning = 0.05
  critical = 0.2
  runbook = "https://runbooks.example.com/risk/{{rule}}"
    [sources.metrics.metrics.ratio_of]
    numerator = "risk_rule_hits_total"
    denominator = "risk_decisions_total"
    by = ["product"]

  [[sources.metrics.metrics]]
  name = "{{worker}} queue"
  metric = "queue_depth"
"""


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_check_samples_twice_and_escapes_hostile_text(
    exporter: Exporter, tmp_path: Path, fmt: str
) -> None:
    config = tmp_path / "oncall.toml"
    config.write_text(CHECK_CONFIG.format(url=exporter.url))
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    started = time.monotonic()
    result = run_oncall("check", "--config", str(config), "--format", fmt, env=env)
    took = time.monotonic() - started
    assert result.returncode == 2, result.stdout + result.stderr
    for raw in ("\x1b", "\u202e", "\u2066", "\x07"):
        assert raw not in result.stdout and raw not in result.stderr
    assert took >= 1.0, "the second sample waits the source's interval"
    if fmt == "text":
        assert "\\x1b" in result.stdout
        return
    document = json.loads(result.stdout)
    strings = json.dumps(document, ensure_ascii=False)
    assert "\x1b" not in strings and "\u202e" not in strings and "\u2066" not in strings
    signals = {signal["name"]: signal for signal in document["signals"]}
    evil_name = "paylater/evil\\x1b[31m\\u202erule"
    assert set(signals) == {*(n for n in EXPECTED_RATIOS if "evil" not in n), evil_name,
                            "worker\\x1b[31m\\u2066red queue"}  # fmt: skip
    assert signals["cashloan/device_fingerprint"]["status"] == "critical"
    assert signals["cashloan/device_fingerprint"]["value"] == pytest.approx(0.3, rel=1e-6)
    assert signals["paylater/credit_limit"]["status"] == "warning"
    assert signals[evil_name]["status"] == "ok"
    assert signals[evil_name]["runbook"] == (
        "https://runbooks.example.com/risk/evil%1B%5B31m%E2%80%AErule"
    ), "label values are percent-encoded into links"
    assert signals["paylater/velocity_check"]["runbook"] == (
        "https://runbooks.example.com/risk/velocity_check"
    )
    queue = signals["worker\\x1b[31m\\u2066red queue"]
    assert queue["summary"] == "queue depth \\x1b]52;c;aGk=\\x07 \\x1b[2J\\u202egnol"
    assert document["sources"][0]["status"] == "ok"


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "README.md").read_text()
    block = text.split("\n### openmetrics\n", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(block, tmp_path, environ={"METRICS_TOKEN": "t"})
    assert not config.load_errors
    options = config.sources[0].options
    assert isinstance(options, OpenMetricsConfig)
    assert [m.quantile for m in options.metrics] == [None, 0.99, None]
