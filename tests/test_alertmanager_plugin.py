"""The alertmanager plugin against a real Alertmanager.

Two Alertmanagers serve these tests: the session's platform one, fed by real
Prometheus alert rules (with `runbook_url` annotations), and one per module fed by
direct `POST /api/v2/alerts` and `POST /api/v2/silences`. Every test posting alerts
gives them a label `case` of its own and filters on it, so the tests share one server
without seeing each other's alerts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from alertmanager_api import alerts, post_alerts, post_silence
from oncall_cli import assert_options_listed, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reason, Signal, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import RunbookKind
from oncall_tui_alertmanager import AlertmanagerConfig, AlertmanagerPlugin
from oncall_tui_alertmanager.alerts import Alert, auto_names
from quiet_handler import QuietHandler
from servers import ServerProcess, closed_port, no_proxy, wait_until
from servers_alertmanager import start_alertmanager, wait_for_alert
from servers_http import self_signed_cert, serve_http
from servers_platform import Platform

pytestmark = pytest.mark.servers

INHIBITING_CONFIG = """\
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
inhibit_rules:
  - source_matchers: ['alertname="Outage"']
    target_matchers: ['alertname="Symptom"']
    equal: ['case']
"""
"""An Outage inhibits the Symptom alerts of the same case."""

EVIL_TEXT = "ledger \x1b[31mdown\u202e !\x1b]52;c;cm0gLXJmIH4=\x07"
"""An ESC colour sequence, a bidi override and an OSC 52 clipboard write."""


@pytest.fixture(scope="module")
def manager() -> Iterator[ServerProcess]:
    with no_proxy(), start_alertmanager(INHIBITING_CONFIG) as server:
        yield server


def wait_for_state(server: ServerProcess, case: str, count: int, state: str) -> None:
    """Until `count` alerts of `case` are in `state` (silences and inhibitions are
    applied by Alertmanager asynchronously)."""

    def probe() -> bool:
        found = alerts(server, case)
        return sum(1 for alert in found if alert["status"]["state"] == state) >= count

    wait_until(probe, timeout=30, what=f"{count} {state} alerts of case {case}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def engine_for(url: str, **options: Any) -> Engine:
    """An engine with one alertmanager source `alerts`, loaded from TOML like a user's."""
    lines = ["[sources.alerts]", 'plugin = "alertmanager"', f"url = {_toml(url)}", 'timeout = "3s"']
    lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    config = parse_config("\n".join(lines) + "\n", Path("."))
    assert not config.load_errors, config.load_errors
    return Engine(config)


async def board(url: str, **options: Any) -> SignalStore:
    """One collection through the engine and store: sanitised, as the board sees it."""
    engine = engine_for(url, **options)
    try:
        await engine.collect_once()
    finally:
        await engine.stop()
    return engine.store


def named(store: SignalStore) -> dict[str, Signal]:
    signals = {signal.name: signal for signal in store.signals.values()}
    assert len(signals) == len(store.signals), "names should be unique here"
    return signals


@asynccontextmanager
async def plugin_for(
    url: str, *, clock: Callable[[], float] | None = None, **options: Any
) -> AsyncIterator[AlertmanagerPlugin]:
    context = SourceContext(name="alerts", config_dir=Path("."), interval=5.0, timeout=3.0)
    config = AlertmanagerConfig.model_validate({"url": url, **options})
    plugin = AlertmanagerPlugin(config, context, wall_clock=clock or _now)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def _now() -> float:
    return datetime.now(UTC).timestamp()


# --------------------------------------------------------------------------- fed by Prometheus


async def test_alerts_from_prometheus_rules(platform: Platform) -> None:
    assert platform.alertmanager is not None, "prometheus-alertmanager is not installed"
    wait_for_alert(platform.alertmanager, "ServiceDown")
    wait_for_alert(platform.alertmanager, "RiskRuleHitRateHigh")
    store = await board(platform.alertmanager.url, component="{service}")
    assert store.source("alerts").ok and store.source("alerts").note == ""
    signals = named(store)
    down = signals["ServiceDown"]
    assert (down.kind, down.status, down.reason) == ("alert", Status.CRITICAL, None)
    assert down.summary == "ledger is down"
    assert down.runbook is not None and down.runbook.is_link
    assert down.runbook.target == "https://runbooks.example.com/services/ledger"
    assert down.labels["service"] == "ledger" and down.labels["job"] == "platform"
    assert down.component == "ledger"
    assert down.unit == "seconds" and down.value is not None and down.value >= 0
    risk = signals["RiskRuleHitRateHigh"]
    assert risk.status is Status.WARNING and risk.runbook is None
    assert risk.summary.startswith("device_fingerprint refuses ")
    assert risk.component == "RiskRuleHitRateHigh", "a label the alert lacks"
    assert store.overall() is Status.CRITICAL


def test_check_json_end_to_end(platform: Platform, tmp_path: Path) -> None:
    assert platform.alertmanager is not None, "prometheus-alertmanager is not installed"
    wait_for_alert(platform.alertmanager, "ServiceDown")
    config = tmp_path / "oncall.toml"
    config.write_text(
        f'[sources.alerts]\nplugin = "alertmanager"\nurl = "{platform.alertmanager.url}"\n'
        "filter = ['alertname=\"ServiceDown\"']\n"
    )
    result = run_oncall("check", "--config", str(config), "--format", "json")
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    assert result.returncode == 2 and document["status"] == "critical"
    [signal] = document["signals"]
    assert signal["kind"] == "alert" and signal["name"] == "ServiceDown"
    assert signal["status"] == "critical"
    assert signal["runbook"] == "https://runbooks.example.com/services/ledger"
    assert signal["labels"]["service"] == "ledger"
    assert document["sources"] == [
        {
            "name": "alerts",
            "plugin": "alertmanager",
            "status": "ok",
            "error": None,
            "duration_ms": document["sources"][0]["duration_ms"],
        }
    ]


# --------------------------------------------------------------------------- fed directly


async def test_severity_words_map_to_statuses(manager: ServerProcess, case: str) -> None:
    words = ["critical", "page", "warning", "error", "info", "none", "Critical", "major", None]
    post_alerts(
        manager,
        case,
        *(
            {"labels": {"alertname": "Sev", "which": str(i)} | ({"severity": w} if w else {})}
            for i, w in enumerate(words)
        ),
    )
    store = await board(manager.url, filter=[f'case="{case}"'])
    statuses = {signal.labels["which"]: signal.status for signal in store.signals.values()}
    assert statuses == {
        "0": Status.CRITICAL,
        "1": Status.CRITICAL,
        "2": Status.WARNING,
        "3": Status.WARNING,
        "4": Status.OK,
        "5": Status.OK,
        "6": Status.CRITICAL,  # compared case-insensitively
        "7": Status.WARNING,  # a word the map lacks: severity_default
        "8": Status.WARNING,  # no severity label: severity_default
    }


async def test_severity_options(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {"labels": {"alertname": "A", "level": "critical", "severity": "info"}},
        {"labels": {"alertname": "B", "level": "major"}},
        {"labels": {"alertname": "C", "level": "page"}},
        {"labels": {"alertname": "D"}},
    )
    store = await board(
        manager.url,
        filter=[f'case="{case}"'],
        severity_label="level",
        severity_map={"MAJOR": "critical", "page": "warning"},
        severity_default="ok",
    )
    statuses = {name: signal.status for name, signal in named(store).items()}
    assert statuses == {
        "A": Status.CRITICAL,  # the level label decides, not severity
        "B": Status.CRITICAL,  # added to the map
        "C": Status.WARNING,  # remapped
        "D": Status.OK,  # severity_default
    }


async def test_hostile_annotations_arrive_sanitised(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {
            "labels": {"alertname": "Evil", "severity": "critical", "service": EVIL_TEXT},
            "annotations": {"summary": EVIL_TEXT, "runbook_url": "file:///etc/passwd"},
        },
        {
            "labels": {"alertname": "Relative", "severity": "warning"},
            "annotations": {"description": "\n\nfirst line\nsecond", "runbook": "runbooks/x.md"},
        },
        {
            "labels": {"alertname": "Link", "severity": "warning"},
            "annotations": {"runbook": "https://runbooks.example.com/\x1b[2Jx"},
        },
    )
    store = await board(manager.url, filter=[f'case="{case}"'], name="{alertname} {service}")
    signals = named(store)
    evil = signals[r"Evil ledger \x1b[31mdown\u202e !\x1b]52;c;cm0gLXJmIH4=\x07"]
    for text in (evil.name, evil.summary, evil.labels["service"]):
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert evil.summary == r"ledger \x1b[31mdown\u202e !\x1b]52;c;cm0gLXJmIH4=\x07"
    # A runbook from an alert is only ever a link: a file URL or a path is text.
    assert evil.runbook is not None and evil.runbook.kind is RunbookKind.TEXT
    assert evil.runbook.target == "file:///etc/passwd" and evil.runbook.contract is None
    relative = signals["Relative ?"]
    assert relative.runbook is not None and relative.runbook.kind is RunbookKind.TEXT
    assert relative.runbook.target == "runbooks/x.md"
    assert relative.summary == "first line"
    link = signals["Link ?"]
    assert link.runbook is not None and link.runbook.kind is RunbookKind.TEXT
    assert "\x1b" not in link.runbook.target


async def test_silenced_alert_is_suppressed_with_who_and_until(
    manager: ServerProcess, case: str
) -> None:
    post_alerts(
        manager,
        case,
        {
            "labels": {"alertname": "Down", "severity": "critical", "service": "ledger"},
            "annotations": {"summary": "ledger is down"},
        },
        {"labels": {"alertname": "Down", "severity": "critical", "service": "payment-api"}},
    )
    post_silence(
        manager,
        case,
        matchers={"service": "ledger"},
        by="alice",
        comment="DB\nmaintenance",
        ends="2031-03-04T05:06:00Z",
    )
    wait_for_state(manager, case, 1, "suppressed")
    store = await board(manager.url, filter=[f'case="{case}"'])
    signals = named(store)
    silenced = signals["Down ledger"]
    assert silenced.status is Status.OK
    assert silenced.summary == (
        "silenced by alice until 2031-03-04 05:06 UTC: DB maintenance — ledger is down"
    )
    assert signals["Down payment-api"].status is Status.CRITICAL
    assert store.counts()[Status.CRITICAL] == 1, "a silenced alert is not counted critical"

    hidden = await board(manager.url, filter=[f'case="{case}"'], include_suppressed=False)
    assert [signal.name for signal in hidden.signals.values()] == ["Down"]


async def test_inhibited_alert_names_its_inhibitor(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {"labels": {"alertname": "Outage", "severity": "critical"}},
        {"labels": {"alertname": "Symptom", "severity": "critical"}},
    )
    wait_for_state(manager, case, 1, "suppressed")
    store = await board(manager.url, filter=[f'case="{case}"'])
    signals = named(store)
    assert signals["Outage"].status is Status.CRITICAL
    assert (signals["Symptom"].status, signals["Symptom"].summary) == (
        Status.OK,
        "inhibited by Outage",
    )


async def test_silences_fetched_once_and_only_when_needed(
    manager: ServerProcess, case: str
) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    post_alerts(manager, case, {"labels": {"alertname": "Quiet", "which": "1"}})
    with serve_http(_proxy(manager.url, seen)) as proxy:
        await board(proxy.url, filter=[f'case="{case}"'])
        assert [path.split("?")[0] for path, _ in seen] == ["/api/v2/alerts"]
        for which in ("1", "2", "3"):
            post_alerts(manager, case, {"labels": {"alertname": "Quiet", "which": which}})
            post_silence(manager, case, matchers={"which": which}, comment="")
        wait_for_state(manager, case, 3, "suppressed")
        seen.clear()
        store = await board(proxy.url, filter=[f'case="{case}"'])
    assert [path.split("?")[0] for path, _ in seen] == ["/api/v2/alerts", "/api/v2/silences"]
    assert {signal.summary for signal in store.signals.values()} == {
        "silenced by bob until 2031-01-01 00:00 UTC"
    }


async def test_collections_keep_their_threads_and_ask_a_repeated_peer_once(
    manager: ServerProcess, case: str
) -> None:
    """A board polling every second must not start threads per collection, and a peer
    listed twice is one server: asked once."""
    seen: list[tuple[str, dict[str, str]]] = []
    post_alerts(manager, case, {"labels": {"alertname": "Kept"}})
    earlier = set(threading.enumerate())  # other tests' sources, ending in their time
    with serve_http(_proxy(manager.url, seen)) as proxy:
        async with plugin_for([proxy.url, proxy.url], filter=[f'case="{case}"']) as plugin:
            threads = []
            for _ in range(3):
                assert [reading.name for reading in await plugin.collect()] == ["Kept"]
                threads.append(
                    {
                        thread
                        for thread in threading.enumerate()
                        if thread.name.startswith("oncall-alerts-") and thread not in earlier
                    }
                )
    assert len(seen) == 3
    assert len(threads[0]) == 2  # the peer's parse and the readings
    assert threads[0] == threads[1] == threads[2]


async def test_filter_is_sent_to_alertmanager(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {"labels": {"alertname": "F", "team": "payments", "severity": "critical"}},
        {"labels": {"alertname": "F", "team": "risk", "severity": "critical-ish"}},
        {"labels": {"alertname": "F", "team": "risk", "severity": "warning"}},
    )
    everything = await board(manager.url, filter=[f'case="{case}"'])
    assert len(everything.signals) == 3
    payments = await board(manager.url, filter=[f'case="{case}"', 'team="payments"'])
    assert [s.labels["team"] for s in payments.signals.values()] == ["payments"]
    regex = await board(manager.url, filter=[f'case="{case}"', 'severity=~"crit.*"'])
    assert sorted(s.labels["severity"] for s in regex.signals.values()) == [
        "critical",
        "critical-ish",
    ]
    [signal] = payments.signals.values()
    assert signal.query == f'{{case="{case}", team="payments"}}'


async def test_filter_alertmanager_rejects_is_a_source_error(manager: ServerProcess) -> None:
    store = await board(manager.url, filter=['service=~"[unclosed"'])
    state = store.source("alerts")
    assert state.ok is False
    assert state.error.startswith("HTTP 400 Bad Request: ")
    assert "error parsing regexp" in state.error


async def test_no_alerts_firing_is_said_as_such(manager: ServerProcess, case: str) -> None:
    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    runner = engine.runners["alerts"]
    try:
        await runner.collect()
        state = engine.store.source("alerts")
        assert (state.ok, state.error, state.note) == (
            True,
            "",
            "no alerts firing that match the filter",
        )
        assert not engine.store.signals and engine.store.overall() is Status.OK
        post_alerts(manager, case, {"labels": {"alertname": "Now", "severity": "warning"}})
        await runner.collect()
        assert engine.store.source("alerts").note == ""
        assert [s.name for s in engine.store.signals.values()] == ["Now"]
    finally:
        await engine.stop()
    hidden = await board(manager.url, filter=[f'case="{case}"'], include_suppressed=False)
    assert len(hidden.signals) == 1, "include_suppressed only hides suppressed alerts"


async def test_alerts_panel_says_no_alerts_firing(manager: ServerProcess, case: str) -> None:
    from oncall_tui.ui.app import OncallApp  # the one test here that needs Textual

    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    try:
        await engine.collect_once()
        app = OncallApp(engine, start_engine=False)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            panel = app.dashboard.panels["alert"]
            lines = [panel.render_line(y).text for y in range(panel.size.height)]
    finally:
        await engine.stop()
    assert any("source alerts: no alerts firing that match the filter" in line for line in lines)


async def test_resolved_alert_leaves_the_board(manager: ServerProcess, case: str) -> None:
    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    runner = engine.runners["alerts"]
    alert = {"labels": {"alertname": "Brief", "severity": "critical"}}
    try:
        post_alerts(manager, case, alert)
        await runner.collect()
        assert [s.status for s in engine.store.signals.values()] == [Status.CRITICAL]
        post_alerts(manager, case, {**alert, "endsAt": "2020-01-01T00:00:00Z"})
        await runner.collect()
        assert engine.store.signals == {}, "resolved, not unknown"
        assert engine.store.source("alerts").note == "no alerts firing that match the filter"
    finally:
        await engine.stop()


async def test_stopped_alertmanager_is_a_source_error_never_zero_alerts(case: str) -> None:
    with no_proxy(), start_alertmanager() as server:
        engine = engine_for(server.url)
        runner = engine.runners["alerts"]
        try:
            post_alerts(server, case, {"labels": {"alertname": "Kept", "severity": "critical"}})
            await runner.collect()
            assert engine.store.overall() is Status.CRITICAL
            server.stop()
            assert await runner.collect() is False
        finally:
            await engine.stop()
    state = engine.store.source("alerts")
    assert state.ok is False
    assert state.error == f"cannot connect to 127.0.0.1:{server.port} (connection refused)"
    assert state.note == ""
    [signal] = engine.store.signals.values()
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.SOURCE_ERROR)
    assert engine.store.overall() is Status.UNKNOWN


def test_check_text_says_no_alerts_firing(
    manager: ServerProcess, case: str, tmp_path: Path
) -> None:
    config = tmp_path / "oncall.toml"
    config.write_text(
        f'[sources.alerts]\nplugin = "alertmanager"\nurl = "{manager.url}"\n'
        f"filter = ['case=\"{case}\"']\n"
    )
    result = run_oncall("check", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ms): ok — no alerts firing that match the filter" in result.stdout


def test_unreachable_alertmanager_in_check_text(tmp_path: Path) -> None:
    config = tmp_path / "oncall.toml"
    port = closed_port()
    config.write_text(
        f'[sources.alerts]\nplugin = "alertmanager"\nurl = "http://127.0.0.1:{port}"\n'
    )
    result = run_oncall("check", "--config", str(config))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"ERROR cannot connect to 127.0.0.1:{port} (connection refused)" in result.stdout


async def test_wrong_server_is_explained(platform: Platform) -> None:
    store = await board(platform.prometheus.url)
    error = store.source("alerts").error
    assert error == "HTTP 404 Not Found (is this an Alertmanager with API v2 at that URL?)"
    store = await board(platform.prometheus.url + "/api/v1/query")
    assert store.source("alerts").ok is False


async def test_name_and_component_templates(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {"labels": {"alertname": "Slow", "service": "ledger", "severity": "warning"}},
        {"labels": {"alertname": "Slow", "service": "payment-api", "severity": "warning"}},
    )
    store = await board(
        manager.url,
        filter=[f'case="{case}"'],
        name="{service} is slow",
        component="svc:{service}",
    )
    signals = named(store)
    assert set(signals) == {"ledger is slow", "payment-api is slow"}
    assert signals["ledger is slow"].component == "svc:ledger"


async def test_automatic_names_tell_instances_apart(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        *(
            {"labels": {"alertname": "HighLatency", "service": s, "region": "eu", **extra}}
            for s, extra in (
                ("ledger", {"severity": "warning", "prometheus": "a"}),
                ("ledger", {"severity": "critical", "prometheus": "b", "instance": "i-2"}),
                ("payments", {"severity": "warning", "prometheus": "a"}),
            )
        ),
        {"labels": {"alertname": "Lonely", "service": "bureau", "severity": "warning"}},
    )
    store = await board(manager.url, filter=[f'case="{case}"'])
    names = sorted(signal.name for signal in store.signals.values())
    # region is the same for all, severity and prometheus are noise; a label only one
    # alert has still tells it apart.
    assert names == [
        "HighLatency i-2 ledger",
        "HighLatency ledger",
        "HighLatency payments",
        "Lonely",
    ]


async def test_value_is_seconds_firing(manager: ServerProcess, case: str) -> None:
    post_alerts(
        manager,
        case,
        {"labels": {"alertname": "Old"}, "startsAt": "2026-01-02T03:04:05.500Z"},
    )
    started = datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC).timestamp()
    now = started + 245.0
    async with plugin_for(manager.url, clock=lambda: now, filter=[f'case="{case}"']) as plugin:
        [reading] = await plugin.collect()
        assert reading.value == pytest.approx(245.0)
        now = started - 10.0  # a clock behind the server's
        [reading] = await plugin.collect()
        assert reading.value == 0.0


async def test_headers_are_sent_and_tls_is_verified(manager: ServerProcess, case: str) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    post_alerts(manager, case, {"labels": {"alertname": "Tls", "severity": "critical"}})
    with (
        self_signed_cert() as cert,
        serve_http(_proxy(manager.url, seen), cert.server_context()) as proxy,
    ):
        options: dict[str, Any] = {
            "filter": [f'case="{case}"'],
            "headers": {"X-Scope-OrgID": "tenant-7f3a9c"},
        }
        refused = await board(proxy.url, **options)
        assert refused.source("alerts").ok is False
        assert "TLS certificate not trusted" in refused.source("alerts").error
        store = await board(proxy.url, verify_tls=False, **options)
    assert [signal.name for signal in store.signals.values()] == ["Tls"]
    assert seen and all(headers.get("X-Scope-OrgID") == "tenant-7f3a9c" for _, headers in seen)


async def test_error_text_quoting_a_secret_is_left_out(manager: ServerProcess) -> None:
    token = "tok_abcdef123456"
    async with plugin_for(
        manager.url,
        headers={"Authorization": f"Bearer {token}"},
        filter=[f'service=~"[{token}"'],
    ) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "HTTP 400 Bad Request"


def _odd_server(alerts: object, silences_status: int = 200) -> type[BaseHTTPRequestHandler]:
    """A loopback server answering like a broken or foreign Alertmanager would: what no
    healthy Alertmanager sends, but a wrong URL or a proxy in between can."""

    class Odd(QuietHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/api/v2/alerts"):
                status, body = 200, json.dumps(alerts).encode()
            else:
                status, body = silences_status, b'"boom"'
            self.send_body(status, body)

    return Odd


async def test_odd_answers_are_explained_and_what_can_be_read_is_kept() -> None:
    good = {
        "labels": {"alertname": "Good", "severity": "critical"},
        "fingerprint": "abc123",
        "status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": ["gone"]},
    }
    with no_proxy():
        with serve_http(_odd_server({"data": []})) as server:
            store = await board(server.url)
        assert store.source("alerts").error == (
            "not an Alertmanager API v2 response (is the URL right?)"
        )
        with serve_http(_odd_server([good, 7, {"labels": "x"}], silences_status=500)) as server:
            store = await board(server.url)
    state = store.source("alerts")
    assert (state.ok, state.error) == (False, "2 items in the response not an alert")
    [signal] = store.signals.values()
    # The silences could not be fetched: the alert is still suppressed, only the words
    # are fewer; the inhibiting alert is not on the board.
    assert (signal.name, signal.status, signal.reason) == ("Good", Status.OK, None)
    assert signal.summary == (
        "silenced (who and until when unavailable); also inhibited by another alert"
    )


def _proxy(target: str, seen: list[tuple[str, dict[str, str]]]) -> type[BaseHTTPRequestHandler]:
    """A loopback reverse proxy in front of Alertmanager that records every request."""

    class Proxy(QuietHandler):
        def do_GET(self) -> None:
            seen.append((self.path, dict(self.headers)))
            with httpx.Client(trust_env=False, timeout=5) as client:
                upstream = client.get(target + self.path)
            body = upstream.content
            self.send_body(upstream.status_code, body, upstream.headers.get("content-type", ""))

    return Proxy


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"url": "ftp://am"}, "must start with http:// or https://"),
        ({"url": "http://am?x=1"}, "must not contain ?query"),
        ({"filter": ["severity"]}, "is not a label matcher"),
        ({"filter": ['a="b"\nc="d"']}, "is not a label matcher"),
        ({"filter": ["severity=~crit"]}, None),
        ({"name": "{0}"}, "is not a label name"),
        ({"component": "{a.b}"}, "is not a label name"),
        ({"severity_map": {"major": "unknown"}}, "'ok', 'warning' or 'critical'"),
        ({"severity_default": "page"}, "'ok', 'warning' or 'critical'"),
        ({"severity_label": ""}, "at least 1"),
        ({"extra": 1}, "Extra inputs are not permitted"),
        ({"headers": {"Authorization": "a\nb-secret"}}, "line break"),
    ],
)
def test_config_errors(options: dict[str, Any], expected: str | None) -> None:
    data = {"url": "http://127.0.0.1:9093", **options}
    if expected is None:
        AlertmanagerConfig.model_validate(data)
        return
    with pytest.raises(ValidationError) as caught:
        AlertmanagerConfig.model_validate(data)
    assert expected in str(caught.value)
    assert "b-secret" not in str(caught.value), "header values are secrets"


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("alertmanager", AlertmanagerConfig)
    assert AlertmanagerPlugin.transient


def test_automatic_names_without_alertname_or_with_one_alert() -> None:
    def alert(key: str, **labels: str) -> Alert:
        return Alert(key, labels, {}, None, (), (), False)

    names = auto_names(
        [alert("a", service="x"), alert("b", service="y"), alert("c", alertname="Solo", x="1")],
        "severity",
    )
    assert names == {"a": "unnamed alert x", "b": "unnamed alert y", "c": "Solo"}
