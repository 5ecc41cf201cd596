"""The prometheus plugin's options: templates, thresholds, baselines and source
options checked, every option documented and listed, and the README's example valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from oncall_cli import plugin_section, proxy_free_env, run_oncall
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.signals.model import RECOVER_FOR, Thresholds
from oncall_tui.core.sources.templates import LabelTemplate
from oncall_tui_prometheus import PrometheusConfig, Query
from oncall_tui_prometheus.early_config import Canary, Slo, Window
from oncall_tui_prometheus.plugin import series_key
from prometheus_plugin_support import RISK_QUERY, make_config
from servers_platform import RATIO


def config_error(url: str = "http://127.0.0.1:9090", **query: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        make_config(url, {**RISK_QUERY, **query})
    return str(caught.value)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{", "Single '{' encountered"),
        ("}", "Single '}' encountered"),
        ("{0}", "{0} is not a label name"),
        ("{}", "{} is not a label name"),
        ("{a.b}", "{a.b} is not a label name"),
        ("{a[0]}", "{a[0]} is not a label name"),
        ("{a!r}", "must not carry a conversion or format"),
        ("{a:>99999}", "must not carry a conversion or format"),
    ],
)
@pytest.mark.parametrize("field", ["name", "runbook", "summary"])
def test_bad_templates_are_config_errors(field: str, template: str, expected: str) -> None:
    message = config_error(**{field: template})
    assert f"queries.0.{field}" in message
    assert expected in message


def test_template_values_are_never_format_strings() -> None:
    template = LabelTemplate.parse("{rule} {{literal}} {missing}")
    assert template.render({"rule": "{0.__class__}{rule}"}) == "{0.__class__}{rule} {literal} ?"
    assert template.labels == frozenset({"rule", "missing"})


@pytest.mark.parametrize(
    ("below", "warning", "critical", "ok"),
    [
        (False, 0.05, 0.2, True),
        (False, 0.2, 0.2, True),
        (False, 0.3, 0.2, False),
        (True, 0.99, 0.9, True),
        (True, 0.9, 0.99, False),
        (False, None, 0.2, True),
        (True, 0.9, None, True),
    ],
)
def test_threshold_order(
    below: bool, warning: float | None, critical: float | None, ok: bool
) -> None:
    query = {**RISK_QUERY, "below": below, "warning": warning, "critical": critical}
    if ok:
        make_config("http://127.0.0.1:9090", query)
    else:
        message = config_error(below=below, warning=warning, critical=critical)
        assert "warning" in message and "critical" in message


def test_extra_keys_are_forbidden() -> None:
    assert "critcal" in config_error(critcal=0.3)
    assert "for_" in config_error(for_="30s"), "the config spells it `for`"
    with pytest.raises(ValidationError, match="interval"):
        make_config("http://127.0.0.1:9090", RISK_QUERY, interval="5s")


def test_for_alias_parses_durations() -> None:
    config = make_config("http://127.0.0.1:9090", {**RISK_QUERY, "for": "2m30s"})
    assert config.queries[0].for_ == 150.0
    assert make_config("http://x", {**RISK_QUERY, "for": "0s"}).queries[0].for_ == 0.0
    assert "expected a duration" in config_error(**{"for": "30"})


def test_other_config_checks() -> None:
    assert "http:// or https://" in config_error("ftp://prom")
    assert "base URL" in config_error("http://prom:9090/?x=1")
    assert make_config("http://prom:9090/prefix/", RISK_QUERY).url == "http://prom:9090/prefix"
    assert "queries.0.kind" in config_error(kind="alert")
    assert "queries.0.unit" in config_error(unit="furlongs")
    assert "finite" in config_error(warning=float("nan"))
    with pytest.raises(ValidationError, match="at least one of queries, slos, canaries"):
        make_config("http://prom")
    with pytest.raises(ValidationError) as caught:
        make_config("http://prom", RISK_QUERY, headers={"Authorization": "a\nb-secret"})
    assert "line break" in str(caught.value)
    assert "b-secret" not in str(caught.value), "header values are secrets"


def test_every_option_is_documented() -> None:
    for model in (PrometheusConfig, Query, Slo, Canary, Window):
        docs = field_docs(model)
        for name in model.model_fields:
            assert docs.get(name), f"{model.__name__}.{name} has no docstring"


def test_series_keys_are_injective() -> None:
    assert series_key(0, {"a": "1,b=2"}) != series_key(0, {"a": "1", "b": "2"})
    assert series_key(0, {"a": "x"}) != series_key(1, {"a": "x"})
    assert series_key(0, {"b": "2", "a": "1"}) == series_key(0, {"a": "1", "b": "2"})
    long_key = series_key(0, {"a": "x" * 500})
    assert len(long_key) < 100 and long_key.startswith("q0#")


def test_a_change_query_takes_no_thresholds() -> None:
    change = {"kind": "change", "name": "{service} deployed", "query": "deploy_timestamp_seconds"}
    assert make_config("http://prom", change).queries[0].thresholds().warning is None
    with pytest.raises(ValidationError) as caught:
        make_config("http://prom", {**change, "warning": 1, "critical": 2, "for": "1m"})
    message = str(caught.value)
    assert "queries.0" in message
    assert (
        'a kind = "change" query takes no warning, critical, for: its value is the time' in message
    )
    for option in ({"baseline": "x offset 1w"}, {"no_data": "ok"}, {"below": False}):
        with pytest.raises(ValidationError, match="takes no " + next(iter(option))):
            make_config("http://prom", {**change, **option})


def test_ratio_limits_need_a_baseline_and_an_order() -> None:
    assert "warning_ratio needs a baseline query" in config_error(warning_ratio=2)
    assert "warning_ratio and critical_ratio needs" in config_error(
        warning_ratio=2, critical_ratio=5
    )
    with_baseline = {"baseline": RATIO + " offset 1w"}
    assert "must not be above critical_ratio" in config_error(
        **with_baseline, warning_ratio=6, critical_ratio=5
    )
    assert "must not be below critical_ratio" in config_error(
        **with_baseline,
        below=True,
        warning=0.9,
        critical=0.5,
        warning_ratio=0.2,
        critical_ratio=0.5,
    )
    assert "greater than 0" in config_error(**with_baseline, critical_ratio=0)
    query = make_config(
        "http://prom", {**RISK_QUERY, **with_baseline, "warning_ratio": 2, "critical_ratio": 5}
    ).queries[0]
    assert query.thresholds() == Thresholds(
        0.05,
        0.2,
        below=False,
        for_seconds=30.0,
        recover_seconds=RECOVER_FOR,
        warning_ratio=2,
        critical_ratio=5,
    )


def test_source_options_are_checked() -> None:
    assert "no_data" in config_error(no_data="maybe")
    assert "less than or equal to 10000" in config_error(max_series=10_001)
    for options, expected in (
        ({"max_concurrency": 0}, "greater than or equal to 1"),
        ({"backfill": "8d"}, "less than or equal to 604800"),
        ({"backfill": "30"}, "expected a duration"),
    ):
        with pytest.raises(ValidationError, match=expected):
            make_config("http://prom", RISK_QUERY, **options)
    config = make_config("http://prom", RISK_QUERY, backfill="1h", max_concurrency=8)
    assert (config.backfill, config.max_concurrency) == (3600.0, 8)


def test_plugins_command_lists_every_new_option() -> None:
    section = plugin_section("prometheus")
    for line in (
        "component: str = ''",
        "baseline: str = ''",
        "warning_ratio: float | None = None",
        "critical_ratio: float | None = None",
        "no_data: Literal['ok', 'unknown'] = 'unknown'",
        "max_concurrency: int = 4",
        "backfill: duration = 1800.0",
        "kind: Literal['business', 'health', 'risk_rule', 'dependency', 'change'] (required)",
    ):
        assert line in section, line


def test_readme_config_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert 'kind = "change"' in example and "baseline = " in example and "no_data" in example
    config = tmp_path / "config.toml"
    config.write_text(example)
    result = run_oncall("validate", "--config", str(config), env=proxy_free_env(PROM_TOKEN="t"))
    assert result.returncode == 0, result.stdout + result.stderr
