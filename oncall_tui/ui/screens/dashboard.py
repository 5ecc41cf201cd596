"""The main screen: header, the panels, the selected signal's why-line, and the bridge
from the store.

The store calls its listeners synchronously after every collection of every source
(and after each staleness sweep). Repainting there would repaint once per source per
tick, so the listener only records which keys changed and arms one timer; `sync` then
updates every panel at most `MAX_SYNC_RATE` times a second.

Selection: until the user moves, the cursor follows the worst signal (the one `check`
lists first); once they move it stays with their row, by key, and the why-line offers
`w` to jump back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from oncall_tui.core.attention import Attention
from oncall_tui.core.model import Kind, Signal, SourceState, Status, sort_key
from oncall_tui.core.signal_filter import SignalFilter
from oncall_tui.core.store import SignalStore
from oncall_tui.core.words import PANEL_TITLES, badge
from oncall_tui.ui.widgets.cause_line import CauseLine
from oncall_tui.ui.widgets.filter_bar import FilterBar
from oncall_tui.ui.widgets.panel_rows import allocate_heights
from oncall_tui.ui.widgets.selection_line import SelectionLine, hint_parts
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from oncall_tui.ui.widgets.sparkline import SPARK_STEP
from oncall_tui.ui.widgets.status_header import BoardFlags, StatusHeader

log = logging.getLogger(__name__)

MAX_SYNC_RATE = 4.0
"""Panel updates per second at most, however often the store changes."""
SETTLE_DELAY = 0.05
"""Wait after the first change of a burst: sources finishing together share a repaint."""
FOLLOW_SETTLE = 10.0
"""Seconds the followed signal must stay better than the worst before the cursor moves
on (something worse moves it at once)."""
WIDE = 120
"""From this width the layer panels sit in two columns."""
HOST_PLUGIN = "host"

PANEL_KINDS: tuple[Kind, ...] = ("health", "risk_rule", "dependency", "alert")
"""The four layer/evidence panels, numbered 1-4 for the keys."""
GROUPS: tuple[str, ...] = ("business", *PANEL_KINDS, "host")
"""Every panel, in reading order (Tab order)."""
LEFT: tuple[str, ...] = ("health",)
RIGHT: tuple[str, ...] = ("risk_rule", "dependency", "alert", "host")


class PanelColumns(Horizontal):
    """The layer panels' container; tells the screen when its size changes (a filter
    bar opened, the why-line grew) so panel heights are shared out again."""

    class Resized(Message):
        pass

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized())


class DashboardScreen(Screen[None], inherit_bindings=False):
    """The board: are users affected, what is wrong right now, worst first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "focus_panel('health')", "Health panel", show=False),
        Binding("2", "focus_panel('risk_rule')", "Risk rules panel", show=False),
        Binding("3", "focus_panel('dependency')", "Dependencies panel", show=False),
        Binding("4", "focus_panel('alert')", "Alerts panel", show=False),
        Binding("tab", "cycle_panel(1)", "Next panel", show=False),
        Binding("shift+tab", "cycle_panel(-1)", "Previous panel", show=False),
        Binding("w", "worst", "Worst", tooltip="Go to the worst signal and follow it"),
        Binding("C", "cause", "Cause", show=False, tooltip="Drill into the probable cause"),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="Filter names and labels: text or regex, !x hides x",
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("e", "app.events", "Events", tooltip="Event timeline, newest first"),
        Binding("p", "app.pause", "Pause", tooltip="Freeze the screen; collection continues"),
    ]

    follow = var(True)
    """The cursor follows the worst signal until the user moves it."""
    signal_filter: var[SignalFilter] = var(SignalFilter)

    def __init__(
        self,
        store: SignalStore,
        *,
        title: str,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        flags: Callable[[], BoardFlags] = BoardFlags,
        attention: Attention | None = None,
        topology: Mapping[str, Iterable[str]] | None = None,
        change_window: float = 3600.0,
    ) -> None:
        super().__init__(id="dashboard")
        self.store = store
        self.clock = clock
        self.flags = flags
        self.attention = attention
        self.header = StatusHeader(
            store, title=title, clock=clock, read_only=read_only, flags=flags
        )
        self.selection = SelectionLine(clock=clock, id="selection")
        self.filter_bar = FilterBar(id="filter-bar")
        self.cause = CauseLine(
            store, topology=topology, change_window=change_window, clock=clock, id="cause-line"
        )
        """The probable cause under the header; hidden while nothing is failing."""
        self._host_sources = self._find_host_sources()
        self.panels: dict[str, SignalPanel] = {group: self._make_panel(group) for group in GROUPS}
        self._pending: set[str] = set()
        self._timer: Timer | None = None
        self._last_sync = float("-inf")
        self._failed: set[str] = set()
        self.sync_errors = 0
        """Failed syncs so far (each is logged); the board keeps running."""

    # -- panels ---------------------------------------------------------------------

    def _find_host_sources(self) -> frozenset[str]:
        return frozenset(s.name for s in self.store.sources if s.plugin == HOST_PLUGIN)

    def _member(self, group: str) -> Callable[[Signal], bool]:
        hosts = self._host_sources
        query = self.signal_filter
        if group == "host":
            return lambda s: s.source in hosts and s.kind != "change" and query(s)
        return lambda s: s.kind == group and s.source not in hosts and query(s)

    def _feeds(self, group: str) -> Callable[[SourceState], bool]:
        if group == "host":
            return lambda source: source.plugin == HOST_PLUGIN
        return lambda source: group in source.kinds and source.plugin != HOST_PLUGIN

    def _make_panel(self, group: str) -> SignalPanel:
        number = PANEL_KINDS.index(group) + 1 if group in PANEL_KINDS else None
        if group == "business":
            title, empty = "Business — are users affected?", "no signals"
        elif group == "host":
            title, empty = "This host", "no signals"
        else:
            title, empty = PANEL_TITLES[group], "no signals"  # type: ignore[index]
        return SignalPanel(
            self.store,
            title,
            self._member(group),
            number=number,
            sources=self._feeds(group),
            empty=empty,
            clock=self.clock,
            id=f"panel-{group.replace('_', '-')}",
        )

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.cause
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
        yield Footer()

    def on_mount(self) -> None:
        self.store.subscribe(self._store_changed)
        self.set_interval(1.0, self._tick, name="dashboard-tick")
        self._arm_slow_tick()
        self.set_focus(self.panels["health"])
        self.panels["host"].display = bool(self._host_sources)
        self.sync(full=True)

    def on_unmount(self) -> None:
        # The store outlives screens (a wallboard rotates them for weeks).
        self.store.unsubscribe(self._store_changed)

    def action_cause(self) -> None:
        if not self.cause.drill():
            self.app.notify("no probable cause: nothing is warning or critical")

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
    _followed: str | None = None
    """The signal the cursor last moved to by itself (None: not yet)."""
    _outranked_since: float | None = None
    """Since when the selected signal has been better than the worst one."""

    @property
    def selected_key(self) -> str | None:
        panel = self.selected_panel
        return panel.selected_key if panel is not None else None

    # -- store → screen -------------------------------------------------------------

    def _store_changed(self, changed: set[str]) -> None:
        """Store listener: runs inside the engine's collection (same event loop), so it
        only takes note, and it must never raise into the engine."""
        try:
            if not self.is_attached:
                return
            if self.attention is not None:
                # A failure and a recovery may both happen before the next sync.
                self.attention.track_sources(self.clock())
            self._pending |= changed
            if self._timer is None:
                since = self.clock() - self._last_sync
                delay = max(SETTLE_DELAY, min(1 / MAX_SYNC_RATE, 1 / MAX_SYNC_RATE - since))
                self._timer = self.set_timer(delay, self._sync_from_timer, name="dashboard-sync")
        except Exception:
            log.exception("scheduling a dashboard update failed")

    def _sync_from_timer(self) -> None:
        self._timer = None
        self._notice()
        if self.flags().paused:
            return  # keep collecting what changed; shown when the pause ends
        self.sync()

    def _notice(self) -> None:
        """Toasts (and the bell) for signals that turned critical or recovered."""
        if self.attention is None:
            return
        try:
            for notice in self.attention.update(self.clock()):
                self.app.notify(notice.text, severity=notice.severity, markup=False)
                if notice.bell:
                    self.app.bell()
        except Exception:
            log.exception("raising notifications failed")

    def sync(self, *, full: bool = False) -> None:
        """Apply what the store reported since the last sync. Never raises: a bug in one
        panel must not stop the others, nor the app (timer callbacks that raise end it)."""
        changed, self._pending = self._pending, set()
        self._last_sync = self.clock()
        wanted = {group: panel.wanted_height for group, panel in self.panels.items()}
        for group, panel in self.panels.items():
            # A panel whose last update failed may be half-updated: rebuild it whole.
            rebuild = full or group in self._failed
            try:
                panel.sync(None if rebuild else changed)
                self._failed.discard(group)
            except Exception:
                self.sync_errors += 1
                self._failed.add(group)
                log.exception("updating panel %s failed", group)
        if any(panel.wanted_height != wanted[group] for group, panel in self.panels.items()):
            self._allocate()
        self._follow_worst()
        self._show_selection()
        self.header.update_status()
        self.cause.refresh_cause()
        for panel in self.panels.values():
            panel.set_triage(self.cause.diagnosis)  # symptoms point at their root

    def _tick(self) -> None:
        try:
            if not self.flags().paused:
                self._follow_worst()  # a recovered selection moves on after a while
                self._show_selection()
        except Exception:
            self.sync_errors += 1
            log.exception("clock tick failed")

    def _arm_slow_tick(self) -> None:
        """Wake at the next sparkline step boundary (clock-aligned, so every row's trend
        moves at once and in between nothing needs to be checked)."""
        now = self.clock()
        delay = SPARK_STEP - (now % SPARK_STEP) + 0.05
        self.set_timer(max(1.0, delay), self._slow_tick, name="dashboard-slow-tick")

    def _slow_tick(self) -> None:
        try:
            if not self.flags().paused:
                for panel in self.panel_list:
                    panel.recheck_visible()
        except Exception:
            log.exception("moving the trends along failed")
        finally:
            self._arm_slow_tick()

    # -- layout ---------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._allocate)

    def on_panel_columns_resized(self, message: PanelColumns.Resized) -> None:
        self._allocate()

    def _allocate(self) -> None:
        """Panel heights from their content: everything shown when it fits, else the
        space shared so that no panel hides rows while another shows blank lines."""
        try:
            screen_height = self.size.height
            business = self.panels["business"]
            business.styles.height = max(1, min(business.wanted_height, max(2, screen_height // 4)))
            columns = self.query_one("#columns")
            available = columns.size.height
            if available <= 0:
                return
            wide = self.size.width >= WIDE
            self.set_class(wide, "-wide")
            self.set_class(not wide, "-narrow")
            stacks = [list(LEFT), list(RIGHT)] if wide else [[*LEFT, *RIGHT]]
            for stack in stacks:
                shown = [self.panels[g] for g in stack if self.panels[g].display]
                heights = allocate_heights(
                    [p.wanted_height for p in shown],
                    available,
                    [p.minimum_height for p in shown],
                )
                for panel, height in zip(shown, heights, strict=True):
                    if panel.styles.height is None or panel.styles.height.value != height:
                        panel.styles.height = height
        except Exception:
            log.exception("sizing the panels failed")

    # -- selection ------------------------------------------------------------------

    def worst_signal(self) -> tuple[SignalPanel, Signal] | None:
        """The worst shown signal and its panel: the one `check` lists first (same
        sort), among the rows the filter lets through."""
        best: tuple[SignalPanel, Signal] | None = None
        for panel in self.panel_list:
            first = panel.first_signal
            if first is not None and (best is None or sort_key(first) < sort_key(best[1])):
                best = (panel, first)
        return best

    def _follow_worst(self) -> None:
        """Move to the worst signal (the one `check` lists first). At once when
        something worse than the selected signal appears, or another critical that
        `check` lists first; among equal warnings the cursor stays; when the selected
        one merely got better (a warning flapping to ok) only once it has stayed better
        for FOLLOW_SETTLE seconds, so a flapping board does not make the cursor dance
        (and every focus move repaints the screen)."""
        if not self.follow:
            return
        found = self.worst_signal()
        if found is None:
            return
        panel, signal = found
        current = self.selected_panel
        selected = current.selected_signal if current is not None else None
        shown = (
            selected is not None
            and current is not None
            and current.display
            and selected.key in current.model.position
            and self._followed is not None
        )
        if shown and selected is not None:
            if selected.status.severity > signal.status.severity or (
                selected.status is signal.status and signal.status is not Status.CRITICAL
            ):
                # Among equal warnings the cursor stays put; among criticals it goes to
                # the one `check` lists first (a new critical is always news).
                self._outranked_since = None
                return
            if selected.status is signal.status:
                self._outranked_since = None
                self._jump(panel, signal)
                return
            now = self.clock()
            if self._outranked_since is None:
                self._outranked_since = now
            if now - self._outranked_since < FOLLOW_SETTLE:
                return
        self._outranked_since = None
        self._jump(panel, signal)

    def _jump(self, panel: SignalPanel, signal: Signal) -> None:
        self._followed = signal.key
        if panel.selected_key != signal.key:
            panel.select_key(signal.key)
        typing = isinstance(self.focused, Input)
        if self.focused is not panel and not typing:
            self.set_focus(panel)
        self._last_panel = panel

    def _show_selection(self) -> None:
        panel = self.selected_panel
        signal = panel.selected_signal if panel is not None else None
        hint: list[tuple[str, str]] = []
        if not self.follow:
            found = self.worst_signal()
            if found is not None and signal is not None and found[1].key != signal.key:
                worst = found[1]
                hint = hint_parts(f"[w] go to worst: {badge(worst.status).strip()} {worst.name}")
        self.selection.show(signal, hint)

    def watch_follow(self, follow: bool) -> None:
        if follow and self.is_mounted:
            self._follow_worst()
            self._show_selection()

    def on_signal_panel_moved(self, message: SignalPanel.Moved) -> None:
        self._last_panel = message.panel
        self.follow = False
        self._show_selection()

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, SignalPanel):
            self._last_panel = focused
            self._show_selection()

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
        # Panels without rows are skipped: there is nothing to select in them.
        panels = [panel for panel in self.panel_list if panel.row_keys] or self.panel_list
        if not panels:
            return
        self.follow = False
        current = self.selected_panel
        index = panels.index(current) if current in panels else -step
        self.set_focus(panels[(index + step) % len(panels)])

    def action_worst(self) -> None:
        self._followed = None  # jump now, whatever is selected
        self.follow = True
        self._follow_worst()
        self._show_selection()

    def action_filter(self) -> None:
        self.filter_bar.open()

    def action_clear_filter(self) -> None:
        self.filter_bar.clear()
        self.signal_filter = SignalFilter()
        self._focus_panels()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # Esc means something only while a filter is on
            return self.signal_filter.active or bool(self.filter_bar.display)
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
        self.sync(full=True)
        self._allocate()
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
                self._show_selection()
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
