"""Silenced and inhibited alerts from a real Alertmanager: who silenced them and until
when, which alert inhibits them, and silences fetched only when needed."""

from __future__ import annotations

import threading

import pytest

from alertmanager_api import post_alerts, post_silence
from alertmanager_plugin_support import (
    board,
    inhibiting_manager,  # noqa: F401  (the fixture `manager`)
    named,
    plugin_for,
    recording_proxy,
    wait_for_state,
)
from oncall_tui.core.signals.model import Status
from servers import ServerProcess
from servers_http import serve_http

pytestmark = pytest.mark.servers


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
    with serve_http(recording_proxy(manager.url, seen)) as proxy:
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
    with serve_http(recording_proxy(manager.url, seen)) as proxy:
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
