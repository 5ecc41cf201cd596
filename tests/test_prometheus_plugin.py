"""The prometheus plugin against a real Prometheus scraping an in-process exporter.

One Prometheus per module (see `platform`): its first scrape takes ~5 s, the tests
after it take milliseconds each.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from oncall_cli import plugin_section, proxy_free_env, run_oncall
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.signals.model import RECOVER_FOR, Reading, Status, Thresholds
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.core.sources.templates import LabelTemplate
from oncall_tui_prometheus import PrometheusConfig, PrometheusPlugin, Query
from oncall_tui_prometheus.early_config import Canary, Slo, Window
from oncall_tui_prometheus.plugin import series_key
from quiet_handler import QuietHandler
from servers import closed_port, no_proxy, require_binary
from servers_alertmanager import wait_for_alert
from servers_http import serve_http
from servers_platform import EVIL_RULE, RATIO, Platform

RISK_QUERY: dict[str, Any] = {
    "kind": "risk_rule",
    "name": "{product}/{rule}",
    "query": RATIO,
    "unit": "ratio",
    "warning": 0.05,
    "critical": 0.2,
    "for": "30s",
    "runbook": "https://runbooks.example.com/risk/{rule}",
    "summary": "{rule} refuses {product} payments",
}


def prom_url(platform: Platform) -> str:
    return platform.prometheus.url


def make_config(url: str, *queries: Mapping[str, Any], **options: Any) -> PrometheusConfig:
    return PrometheusConfig.model_validate({"url": url, "queries": list(queries), **options})


@asynccontextmanager
async def plugin_for(
    url: str,
    *queries: Mapping[str, Any],
    interval: float = 5.0,
    deadline: float = 3.0,
    **options: Any,
) -> AsyncIterator[PrometheusPlugin]:
    context = SourceContext(name="prom", config_dir=Path("."), interval=interval, timeout=deadline)
    plugin = PrometheusPlugin(make_config(url, *queries, **options), context)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def by_name(readings: list[Reading] | tuple[Reading, ...]) -> dict[str, Reading]:
    named = {reading.name: reading for reading in readings}
    assert len(named) == len(readings), "names should be unique here"
    return named


# --------------------------------------------------------------------------- real server


@pytest.mark.servers
async def test_risk_rule_ratio_one_reading_per_series(platform: Platform) -> None:
    async with plugin_for(prom_url(platform), RISK_QUERY) as plugin:
        readings = by_name(list(await plugin.collect()))

    assert set(readings) == {
        "paylater/velocity_check",
        "paylater/credit_limit",
        f"paylater/{EVIL_RULE}",
        "cashloan/device_fingerprint",
    }
    limit = readings["paylater/credit_limit"]
    assert limit.kind == "risk_rule"
    assert limit.unit == "ratio"
    assert limit.value == pytest.approx(0.08)
    assert dict(limit.labels) == {"product": "paylater", "rule": "credit_limit"}
    assert limit.runbook == Runbook.link("https://runbooks.example.com/risk/credit_limit")
    assert limit.summary == "credit_limit refuses paylater payments"
    assert limit.query == RATIO
    assert limit.thresholds == Thresholds(
        0.05, 0.2, below=False, for_seconds=30.0, recover_seconds=RECOVER_FOR
    )
    assert limit.status is None, "thresholds decide, not the plugin"

    levels = {
        name: reading.thresholds.level(reading.value)
        for name, reading in readings.items()
        if reading.thresholds is not None and reading.value is not None
    }
    assert levels == {
        "paylater/velocity_check": Status.OK,
        "paylater/credit_limit": Status.WARNING,
        f"paylater/{EVIL_RULE}": Status.OK,
        "cashloan/device_fingerprint": Status.CRITICAL,
    }


@pytest.mark.servers
async def test_keys_are_stable_and_client_is_reused(platform: Platform) -> None:
    async with plugin_for(
        prom_url(platform), RISK_QUERY, {**RISK_QUERY, "name": "b/{rule}"}
    ) as plugin:
        first = await plugin.collect()
        client = plugin._client
        second = await plugin.collect()
        assert plugin._client is client, "one AsyncClient per plugin instance"
    assert client is not None and client.is_closed, "aclose() closes the client"
    assert plugin._client is None

    assert [r.key for r in first] == [r.key for r in second]
    assert len({r.key for r in first}) == 8, "two queries, four series each, all distinct"
    assert {r.key[:3] for r in first} == {"q0{", "q1{"}
    assert all(r.key.isascii() and r.key.isprintable() for r in first)


@pytest.mark.servers
async def test_below_thresholds_and_missing_labels(platform: Platform) -> None:
    query = {
        "kind": "health",
        "name": "{service}/{zone}",
        "query": "service_up",
        "unit": "bool",
        "below": True,
        "warning": 0.5,
        "critical": 0,
        "summary": "{service} scraped from {job}",
        "runbook": "runbooks/{service}.md",
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        readings = by_name(list(await plugin.collect()))
        assert plugin.kinds() == frozenset({"health"})

    ledger = readings["ledger/?"]
    assert ledger.value == 0.0
    assert ledger.thresholds is not None
    assert ledger.thresholds.level(0.0) is Status.CRITICAL
    assert ledger.thresholds.level(1.0) is Status.OK
    assert ledger.summary == "ledger scraped from platform"
    assert ledger.runbook == Runbook.file(Path("runbooks/ledger.md"))
    assert readings["payment-api/?"].value == 1.0
    assert ledger.labels["__name__"] == "service_up"


@pytest.mark.servers
async def test_nan_and_inf_are_no_data(platform: Platform) -> None:
    queries = [
        # 0/0 of a counter that never moves: a vector holding NaN.
        {
            "kind": "health",
            "name": "refund ratio",
            "query": "sum(rate(payments_refunded_total[15s]))"
            " / sum(rate(payments_refunded_total[15s]))",
        },
        {"kind": "health", "name": "scalar nan", "query": "0/0"},
        {"kind": "health", "name": "scalar inf", "query": "1/0"},
        {"kind": "health", "name": "scalar two", "query": "1+1"},
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["refund ratio"].value is None
    assert readings["scalar nan"].value is None
    assert readings["scalar inf"].value is None
    assert readings["scalar two"].value == 2.0
    assert readings["scalar two"].key == "q3{}"


@pytest.mark.servers
async def test_histogram_quantile(platform: Platform) -> None:
    query = {
        "kind": "dependency",
        "name": "{service} p90",
        "query": "histogram_quantile(0.9, sum by (service, le)"
        " (rate(http_request_duration_seconds_bucket[15s])))",
        "unit": "seconds",
        "warning": 0.3,
        "critical": 1,
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["payment-api p90"].value == pytest.approx(0.1)
    assert readings["risk-engine p90"].value == pytest.approx(0.5)


@pytest.mark.servers
async def test_label_with_escape_sequence_arrives_raw(platform: Platform) -> None:
    # Sanitising is the store's job (one place for every source); the plugin must pass
    # the value through unchanged so the store sees what the attacker sent.
    async with plugin_for(prom_url(platform), RISK_QUERY) as plugin:
        readings = await plugin.collect()
    evil = next(r for r in readings if r.labels.get("rule") == EVIL_RULE)
    assert "\x1b[31m" in evil.name and "\u202e" in evil.name
    # In a URL the value is percent-encoded: it cannot change the link's path or host.
    assert str(evil.runbook) == "https://runbooks.example.com/risk/evil%1B%5B31m%E2%80%AErule"
    assert "\\u001b" in evil.key, "keys are ASCII-escaped"


@pytest.mark.servers
async def test_promql_syntax_error_names_the_query(platform: Platform) -> None:
    queries = [RISK_QUERY, {"kind": "health", "name": "broken", "query": "sum(rate(up[1m]"}]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[1] (broken): bad_data: ")
    assert "parse error" in message
    assert len(message) <= 300
    # The good query's signals are kept; only the broken one's turn unknown.
    assert caught.value.readings is not None
    assert len(caught.value.readings) == 4
    assert {r.key[:3] for r in caught.value.readings} == {"q0{"}


@pytest.mark.servers
async def test_runtime_error_in_one_query_keeps_the_others(platform: Platform) -> None:
    # Valid PromQL that fails while it runs: three paylater rules on the "one" side.
    broken = {
        "kind": "risk_rule",
        "name": "joined",
        "query": "risk_decisions_total / on(product) group_left risk_rule_hits_total",
    }
    healthy = {"kind": "health", "name": "{service}", "query": "service_up"}
    async with plugin_for(prom_url(platform), broken, healthy) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[0] (joined): execution: ")
    assert "found duplicate series for the match group" in message
    assert caught.value.readings is not None
    readings = by_name(list(caught.value.readings))
    assert set(readings) == {"risk-engine", "payment-api", "ledger"}
    assert readings["ledger"].value == 0.0


@pytest.mark.servers
async def test_two_failing_queries(platform: Platform) -> None:
    queries = [
        {"kind": "health", "name": "a", "query": "up{"},
        {"kind": "health", "name": "b", "query": "up)"},
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value).startswith("queries[0] (a): bad_data: ")
    assert str(caught.value).endswith("(and 1 more of 2 failed)")
    assert caught.value.readings is None, "nothing worked: a plain failure"


@pytest.mark.servers
async def test_label_values_cannot_leave_the_runbook_folder(platform: Platform) -> None:
    def relabelled(name: str, value: str, runbook: str) -> dict[str, Any]:
        return {
            "kind": "health",
            "name": name,
            "query": f'label_replace(vector(1), "service", "{value}", "", "")',
            "runbook": runbook,
        }

    queries = [
        relabelled("climb", "../../etc/passwd", "runbooks/{service}.md"),
        relabelled("dots", "..", "runbooks/{service}/index.md"),
        relabelled("backslash", "..\\\\secrets", "runbooks/{service}.md"),
        relabelled("plain", "payment-api", "runbooks/{service}.md"),
        relabelled("url", "../../admin?x=1", "https://runbooks.example.com/{service}"),
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    here = Path.cwd()

    def runbook(name: str) -> str:
        found = readings[name].runbook
        assert found is not None
        return str(found)

    assert runbook("climb") == str(here / "runbooks/.._.._etc_passwd.md")
    assert runbook("dots") == str(here / "runbooks/__/index.md")
    assert runbook("backslash") == str(here / "runbooks/.._secrets.md")
    assert runbook("plain") == str(here / "runbooks/payment-api.md")
    assert runbook("url") == "https://runbooks.example.com/..%2F..%2Fadmin%3Fx%3D1"
    assert all(readings[name].runbook.is_file for name in ("climb", "dots", "plain"))  # type: ignore[union-attr]


async def test_error_body_is_scrubbed_of_secrets() -> None:
    class EchoingProxy(QuietHandler):
        """A gateway in front of Prometheus that quotes the request in its error."""

        def do_GET(self) -> None:
            body = json.dumps(
                {
                    "status": "error",
                    "errorType": "bad_data",
                    "error": (
                        f"rejected Authorization={self.headers.get('Authorization')} "
                        f"X-Api-Key={self.headers.get('X-Api-Key')} "
                        "for http://oncall:hunter22@prom:9090/api/v1/query"
                    ),
                }
            ).encode()
            self.send_body(400, body)

    headers = {"X-Api-Key": "key-0123456789abcdef"}
    with serve_http(EchoingProxy) as server, no_proxy():
        url = server.url.replace("http://", "http://oncall:hunter22@")
        async with plugin_for(url, RISK_QUERY, headers=headers) as plugin:
            with pytest.raises(SourceError) as caught:
                await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[0] (")
    assert "rejected Authorization=***" in message
    assert "X-Api-Key=***" in message
    assert "hunter22" not in message
    assert "key-0123456789abcdef" not in message
    assert "b25jYWxsOmh1bnRlcjIy" not in message, "base64 of oncall:hunter22"


@pytest.mark.servers
async def test_range_vector_is_explained(platform: Platform) -> None:
    query = {"kind": "health", "name": "raw", "query": "risk_decisions_total[1m]"}
    async with plugin_for(prom_url(platform), query) as plugin:
        with pytest.raises(SourceError, match=r"^queries\[0\] \(raw\): returned a range vector"):
            await plugin.collect()


@pytest.mark.servers
async def test_empty_result_is_one_unknown_signal_by_default(platform: Platform) -> None:
    # Not nothing: a query that stopped matching (a renamed metric, a wrong label) must
    # be seen, not silently leave the board.
    query = {"kind": "health", "name": "{service} up", "query": 'service_up{service="nope"}'}
    async with plugin_for(prom_url(platform), query) as plugin:
        (reading,) = await plugin.collect()
    assert (reading.key, reading.name, reading.value) == ("q0{}", "up", None)
    assert reading.status is Status.UNKNOWN
    assert reading.summary == "no series: the query returned nothing"


@pytest.mark.servers
async def test_max_series_caps_and_says_so(platform: Platform) -> None:
    query = {
        "kind": "risk_rule",
        "name": "{product}/{rule}",
        "query": "risk_rule_hits_total",
        "max_series": 2,
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        first = await plugin.collect()
        second = await plugin.collect()
    assert len(first) == 2
    assert [r.key for r in first] == [r.key for r in second], "the same series every time"
    assert all("only 2 of 4 series shown" in r.summary for r in first)


@pytest.mark.servers
async def test_wrong_path_is_an_http_error(platform: Platform) -> None:
    async with plugin_for(f"{prom_url(platform)}/no/such/prefix", RISK_QUERY) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "HTTP 404 Not Found"


@pytest.mark.servers
async def test_exporter_is_not_a_prometheus_api(platform: Platform) -> None:
    # A /metrics endpoint answers any path with text: the message points at the URL.
    async with plugin_for(platform.exporter.url, RISK_QUERY) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "invalid JSON in response (got text/plain; is the URL right?)"


@pytest.mark.servers
async def test_basic_auth_in_url_works(platform: Platform) -> None:
    url = prom_url(platform).replace("http://", "http://oncall:hunter22@")
    async with plugin_for(url, RISK_QUERY, headers={"X-Scope-OrgID": "payments"}) as plugin:
        assert len(await plugin.collect()) == 4


@pytest.mark.servers
def test_harness_alerts_reach_alertmanager(platform: Platform) -> None:
    # The pipeline the alertmanager plugin's tests will build on.
    require_binary("prometheus-alertmanager", "prometheus-alertmanager")
    assert platform.alertmanager is not None
    alert = wait_for_alert(platform.alertmanager, "ServiceDown")
    assert alert["labels"] == {
        "alertname": "ServiceDown",
        "severity": "critical",
        "service": "ledger",
        "instance": platform.exporter.target,
        "job": "platform",
    }
    assert alert["annotations"] == {
        "summary": "ledger is down",
        "runbook_url": "https://runbooks.example.com/services/ledger",
    }


async def test_unreachable_server_said_once_without_secrets() -> None:
    port = closed_port()
    url = f"http://oncall:hunter22@127.0.0.1:{port}"
    headers = {"Authorization": "Bearer tok-123456789"}
    with no_proxy():
        async with plugin_for(url, RISK_QUERY, RISK_QUERY, headers=headers) as plugin:
            with pytest.raises(SourceError) as caught:
                await plugin.collect()
    message = str(caught.value)
    assert message == f"cannot connect to 127.0.0.1:{port} (connection refused)"
    assert "hunter22" not in message and "tok-123456789" not in message


# --------------------------------------------------------------------------- config


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
