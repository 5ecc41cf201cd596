"""Silences against a real Alertmanager: the alertmanager plugin's actions through the
engine's dispatcher, and the dashboard's `s` / `S` keys driven by Pilot.

One Alertmanager serves the module; every test posts its alerts with a `case` label of
its own and filters on it, and looks only at the silences matching its case.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, cast

import pytest
from textual.pilot import Pilot

from alertmanager_api import engine_for, post_alerts, post_silence, silences
from oncall_tui.core.engine import Engine
from oncall_tui.core.gate import ActionRefused
from oncall_tui.core.http import ReadOnlyError
from oncall_tui.core.signals.model import Reading, Signal, SourceState
from oncall_tui.core.sources.dispatch import target_of
from oncall_tui.core.sources.plugin_actions import ActionFailed, ActionTarget
from oncall_tui.core.triage.alert_match import matching_alerts
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.confirm import ConfirmScreen
from oncall_tui.ui.screens.silence import SilenceForm
from oncall_tui.ui.screens.silences import SilenceListScreen
from oncall_tui.ui.textual_compat import notification_messages
from servers import ServerProcess, closed_port
from waiting import pilot_until, wait_until_async

pytestmark = pytest.mark.servers

HOUR = 3600.0


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "alice")


def post_alert(server: ServerProcess, case: str, **labels: str) -> dict[str, str]:
    """Fire one alert tagged with `case`; its labels as Alertmanager holds them."""
    labels = {"alertname": "LedgerDown", "severity": "critical", **labels, "case": case}
    post_alerts(server, case, {"labels": labels, "annotations": {"summary": "ledger is down"}})
    return labels


async def alert_signal(engine: Engine, manager: ServerProcess, case: str) -> Signal:
    """Collect until Alertmanager shows the case's alert (it applies posts at once, but
    be patient on a loaded machine)."""

    async def alerts() -> list[Signal]:
        await engine.collect_once()
        return [s for s in engine.store.signals.values() if s.kind == "alert"]

    found = await wait_until_async(alerts, what=f"an alert of case {case} in {manager.url}")
    return found[0]


def rfc3339(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def exact(labels: dict[str, str]) -> list[dict[str, object]]:
    return sorted(
        ({"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in labels.items()),
        key=lambda m: str(m["name"]),
    )


# --------------------------------------------------------------------------- the actions


async def test_silence_action_posts_the_alerts_labels_comment_author_and_end(
    manager: ServerProcess, case: str
) -> None:
    labels = post_alert(manager, case, service="ledger")
    engine = engine_for(manager.url, case)
    try:
        signal = await alert_signal(engine, manager, case)
        offer = engine.actions.offers_for(signal, "silence")
        assert offer is not None and offer.spec.mutates
        before = time.time()
        result = await engine.actions.run(
            "alerts",
            "silence",
            target_of(signal),
            {"duration": "1h30m", "comment": "failover  drill", "author": "alice"},
        )
        made = silences(manager, case)
        assert len(made) == 1
        silence = made[0]
        assert sorted(silence["matchers"], key=lambda m: m["name"]) == exact(labels)
        assert silence["comment"] == "failover drill"
        assert silence["createdBy"] == "alice"
        assert silence["status"]["state"] == "active"
        ends = rfc3339(silence["endsAt"])
        assert before + 1.5 * HOUR - 5 <= ends <= time.time() + 1.5 * HOUR + 5
        assert result.refresh and silence["id"] in result.message
        assert result.message.startswith(f"silenced {signal.name} until ")

        # The next collection shows who silenced it and until when.
        await engine.collect_once()
        shown = engine.store.signals[signal.key]
        assert shown.summary.startswith("silenced by alice until "), shown.summary
        assert shown.status.value == "ok"
    finally:
        await engine.stop()


async def test_list_and_expire_actions(manager: ServerProcess, case: str) -> None:
    post_alert(manager, case, service="ledger")
    ident = post_silence(manager, case)
    engine = engine_for(manager.url, case)
    try:
        listed = await engine.actions.run("alerts", "silences")
        row = next(row for row in listed.rows if row["id"] == ident)
        assert row["created_by"] == "bob"
        assert row["comment"] == "made outside the board"
        assert row["matchers"] == f'case="{case}"'
        assert row["ends_at"] == "2031-01-01 00:00 UTC"

        result = await engine.actions.run("alerts", "expire", ActionTarget(key=ident))
        assert result.message == f"expired silence {ident}"
        assert silences(manager, case, "active") == []
        assert [s["id"] for s in silences(manager, case, "expired")] == [ident]
        again = await engine.actions.run("alerts", "silences")
        assert ident not in [row["id"] for row in again.rows]
    finally:
        await engine.stop()


async def test_errors_are_said_plainly(manager: ServerProcess, case: str) -> None:
    post_alert(manager, case, service="ledger")
    engine = engine_for(manager.url, case)
    try:
        signal = await alert_signal(engine, manager, case)
        target = target_of(signal)
        good = {"duration": "1h", "comment": "why", "author": "alice"}
        with pytest.raises(ActionFailed, match=r"^duration: expected a duration like"):
            await engine.actions.run("alerts", "silence", target, {**good, "duration": "5"})
        with pytest.raises(ActionFailed, match=r"^comment: required"):
            await engine.actions.run("alerts", "silence", target, {**good, "comment": "  "})
        with pytest.raises(ActionFailed, match=r"^author: required"):
            await engine.actions.run("alerts", "silence", target, {**good, "author": ""})
        with pytest.raises(ActionFailed, match=r"^alerts: HTTP 500 .*: silence not found$"):
            await engine.actions.run(
                "alerts", "expire", ActionTarget(key="00000000-0000-0000-0000-000000000000")
            )
        with pytest.raises(ActionFailed, match="is not a silence id"):
            await engine.actions.run("alerts", "expire", ActionTarget(key="../alerts"))
        # Alertmanager's own 400, with its words: a label name it does not accept.
        plugin = engine.runners["alerts"].plugin
        plugin._labels[target.key] = {"bad name": "x"}  # type: ignore[union-attr]
        said = r'HTTP 400 Bad Request: silence invalid: .*"bad name"'
        with pytest.raises(ActionFailed, match=said):
            await engine.actions.run("alerts", "silence", target, good)
        assert silences(manager, case) == []
    finally:
        await engine.stop()

    down = engine_for(f"http://127.0.0.1:{closed_port()}", case)
    try:
        await down.collect_once()
        with pytest.raises(ActionFailed, match=r"^alerts: cannot connect to 127\.0\.0\.1:\d+"):
            await down.actions.run("alerts", "silences")
        with pytest.raises(ActionFailed, match="cannot connect"):
            await down.actions.run("alerts", "expire", ActionTarget(key="abc"))
    finally:
        await down.stop()


async def test_read_only_engine_refuses_before_any_io(manager: ServerProcess, case: str) -> None:
    post_alert(manager, case, service="ledger")
    engine = engine_for(manager.url, case, read_only=True)
    try:
        signal = await alert_signal(engine, manager, case)
        params = {"duration": "1h", "comment": "why", "author": "alice"}
        with pytest.raises(ActionRefused, match=r"^read-only: silence this alert .* is disabled"):
            await engine.actions.run("alerts", "silence", target_of(signal), params)
        # Even called directly, past the dispatcher, the plugin gets no writing client.
        plugin = engine.runners["alerts"].plugin
        assert plugin is not None
        with pytest.raises(ReadOnlyError, match=r"POST .* refused before sending"):
            await plugin.run_operation("silence", target_of(signal), params)
        ident = post_silence(manager, case)
        with pytest.raises(ReadOnlyError, match=r"DELETE .* refused before sending"):
            await plugin.run_operation("expire", ActionTarget(key=ident), {})
        # Reading is allowed.
        listed = await engine.actions.run("alerts", "silences")
        assert ident in [row["id"] for row in listed.rows]
        assert [s["id"] for s in silences(manager, case, "active")] == [ident]
    finally:
        await engine.stop()


async def test_locking_an_engine_read_only_reaches_its_plugins(
    manager: ServerProcess, case: str
) -> None:
    """An app in read-only mode over an engine built writable (`OncallApp(engine,
    read_only=True)`) locks the engine: gate and every plugin's context."""
    post_alert(manager, case, service="ledger")
    engine = engine_for(manager.url, case)
    try:
        signal = await alert_signal(engine, manager, case)
        engine.lock_read_only()
        assert engine.read_only
        plugin = engine.runners["alerts"].plugin
        assert plugin is not None and plugin.context.read_only
        with pytest.raises(ReadOnlyError):
            await plugin.run_operation(
                "silence", target_of(signal), {"duration": "1h", "comment": "c", "author": "a"}
            )
        with pytest.raises(AttributeError):
            engine.read_only = False  # type: ignore[misc]
        assert silences(manager, case) == []
    finally:
        await engine.stop()


# --------------------------------------------------------------------------- matching


def _signal(key: str, kind: str, name: str, component: str = "", **labels: str) -> Signal:
    return Signal(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        name=name,
        source="s",
        labels=dict(labels),
        unit="count",
        component=component or name,
    )


def test_which_alerts_a_signal_is_about() -> None:
    down = _signal("a/1", "alert", "LedgerDown", "ledger", alertname="LedgerDown", service="ledger")
    slow = _signal("a/2", "alert", "PaymentSlow", "payment-api", service="payment-api", pod="p1")
    bureau = _signal("a/3", "alert", "BureauDown", "credit-bureau", alertname="BureauDown")
    alerts = [down, slow, bureau]
    everything = [*alerts, _signal("h/9", "health", "unlabelled")]

    assert matching_alerts(down, everything) == [down]
    by_component = _signal("h/1", "health", "ledger errors", "ledger")
    assert matching_alerts(by_component, everything) == [down]
    by_name = _signal("d/1", "dependency", "credit-bureau")  # component defaults to the name
    assert matching_alerts(by_name, everything) == [bureau]
    by_labels = _signal("h/2", "health", "p", "other", service="payment-api", __name__="up")
    assert matching_alerts(by_labels, everything) == [slow]
    unrelated = _signal("h/3", "health", "x", "y", service="ledger", pod="z")
    assert matching_alerts(unrelated, alerts) == []
    assert matching_alerts(_signal("h/4", "health", "nothing"), everything) == []


# --------------------------------------------------------------------------- the dashboard


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


def notes(app: OncallApp) -> list[str]:
    return notification_messages(app)


async def select(pilot: Pilot[Any], app: OncallApp, key: str) -> None:
    await pilot_until(pilot, lambda: key in app.engine.store.signals, what=f"signal {key}")
    panels = app.dashboard.panels.values()
    await pilot_until(
        pilot, lambda: any(key in panel.row_keys for panel in panels), what=f"row {key}"
    )
    for panel in panels:
        if panel.select_key(key):
            panel.focus()
            break
    await pilot.pause()


async def test_silence_from_the_dashboard_and_expire_it(manager: ServerProcess, case: str) -> None:
    labels = post_alert(manager, case, service="ledger")
    app = OncallApp(engine_for(manager.url, case))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot_until(pilot, lambda: app.engine.store.signals, what="the alert on the board")
        (key,) = app.engine.store.signals
        panel = app.dashboard.panels["alert"]
        await pilot_until(pilot, lambda: panel.first_signal is not None, what="the alert row")
        await pilot.press("4", "g")  # the Alerts panel, its first row: our one alert
        assert panel.selected_key == key
        await pilot.press("s")
        await pilot_until(
            pilot, lambda: isinstance(app.screen, SilenceForm), what="the silence form"
        )
        form = app.screen
        assert form.query_one("#silence-duration").value == "1h"  # type: ignore[attr-defined]
        assert form.query_one("#silence-author").value == "alice"  # type: ignore[attr-defined]
        # Without a comment the form stays, says why, and nothing is sent.
        await pilot.press("enter")
        assert app.screen is form
        assert "comment: required" in str(form.query_one("#silence-problem").render())
        await type_text(pilot, "ledger DB failover")
        await pilot.press("enter")
        await pilot_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirm step"
        )
        question = str(app.screen.question)  # type: ignore[attr-defined]
        assert 'service="ledger"' in question and "ledger DB failover" in question
        assert silences(manager, case) == [], "nothing is sent before the confirm"
        before = time.time()
        await pilot.press("y")
        await pilot_until(
            pilot, lambda: silences(manager, case, "active"), what="the silence in Alertmanager"
        )
        (silence,) = silences(manager, case, "active")
        assert sorted(silence["matchers"], key=lambda m: m["name"]) == exact(labels)
        assert silence["comment"] == "ledger DB failover"
        assert silence["createdBy"] == "alice"
        assert before + HOUR - 5 <= rfc3339(silence["endsAt"]) <= time.time() + HOUR + 5
        await pilot_until(
            pilot,
            lambda: app.engine.store.signals[key].summary.startswith("silenced by alice until"),
            what="the alert shown silenced",
        )
        assert any(note.startswith("silenced LedgerDown until") for note in notes(app))

        # S lists it; x (confirmed) expires it.
        await pilot.press("S")
        await pilot_until(pilot, lambda: isinstance(app.screen, SilenceListScreen), what="the list")
        listing = cast(SilenceListScreen, app.screen)
        await pilot_until(pilot, lambda: listing.loaded, what="the silences loaded")
        index = [row.id for row in listing.rows].index(silence["id"])
        listing.query_one("#silences-list").highlighted = index  # type: ignore[attr-defined]
        await pilot.press("x")
        await pilot_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirm step"
        )
        assert silences(manager, case, "active"), "nothing expired before the confirm"
        await pilot.press("y")
        await pilot_until(
            pilot, lambda: not silences(manager, case, "active"), what="the silence expired"
        )
        await pilot_until(
            pilot, lambda: silence["id"] not in [r.id for r in listing.rows], what="reload"
        )


async def test_a_signal_with_a_firing_alert_offers_that_alert(
    manager: ServerProcess, case: str
) -> None:
    """`s` on a health signal about "ledger" silences the alert about component ledger."""
    labels = post_alert(manager, case, service="ledger")
    engine = engine_for(manager.url, case)
    engine.store.add_source(SourceState("checks", "command", frozenset({"health"})))
    engine.store.apply("checks", [Reading("e", "health", "ledger errors", 0.5, component="ledger")])
    app = OncallApp(engine)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot_until(pilot, lambda: len(app.engine.store.signals) == 2, what="both signals")
        await select(pilot, app, "checks/e")
        await pilot.press("s")
        await pilot_until(
            pilot, lambda: isinstance(app.screen, SilenceForm), what="the silence form"
        )
        form = cast(SilenceForm, app.screen)
        ((alert_key, name),) = form.alerts
        assert alert_key.startswith("alerts/") and str(name).endswith("CRIT  LedgerDown")
        await type_text(pilot, "known")
        await pilot.press("enter")
        await pilot_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirm step"
        )
        await pilot.press("y")
        await pilot_until(pilot, lambda: silences(manager, case, "active"), what="the silence")
        (silence,) = silences(manager, case, "active")
        assert sorted(silence["matchers"], key=lambda m: m["name"]) == exact(labels)

        # A signal nothing fires about says so, and opens nothing.
        engine.store.apply(
            "checks", [Reading("f", "health", "bureau latency", 0.5, component="bureau")]
        )
        await select(pilot, app, "checks/f")
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, SilenceForm)
        assert any("bureau latency: no firing alert" in note for note in notes(app))


async def test_read_only_refuses_silence_and_expire_and_sends_nothing(
    manager: ServerProcess, case: str
) -> None:
    post_alert(manager, case, service="ledger")
    ident = post_silence(manager, case)
    app = OncallApp(engine_for(manager.url, case), read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot_until(pilot, lambda: app.engine.store.signals, what="the alert on the board")
        panel = app.dashboard.panels["alert"]
        await pilot_until(pilot, lambda: panel.first_signal is not None, what="the alert row")
        await pilot.press("4", "g", "s")
        await pilot.pause()
        assert not isinstance(app.screen, SilenceForm)
        assert any(n.startswith("read-only: silence is disabled") for n in notes(app)), notes(app)

        await pilot.press("S")  # listing is reading: allowed
        await pilot_until(pilot, lambda: isinstance(app.screen, SilenceListScreen), what="the list")
        listing = cast(SilenceListScreen, app.screen)
        await pilot_until(pilot, lambda: listing.loaded, what="the silences loaded")
        listing.query_one("#silences-list").highlighted = [r.id for r in listing.rows].index(ident)  # type: ignore[attr-defined]
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is listing, "no confirm step: refused before it"
        assert any(n.startswith("read-only: expire is disabled") for n in notes(app)), notes(app)
    assert [s["id"] for s in silences(manager, case, "active")] == [ident]
    assert len(silences(manager, case)) == 1
