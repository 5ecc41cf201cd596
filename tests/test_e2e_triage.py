"""`oncall-tui check` against a real Prometheus playing a cascade: the credit bureau is
down, and the loan service's errors and the credit-limit rule (failing closed without
bureau data) are critical too. Three layers light up; there is one cause.

The prometheus plugin has no `component` template yet, so each query's `name` is the
component (a signal's component defaults to its name).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import (
    RATIO,
    CascadeCollector,
    ServerProcess,
    no_proxy,
    start_exporter,
    start_prometheus,
    wait_for_query,
)

ERROR_RATIO = (
    'sum by (service) (rate(http_requests_total{code=~"5.."}[15s]))'
    " / sum by (service) (rate(http_requests_total[15s]))"
)

CONFIG = """
title = "Credit payments on-call"

[sources.prom]
plugin = "prometheus"
url = "{url}"
timeout = "3s"

  [[sources.prom.queries]]
  kind = "dependency"
  name = "{{dependency}}"
  query = 'dependency_up'
  unit = "bool"
  critical = 0.5
  below = true

  [[sources.prom.queries]]
  kind = "health"
  name = "{{service}}"
  query = '{errors}'
  unit = "ratio"
  warning = 0.02
  critical = 0.05

  [[sources.prom.queries]]
  kind = "risk_rule"
  name = "{{product}}/{{rule}}"
  query = '{ratio}'
  unit = "ratio"
  warning = 0.05
  critical = 0.2
"""

TOPOLOGY = """
[topology]
"jiebei-loan" = ["credit-bureau", "payment-gateway", "sms-otp"]
"huabei-pay" = ["payment-gateway", "sms-otp"]
"jiebei/*" = ["credit-bureau"]
"""


@pytest.fixture(scope="module")
def cascade() -> Iterator[ServerProcess]:
    with (
        no_proxy(),
        start_exporter(CascadeCollector()) as exporter,
        start_prometheus([exporter.target]) as prometheus,
    ):
        wait_for_query(prometheus, RATIO, min_series=3)
        wait_for_query(prometheus, ERROR_RATIO, min_series=2)
        yield prometheus


def check(prometheus: ServerProcess, tmp_path: Path, topology: str) -> tuple[int, Any]:
    config = tmp_path / "oncall.toml"
    text = CONFIG.format(url=prometheus.url, errors=ERROR_RATIO, ratio=RATIO) + topology
    config.write_text(text)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    result = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "check", "--config", str(config), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def test_cascade_has_exactly_one_cause(cascade: ServerProcess, tmp_path: Path) -> None:
    code, document = check(cascade, tmp_path, TOPOLOGY)
    assert code == 2 and document["status"] == "critical"
    statuses = {s["name"]: s["status"] for s in document["signals"]}
    assert statuses["credit-bureau"] == "critical"
    assert statuses["jiebei-loan"] == "critical"
    assert statuses["jiebei/credit_limit"] == "critical"
    assert statuses["huabei-pay"] == "ok"
    (cause,) = document["causes"]
    assert cause["component"] == "credit-bureau"
    assert cause["kind"] == "dependency" and cause["status"] == "critical"
    assert cause["affects"] == ["jiebei-loan", "jiebei/credit_limit"]
    names = {s["key"]: s["name"] for s in document["signals"]}
    assert [names[key] for key in cause["signals"]] == ["credit-bureau"]
    assert cause["changes"] == []
    assert document["blind_spots"] == []


def test_without_a_topology_each_failing_component_is_its_own_cause(
    cascade: ServerProcess, tmp_path: Path
) -> None:
    """What the topology buys: without it the same board has three causes."""
    code, document = check(cascade, tmp_path, "")
    assert code == 2
    assert sorted(c["component"] for c in document["causes"]) == [
        "credit-bureau",
        "jiebei-loan",
        "jiebei/credit_limit",
    ]
    assert all(c["affects"] == [] for c in document["causes"])
