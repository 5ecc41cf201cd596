"""The main screen: header, four panels, footer, and the bridge from the store.

The store calls its listeners synchronously after every collection of every source
(and after each staleness sweep). Repainting there would repaint once per source per
tick, so the listener only records which keys changed and arms one timer; `sync` then
updates every panel at most `MAX_SYNC_RATE` times a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from oncall_tui.core.model import Kind
from oncall_tui.core.store import SignalStore
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from oncall_tui.ui.widgets.status_header import StatusHeader

log = logging.getLogger(__name__)

MAX_SYNC_RATE = 4.0
"""Panel updates per second at most, however often the store changes."""
SETTLE_DELAY = 0.05
"""Wait after the first change of a burst: sources finishing together share a repaint."""
FIRST_SELECTION_WAIT = 3.0
"""How long the launch selection waits for every source's first answer, so a slow
source's critical signal is not missed for a fast source's warning."""


PANEL_KINDS: tuple[Kind, ...] = ("health", "risk_rule", "dependency", "alert")
"""The four panels, numbered 1-4 for the keys."""


class DashboardScreen(Screen[None]):
    """The board: what is wrong right now, worst first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "focus_panel(0)", "Health", show=False),
        Binding("2", "focus_panel(1)", "Risk", show=False),
        Binding("3", "focus_panel(2)", "Deps", show=False),
        Binding("4", "focus_panel(3)", "Alerts", show=False),
        Binding("tab", "cycle_panel(1)", "Next panel", show=False),
        Binding("shift+tab", "cycle_panel(-1)", "Previous panel", show=False),
    ]

    def __init__(
        self,
        store: SignalStore,
        *,
        title: str,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        super().__init__(id="dashboard")
        self.store = store
        self.clock = clock
        self.header = StatusHeader(store, title=title, clock=clock, read_only=read_only)
        self.panels: dict[Kind, SignalPanel] = {
            kind: SignalPanel(store, kind, number=number, id=f"panel-{kind.replace('_', '-')}")
            for number, kind in enumerate(PANEL_KINDS, start=1)
        }
        self._pending: set[str] = set()
        self._timer: Timer | None = None
        self._last_sync = 0.0
        self._started = time.monotonic()
        self._selected_once = False
        self._user_moved = False
        self._failed: set[Kind] = set()
        self.sync_errors = 0
        """Failed syncs so far (each is logged); the board keeps running."""

    def compose(self) -> ComposeResult:
        yield self.header
        with Container(id="panels"):
            yield from self.panels.values()
        yield Footer()

    def on_mount(self) -> None:
        self._started = time.monotonic()
        self.store.subscribe(self._store_changed)
        self.set_interval(1.0, self._tick)
        self.panels["health"].focus()
        self.sync(full=True)

    def on_unmount(self) -> None:
        # The store outlives screens (a wallboard rotates them for weeks).
        self.store.unsubscribe(self._store_changed)

    # -- store → screen -------------------------------------------------------------

    def _store_changed(self, changed: set[str]) -> None:
        """Store listener: runs inside the engine's collection (same event loop), so it
        only takes note, and it must never raise into the engine."""
        try:
            if not self.is_attached:
                return
            self._pending |= changed
            if self._timer is None:
                since = time.monotonic() - self._last_sync
                delay = max(SETTLE_DELAY, 1 / MAX_SYNC_RATE - since)
                self._timer = self.set_timer(delay, self._sync_from_timer, name="dashboard-sync")
        except Exception:
            log.exception("scheduling a dashboard update failed")

    def _sync_from_timer(self) -> None:
        self._timer = None
        self.sync()

    def sync(self, *, full: bool = False) -> None:
        """Apply what the store reported since the last sync. Never raises: a bug in one
        panel must not stop the others, nor the app (timer callbacks that raise end it)."""
        changed, self._pending = self._pending, set()
        self._last_sync = time.monotonic()
        for panel in self.panels.values():
            # A panel whose last update failed may be half-updated: rebuild it whole.
            rebuild = full or panel.kind in self._failed
            try:
                panel.sync(None if rebuild else changed)
                self._failed.discard(panel.kind)
            except Exception:
                self.sync_errors += 1
                self._failed.add(panel.kind)
                log.exception("updating panel %s failed", panel.kind)
        self._tick()

    def _tick(self) -> None:
        try:
            self.header.update_status()
            self._select_worst_once()
        except Exception:
            self.sync_errors += 1
            log.exception("clock tick failed")

    def _select_worst_once(self) -> None:
        """At launch, put the cursor on the worst signal and focus its panel, once every
        source has answered; never again afterwards, and not if the user moved first.

        A slow source does not leave the board without a selection: after
        FIRST_SELECTION_WAIT the worst so far is selected provisionally, and selected
        again when the late source's first answer brings something worse."""
        if self._selected_once:
            return
        if self._user_moved or any(panel.touched for panel in self.panels.values()):
            self._selected_once = True
            return
        worst = self.store.worst()
        if worst is None:
            return
        waiting = any(source.ok is None for source in self.store.sources)
        if waiting and time.monotonic() - self._started < FIRST_SELECTION_WAIT:
            return
        # Among equally bad signals the first panel wins (all green: Health, top row),
        # so the screen reads top-left first like everything else.
        for panel in self.panels.values():
            first = panel.first_signal
            if first is not None and first.status is worst.status:
                if panel.selected_key != first.key or self.focused is not panel:
                    panel.select_key(first.key)
                    panel.focus()
                self._selected_once = not waiting
                return

    # -- keys -----------------------------------------------------------------------

    def _panel_list(self) -> list[SignalPanel]:
        return list(self.panels.values())

    def action_focus_panel(self, index: int) -> None:
        self._user_moved = True
        panels = self._panel_list()
        if 0 <= index < len(panels):
            panels[index].focus()

    def action_cycle_panel(self, step: int) -> None:
        self._user_moved = True
        panels = self._panel_list()
        focused = self.focused
        current = panels.index(focused) if isinstance(focused, SignalPanel) else -step
        panels[(current + step) % len(panels)].focus()

    def on_signal_panel_selected(self, message: SignalPanel.Selected) -> None:
        if message.key in self.store.signals:
            self.app.push_screen(SignalDetailScreen(self.store, message.key, clock=self.clock))
