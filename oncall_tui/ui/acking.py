"""Acks from the board: `a` says "I'm on it" about the selected alert (or the firing
alerts about the selected signal), `A` withdraws it after a confirm.

An ack is a silence in Alertmanager (karma's `ACK!` convention), so it goes through the
same gate as any silence: read-only and the wallboard refuse `action_ack` before this
runs (`ActionApp.run_action`), and `ActionDispatcher.run` refuses again. No form: an
ack is one key in the middle of an incident; its author is `ack_author` or $USER and
its length the source's `ack_duration`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App

from oncall_tui.core.signals.model import Signal, Status
from oncall_tui.core.sources.dispatch import Offer, target_of
from oncall_tui.core.triage.alert_match import matching_alerts
from oncall_tui.ui import silencing
from oncall_tui.ui.gated_engine import GatedEngine, refuse
from oncall_tui.ui.screens.confirm import ConfirmScreen

ACK = "ack"
UNACK = "unack"
FIRING = frozenset({Status.WARNING, Status.CRITICAL})


def targets(engine: GatedEngine, signal: Signal, action: str) -> list[tuple[Signal, Offer]]:
    """The alerts about `signal` that `action` applies to now: firing and not yet
    acked for an ack, acked for an un-ack."""
    found = []
    for alert in matching_alerts(signal, engine.store.signals.values()):
        offer = engine.actions.offers_for(alert, action)
        if offer is None:
            continue
        if action == ACK and (alert.ack is not None or alert.status not in FIRING):
            continue
        if action == UNACK and alert.ack is None:
            continue
        found.append((alert, offer))
    return found


def _selected(app: App[Any], engine: GatedEngine) -> Signal | None:
    key = silencing.selected_key(app.screen)
    signal = engine.store.signals.get(key) if key else None
    if signal is None:
        app.notify("select an alert (or a signal with a firing alert) first", markup=False)
    return signal


def start_ack(app: App[Any], engine: GatedEngine) -> None:
    """`a`: ack every firing, un-acked alert about the selected signal."""
    signal = _selected(app, engine)
    if signal is None:
        return
    found = targets(engine, signal, ACK)
    if not found:
        acked = [a for a in matching_alerts(signal, engine.store.signals.values()) if a.ack]
        why = "already acked" if acked else "no firing alert to acknowledge"
        app.notify(f"{signal.name}: {why}", severity="warning", markup=False)
        return
    reason = engine.actions.refusal(found[0][1])
    if reason:  # the key path is refused earlier; this covers any other caller
        refuse(app, reason)
        return
    author = silencing.default_author()
    for alert, offer in found:
        silencing.run(app, engine, offer, target_of(alert), {"author": author})


def start_unack(app: App[Any], engine: GatedEngine) -> None:
    """`A`: confirm, then end the acks of the alerts about the selected signal."""
    signal = _selected(app, engine)
    if signal is None:
        return
    found = targets(engine, signal, UNACK)
    if not found:
        app.notify(f"{signal.name}: nothing acked here", severity="warning", markup=False)
        return
    reason = engine.actions.refusal(found[0][1])
    if reason:
        refuse(app, reason)
        return
    question = Text("Withdraw the ack?\n\n", style="bold")
    for alert, _ in found:
        who = alert.ack.author if alert.ack is not None else "someone"
        question.append(f"{alert.name}  (acked by {who})\n")
    question.append("\nThe alert will bell and toast again, and nobody is shown on it.")

    def confirmed(yes: bool | None) -> None:
        if yes:
            for alert, offer in found:
                silencing.run(app, engine, offer, target_of(alert), {})

    app.push_screen(ConfirmScreen(question, confirm="Withdraw ack"), confirmed)
