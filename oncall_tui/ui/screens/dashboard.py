"""The main screen: header, the panels, the selected signal's why-line, the keys.

Which panel shows what lives in `board_panels`, their heights in `board_layout`, how
store changes reach the panels in `board_sync`, where the cursor goes in `board_follow`.

Selection: until the user moves, the cursor follows the worst signal of the first
probable cause (the one `check` lists first); once they move it stays with their row,
by key, and the why-line offers `w` to jump back. The panels are in the one sort
(core/triage/one_sort.py): within a severity the causes' rows first, then their symptoms.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.reactive import Reactive, var
from textual.widget import Widget
from textual.widgets import Input

from oncall_tui.core.present.attention import Attention
from oncall_tui.core.present.board_follow import WorstFollower, worst_signal
from oncall_tui.core.present.board_panels import (
    GROUPS,
    LEFT,
    PANEL_KINDS,
    RIGHT,
    host_sources,
    member,
)
from oncall_tui.core.present.words import badge
from oncall_tui.core.signals.filter import SignalFilter
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.ascii import footer_shows_palette
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.screen_stack import StyledAtMount
from oncall_tui.ui.screens.board_clock import BoardClock
from oncall_tui.ui.screens.board_keys import BOARD_BINDINGS
from oncall_tui.ui.screens.board_layout import PanelColumns, PanelSizer, make_panel
from oncall_tui.ui.screens.board_sync import PanelOrder, PanelUpdates, covered
from oncall_tui.ui.textual_compat import hide_toasts
from oncall_tui.ui.widgets.cause_line import CauseLine
from oncall_tui.ui.widgets.filter_bar import FilterBar
from oncall_tui.ui.widgets.key_footer import KeyFooter
from oncall_tui.ui.widgets.notice_line import NoticeLine
from oncall_tui.ui.widgets.selection_line import SelectionLine, hint_parts
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from oncall_tui.ui.widgets.status_header import StatusHeader, board_flags, refresh_flags

log = logging.getLogger(__name__)

__all__ = ["PANEL_KINDS", "DashboardScreen"]


class DashboardScreen(StyledAtMount, inherit_bindings=False):
    """The board: are users affected, what is wrong right now, worst first."""

    BINDINGS: ClassVar[list[BindingType]] = BOARD_BINDINGS
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    """The cause/notice area under the header: one row on a short screen (the cause, or
    a notice), two on a tall one; fixed per size, so calm or not the panels start level."""

    SCREEN_ID: ClassVar[str] = "dashboard"
    # Focused at start, as on_mount does: Textual's default (the first focusable, the
    # business panel) restyled two panels more before the first frame.
    AUTO_FOCUS = "#panel-health"

    follow = var(True)
    """The cursor follows the worst signal until the user moves it."""
    signal_filter: var[SignalFilter] = var(SignalFilter)
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's own repaints the whole screen on every focus change (~9 KB at
    120x40); here the focus follows the worst signal by itself during an incident.
    The panels gaining and losing focus repaint themselves (their `:focus` styles)."""

    def __init__(
        self,
        store: SignalStore,
        *,
        title: str,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        attention: Attention | None = None,
        topology: Mapping[str, Iterable[str]] | None = None,
        change_window: float = 3600.0,
    ) -> None:
        super().__init__(id=self.SCREEN_ID)
        self.store = store
        self.clock = clock
        self.attention = attention
        self.header = StatusHeader(store, title=title, clock=clock, read_only=read_only)
        self.selection = SelectionLine(clock=clock, id="selection")
        self.filter_bar = FilterBar(id="filter-bar", shown=lambda: self.sizer.chrome_changed())
        self.cause = CauseLine(
            store, topology=topology, change_window=change_window, clock=clock, id="cause-line"
        )
        """The probable cause under the header; hidden while nothing is failing."""
        self.notices = NoticeLine(clock=clock, id="notice-line")
        """Notices (what turned critical, what recovered, what a key did) in a row of
        their own: a toast would cover the panels' values."""
        self._host_sources = host_sources(store)
        self.panels: dict[str, SignalPanel] = {
            group: make_panel(store, group, self._member(group), clock) for group in GROUPS
        }
        self.updates = PanelUpdates(clock)
        self.sizer = PanelSizer(self, self.panels, self._chrome)
        for panel in self.panels.values():
            panel.rows_moved = self.sizer.settled  # their row guides follow at once
        self.follower = WorstFollower(clock)
        self.ordering = PanelOrder()
        """The one sort of the latest diagnosis, which the panels are sorted by."""
        self.ticks = BoardClock(self)

    @property
    def sync_errors(self) -> int:
        """Failed updates so far (each is logged); the board keeps running."""
        return self.updates.errors

    def _member(self, group: str) -> Callable[[Signal], bool]:
        return member(group, self._host_sources, self.signal_filter)

    def compose(self) -> ComposeResult:
        yield self.header
        with Vertical(id="cause-area"):
            yield self.cause
            yield self.notices
        yield self.panels["business"]
        with PanelColumns(id="columns"):
            with Vertical(id="col-left", classes="column"):
                for group in LEFT:
                    yield self.panels[group]
            with Vertical(id="col-right", classes="column"):
                for group in RIGHT:
                    yield self.panels[group]
        yield self.filter_bar
        yield self.selection
        # Compact: at 80 columns every key shown fits, `? Keys` and `C Cause` included.
        yield KeyFooter(compact=True)
        yield from self.sizer.guides.widgets

    def on_mount(self) -> None:
        self.store.subscribe(self._store_changed)
        self.ticks.start()
        self.set_focus(self.panels["health"])
        hide_toasts(self)  # notices go to the notice line, never over the panels
        self.panels["host"].display = bool(self._host_sources)
        self.sync(full=True)
        if hasattr(self.app, "paused"):
            # `p` on the app: rows keep what they show until it is pressed again.
            self.watch(self.app, "paused", self.freeze, init=False)

    def on_unmount(self) -> None:
        # The store outlives screens (a wallboard rotates them for weeks).
        self.store.unsubscribe(self._store_changed)

    def action_cause(self) -> None:
        """`C`: the first probable cause's worst signal; again: the next cause's (also
        from its detail, through the app)."""
        key = self.cause.next_key()
        open_detail = getattr(self.app, "open_detail", None)
        if key is None:
            self.app.notify("no probable cause: nothing is warning or critical")
        elif open_detail is not None:
            open_detail(key)

    def on_cause_line_selected(self, message: CauseLine.Selected) -> None:
        open_detail = getattr(self.app, "open_detail", None)
        if open_detail is not None:
            open_detail(message.key)

    @property
    def panel_list(self) -> list[SignalPanel]:
        """The panels in Tab order, visible ones only."""
        return [panel for panel in self.panels.values() if panel.display]

    @property
    def selected_panel(self) -> SignalPanel | None:
        focused = self.focused
        if isinstance(focused, SignalPanel):
            return focused
        return self._last_panel

    _last_panel: SignalPanel | None = None

    @property
    def selected_key(self) -> str | None:
        panel = self.selected_panel
        return panel.selected_key if panel is not None else None

    # -- store → screen -------------------------------------------------------------

    @keep_alive("scheduling a dashboard update")
    def _store_changed(self, changed: set[str]) -> None:
        """Store listener: runs inside the engine's collection (same event loop), so it
        only takes note, and it must never raise into the engine."""
        if not self.is_attached:
            return
        self.arm_sync(self.updates.note(changed))

    def arm_sync(self, delay: float | None) -> None:
        """Update the panels in `delay` seconds (None: an update is already coming)."""
        if delay is not None and self.is_attached:
            self.set_timer(delay, self._sync_from_timer, name="dashboard-sync")

    async def _sync_from_timer(self) -> None:
        """`sync`, a panel per turn of the event loop (`PanelUpdates.apply_in_turns`)."""
        try:
            self._notice()
            if not self._held():  # else shown when the pause ends, or the detail closes
                self.rediagnose()
                grew = await self.updates.apply_in_turns(self.panels, self._held)
                if grew is not None:
                    self._synced(grew)
        finally:
            self.arm_sync(self.updates.rearm())

    def _held(self) -> bool:
        return not self.is_attached or board_flags(self).paused or covered(self)

    def on_screen_resume(self) -> None:
        if self.is_mounted and not board_flags(self).paused:
            self.sync()  # what changed while a detail covered the board

    @keep_alive("raising notifications")
    def _notice(self) -> None:
        """Toasts (and the bell) for signals that turned critical or recovered."""
        if self.attention is None:
            return
        for notice in self.attention.update(self.clock()):
            self.app.notify(notice.text, severity=notice.severity, markup=False)
            if notice.bell:
                self.app.bell()
        refresh_flags(self)  # the header's incident count

    def sync(self, *, full: bool = False) -> None:
        """Apply what the store reported since the last sync. Never raises: a bug in one
        panel must not stop the others, nor the app (timer callbacks that raise end it)."""
        self.rediagnose()  # first: the panels sort and the cursor goes by the cause
        self._synced(self.updates.apply(self.panels, full=full))

    @keep_alive("updating the board", count="updates.errors")
    def _synced(self, grew: bool) -> None:
        """What follows the panels' update: their heights (when one's `grew`), the
        cursor, the header, the why-line, the symptoms' marks."""
        if grew:
            self.sizer.allocate()
        self.follow_worst()
        self.header.update_status()
        self.show_selection()  # after the cause: it says what the selection is a symptom of
        for panel in self.panels.values():
            panel.set_triage(self.cause.diagnosis)  # symptoms point at their root
        self.sizer.chrome_changed()

    def rediagnose(self) -> bool:
        """Name the probable cause again (at most once a second, when the store moved)
        and hand its one sort to the panels when the ranking changed; True then."""
        self.cause.refresh_cause()
        return self.ordering.follow(self.cause.diagnosis, self.panels.values())

    # -- layout ---------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        for footer in self.query(KeyFooter):
            footer.show_command_palette = footer_shows_palette(event.size.width)
        self.selection.screen_resized()
        self.sizer.guides.hide()  # placed again once the panels have moved
        self.call_after_refresh(self.sizer.laid_out)

    def on_panel_columns_resized(self, message: PanelColumns.Resized) -> None:
        self.sizer.laid_out()

    def _chrome(self) -> int:
        """Lines the why-line and the filter bar take now beyond what the last layout
        gave them: what they gain, the panel columns lose. (The cause/notice area has a
        fixed height per screen size: it never takes rows from the panels.)"""
        height = self.selection.styles.height
        lines = int(height.value) if height is not None else 1
        return lines + int(self.filter_bar.display)

    # -- selection ------------------------------------------------------------------

    def worst_signal(self) -> tuple[SignalPanel, Signal] | None:
        """The first probable cause's worst shown signal and its panel, else the one
        `check` lists first."""
        return worst_signal(self.panel_list, self.cause.diagnosis, self.ordering.order.key)

    def follow_worst(self) -> None:
        """Move to the worst signal, as `WorstFollower` decides, while following."""
        if not self.follow:
            return
        cause = self.cause.diagnosis.cause
        target = self.follower.target(
            self.worst_signal(), self.selected_panel, cause.signals if cause else ()
        )
        if target is not None:
            self._jump(*target)

    def _jump(self, panel: SignalPanel, signal: Signal) -> None:
        self.follower.followed = signal.key
        if panel.selected_key != signal.key:
            panel.select_key(signal.key)
        typing = isinstance(self.focused, Input)
        if self.focused is not panel and not typing:
            self.set_focus(panel)
        self._last_panel = panel

    def show_selection(self) -> None:
        panel = self.selected_panel
        signal = panel.selected_signal if panel is not None else None
        hint: list[tuple[str, str]] = []
        if not self.follow:
            found = self.worst_signal()
            if found is not None and signal is not None and found[1].key != signal.key:
                worst = found[1]
                hint = hint_parts(f"[w] go to worst: {badge(worst.status).strip()} {worst.name}")
        root = self.cause.diagnosis.symptom_root(signal) if signal is not None else None
        self.selection.show(signal, hint, root)
        self.sizer.chrome_changed()

    def watch_follow(self, follow: bool) -> None:
        if follow and self.is_mounted:
            self.follow_worst()
            self.show_selection()

    def on_signal_panel_moved(self, message: SignalPanel.Moved) -> None:
        self._last_panel = message.panel
        self.follow = False
        self.show_selection()

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, SignalPanel):
            self._last_panel = focused
            self.show_selection()

    def on_signal_panel_selected(self, message: SignalPanel.Selected) -> None:
        if message.key in self.store.signals:
            open_detail = getattr(self.app, "open_detail", None)
            if open_detail is not None:
                open_detail(message.key)

    # -- keys -----------------------------------------------------------------------

    def action_focus_panel(self, group: str) -> None:
        panel = self.panels.get(group)
        if panel is not None and panel.display:
            self.follow = False
            self.set_focus(panel)

    def action_cycle_panel(self, step: int) -> None:
        # Every panel on screen, the empty ones too, as 1-4 reach them: an empty Alerts
        # panel still says why it is empty (no source, or nothing firing).
        panels = self.panel_list
        if not panels:
            return
        self.follow = False
        current = self.selected_panel
        index = panels.index(current) if current in panels else -step
        self.set_focus(panels[(index + step) % len(panels)])

    def action_worst(self) -> None:
        self.cause.restart()  # and `C` starts again from the first cause
        self.follower.followed = None  # jump now, whatever is selected
        self.follow = True
        self.follow_worst()
        self.show_selection()

    def action_filter(self) -> None:
        self.filter_bar.open()

    def action_clear_filter(self) -> None:
        self.filter_bar.clear()
        self.signal_filter = SignalFilter()
        self._focus_panels()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # Esc means something only while a filter is on
            return self.signal_filter.active or bool(self.filter_bar.display)
        if action == "filter":  # a priority key: inside the filter, `/` is a letter
            return self.focused is not self.filter_bar.field
        return True

    def _focus_panels(self) -> None:
        panel = self.selected_panel
        if panel is None or not panel.display:
            panels = self.panel_list
            panel = panels[0] if panels else None
        if panel is not None:
            self.set_focus(panel)

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.signal_filter = message.query

    def on_filter_bar_done(self, message: FilterBar.Done) -> None:
        self._focus_panels()

    def watch_signal_filter(self, query: SignalFilter) -> None:
        if not self.is_mounted:
            return  # the panels are built with the filter of the moment
        for group, panel in self.panels.items():
            panel.set_accept(self._member(group))
        self.sync()  # each panel reads the store once; what it measured it keeps
        self.sizer.allocate()
        shown = sum(len(panel.row_keys) for panel in self.panels.values())
        total = sum(1 for s in self.store.signals.values() if s.kind != "change")
        self.filter_bar.show_count(query, shown, total)

    def jump_to(self, key: str) -> None:
        """Select `key` wherever it is shown (clearing a filter that hides it)."""
        signal = self.store.signals.get(key)
        if signal is None:
            return
        hidden = not any(key in panel.model.position for panel in self.panel_list)
        if hidden and self.signal_filter.active and not self.signal_filter(signal):
            self.action_clear_filter()
        for panel in self.panel_list:
            if panel.select_key(key):
                self.follow = False
                self.set_focus(panel)
                self._last_panel = panel
                self.show_selection()
                return

    def freeze(self, paused: bool) -> None:
        """Pause: rows keep what they show; the end of a pause shows everything that
        changed meanwhile."""
        at = self.clock() if paused else None
        for panel in self.panels.values():
            panel.freeze(at)
        if not paused:
            self.sync(full=True)
        self.header.update_status()
