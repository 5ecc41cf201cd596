"""Silences from the board: `s` on an alert (or on a signal a firing alert is about),
`S` for the active silences.

The flow, each step refusable: the gate (read-only refuses `action_silence` before this
runs, and `ActionDispatcher.run` refuses again), the form (SilenceForm), a confirm step
(ConfirmScreen), then the alert's own source runs its `silence` action — `POST
/api/v2/silences` to the Alertmanager that sent the alert — and is collected again at
once, so the alert shows "silenced by ... until ..." within a moment. Every failure
(Alertmanager down, a 400, refused) is a notification in plain words.
"""

from __future__ import annotations

import getpass
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from rich.text import Text
from textual.app import App
from textual.screen import Screen

from oncall_tui.core.gate import ActionRefused
from oncall_tui.core.present.words import badge
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.sources.dispatch import Offer, target_of
from oncall_tui.core.sources.plugin_actions import OperationFailed, OperationResult, OperationTarget
from oncall_tui.core.triage.alert_match import matching_alerts
from oncall_tui.ui.gated_engine import GatedEngine, refuse
from oncall_tui.ui.screens.confirm import ConfirmScreen
from oncall_tui.ui.screens.silence import SilenceDraft, SilenceForm
from oncall_tui.ui.screens.silences import SilenceListScreen, SilenceRow

log = logging.getLogger(__name__)

SILENCE = "silence"
LIST = "silences"
EXPIRE = "expire"


def default_author() -> str:
    """$USER, as amtool does; the login name when it is unset."""
    user = os.environ.get("USER", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def selected_key(screen: Screen[Any]) -> str | None:
    """The signal the user is on: the detail's signal, or the board's selected row."""
    for holder in (screen, screen.focused):
        key = getattr(holder, "selected_key", None)
        if isinstance(key, str):
            return key
    key = getattr(screen, "key", None)
    return key if isinstance(key, str) and screen.name == "detail" else None


def silence_targets(engine: GatedEngine, signal: Signal) -> list[tuple[Signal, Offer]]:
    """The alerts `signal` could be silenced through, each with its source's action."""
    found = []
    for alert in matching_alerts(signal, engine.store.signals.values()):
        offer = engine.actions.offers_for(alert, SILENCE)
        if offer is not None:
            found.append((alert, offer))
    return found


def start_silence(app: App[Any], engine: GatedEngine) -> None:
    """`s`: the form for the selected alert, or for the alerts about the selected signal."""
    key = selected_key(app.screen)
    signal = engine.store.signals.get(key) if key else None
    if signal is None:
        app.notify("select an alert (or a signal with a firing alert) first", markup=False)
        return
    targets = silence_targets(engine, signal)
    if not targets:
        what = "this alert's source cannot silence" if signal.kind == "alert" else "no firing alert"
        app.notify(
            f"{signal.name}: {what} (silences need an alertmanager source)",
            severity="warning",
            markup=False,
        )
        return
    reason = engine.actions.refusal(targets[0][1])
    if reason:  # the key path is refused earlier; this covers any other caller
        refuse(app, reason)
        return
    by_key = {alert.key: (alert, offer) for alert, offer in targets}
    choices = [(alert.key, _name(alert)) for alert, _ in targets]

    def drafted(draft: SilenceDraft | None) -> None:
        if draft is None or draft.alert_key not in by_key:
            return
        alert, offer = by_key[draft.alert_key]
        question = _question(alert, draft)

        def confirmed(yes: bool | None) -> None:
            if yes:
                params = {"duration": draft.duration, "comment": draft.comment}
                params["author"] = draft.author
                run(app, engine, offer, target_of(alert), params)

        app.push_screen(ConfirmScreen(question, confirm="Create silence"), confirmed)

    app.push_screen(SilenceForm(choices, author=default_author()), drafted)


def show_silences(app: App[Any], engine: GatedEngine) -> None:
    """`S`: the active silences of every source that can list them."""
    sources = [offer.source for offer in engine.actions.offers() if offer.spec.name == LIST]
    if not sources:
        app.notify("no source lists silences (add an alertmanager source)", markup=False)
        return

    async def load() -> tuple[list[SilenceRow], list[str]]:
        rows: list[SilenceRow] = []
        problems: list[str] = []
        for source in sources:
            try:
                result = await engine.actions.run(source, LIST)
            except (OperationFailed, ActionRefused) as exc:
                problems.append(str(exc))
                continue
            rows += [SilenceRow(source, dict(row)) for row in result.rows]
        return rows, problems

    screen = SilenceListScreen(load, lambda row: expire(app, engine, screen, row))
    app.push_screen(screen)


def expire(app: App[Any], engine: GatedEngine, screen: SilenceListScreen, row: SilenceRow) -> None:
    """Confirm, then expire `row`'s silence and reload the list."""
    offer = engine.actions.offer(row.source, EXPIRE)
    if offer is None:
        app.notify(f"{row.source}: cannot expire silences", severity="warning", markup=False)
        return
    reason = engine.actions.refusal(offer)
    if reason:
        refuse(app, reason)
        return
    question = Text("Expire this silence?\n\n", style="bold")
    question.append(f"{row.fields.get('matchers', '')}\n")
    question.append(f"by {row.fields.get('created_by') or 'someone'}")
    question.append(f", until {row.fields.get('ends_at', '?')}")
    if row.fields.get("comment"):
        question.append(f"\n{row.fields['comment']}")

    def confirmed(yes: bool | None) -> None:
        if yes:
            run(app, engine, offer, OperationTarget(key=row.id), {}, then=lambda: reload(screen))

    app.push_screen(ConfirmScreen(question, confirm="Expire"), confirmed)


def reload(screen: SilenceListScreen) -> None:
    if screen.is_attached:  # closed while the action ran: nothing to show it on
        screen.reload()


def run(
    app: App[Any],
    engine: GatedEngine,
    offer: Offer,
    target: OperationTarget,
    params: Mapping[str, str],
    *,
    then: Callable[[], None] | None = None,
) -> None:
    """Run a plugin action in a worker; say how it went."""

    async def work() -> None:
        try:
            result: OperationResult = await engine.actions.run(
                offer.source, offer.spec.name, target, params
            )
        except ActionRefused as exc:
            refuse(app, str(exc))
            return
        except OperationFailed as exc:
            log.warning("action %s of %s failed: %s", offer.spec.name, offer.source, exc)
            app.notify(str(exc), title="Failed", severity="error", markup=False, timeout=10)
            return
        app.notify(result.message, markup=False)
        if result.refresh:
            engine.refresh_now()
        if then is not None:
            then()

    app.run_worker(work(), group="plugin-action", exit_on_error=False)


def _name(alert: Signal) -> Text:
    return Text(f"{badge(alert.status)}  {alert.name}")


def _question(alert: Signal, draft: SilenceDraft) -> Text:
    until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time.time() + draft.seconds))
    text = Text("Create this silence?\n\n", style="bold")
    text.append(f"{alert.name}\n")
    matchers = ", ".join(f'{name}="{value}"' for name, value in sorted(alert.labels.items()))
    text.append(f"matchers  {matchers}\n")
    text.append(f"for       {draft.duration} (until {until})\n")
    text.append(f"comment   {draft.comment}\n")
    text.append(f"author    {draft.author}")
    return text
