"""What the app's action keys need of an engine (or a replay), and how a refusal is
said: shared by the app and the silence keys without either importing the other."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from textual.app import App

from oncall_tui.core.gate import ActionGate
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.dispatch import ActionDispatcher

log = logging.getLogger("oncall_tui.ui.action_app")


class GatedEngine(Protocol):
    """What the app needs of an engine (or a replay) to gate actions."""

    gate: ActionGate
    actions: ActionDispatcher
    store: SignalStore

    def lock_read_only(self) -> None: ...

    def refresh_now(self) -> None: ...


def refuse(app: App[Any], reason: str) -> None:
    """Say why something was not allowed, as a notice (logged too)."""
    log.info("refused: %s", reason)
    app.notify(reason, title="Not allowed", severity="warning", markup=False)
