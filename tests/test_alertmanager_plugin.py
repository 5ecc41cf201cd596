"""The alertmanager plugin against a real Alertmanager: alerts fed by real Prometheus
alert rules (with `runbook_url` annotations) through the session's platform, and alerts
posted directly to one Alertmanager per module (`POST /api/v2/alerts`), read as statuses,
names, components and values.

Every test posting alerts gives them a label `case` of its own and filters on it, so
the tests share one server without seeing each other's alerts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alertmanager_api import post_alerts
from alertmanager_plugin_support import (
    board,
    inhibiting_manager,  # noqa: F401  (the fixture `manager`)
    named,
    plugin_for,
)
from oncall_cli import run_oncall
from oncall_tui.core.signals.model import Status
from oncall_tui.core.sources.runbook import RunbookKind
from servers import ServerProcess
from servers_alertmanager import wait_for_alert
from servers_platform import Platform

pytestmark = pytest.mark.servers


EVIL_TEXT = "ledger \x1b[31mdown\u202e !\x1b]52;c;cm0gLXJmIH4=\x07"
"""An ESC colour sequence, a bidi override and an OSC 52 clipboard write."""


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
