"""The drill-down of one signal: what it is, how it got here, and what to do.

Header (same as the board's: status, data age, clock, heartbeat), a title line, the
facts as a label/value table whose values wrap under their own column, the history
chart against the limits and baseline, and the runbook in place (`c` copies it, `o`
opens a link where a browser exists). Updated in place once a second: only the parts
whose content changed are touched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.events import Resize, ScreenResume
from textual.message import Message
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Static

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.gate import Effect, declares
from oncall_tui.core.present.formatting import format_thresholds, format_value
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.core.present.triage_text import triage_fact
from oncall_tui.core.present.words import LONG, PANEL_TITLES, badge, short_duration, shown_name
from oncall_tui.core.signals.canary import canary_rows
from oncall_tui.core.signals.model import Event, Signal, Status
from oncall_tui.core.signals.slo import slo_rows
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.ui.ascii import footer_shows_palette
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.widgets.chart import WINDOWS, ChartData, HistoryChart
from oncall_tui.ui.widgets.key_footer import KeyFooter
from oncall_tui.ui.widgets.runbook_view import RunbookView
from oncall_tui.ui.widgets.status_header import StatusHeader, board_flags

log = logging.getLogger(__name__)

TIMELINE_ROWS = 6
"""Status changes listed in the facts (the event timeline `e` has them all)."""
WIDE = 120
FACTS_GAP = 2
"""Cells between the facts' label and value columns."""


def title_text(signal: Signal | None, key: str, now: float) -> Text:
    if signal is None:
        return Text(f"{key} — no longer on the board (its source stopped reporting it)")
    text = Text()
    text.append(
        badge(signal.status), style="bold reverse" if signal.status is Status.CRITICAL else "bold"
    )
    text.append("  ")
    text.append(shown_name(signal), style="bold")
    kind = PANEL_TITLES.get(signal.kind, signal.kind)
    text.append(f"  {kind} · {LONG[signal.status]}")
    if signal.reason is not None:
        text.append(f" ({signal.reason.value})")
    if signal.changed_at is not None:
        text.append(f" for {short_duration(now - signal.changed_at)}")
    return text


def facts(
    signal: Signal, events: list[Event], source_plugin: str, triage: str | None = None
) -> list[tuple[str, str]]:
    """The label/value rows, most useful first. `triage` is what the probable cause says
    about this signal ("symptom of credit-bureau (likely cause)"), if anything."""
    rows: list[tuple[str, str]] = [
        ("value", format_value(signal.value, signal.unit)),
        ("why", row_summary(signal) or "—"),
    ]
    if signal.partial:
        rows.append(("partial", f"the source answered only partly: {signal.partial}"))
    if triage:
        rows.append(("cause", triage))
    if signal.slo is not None:
        rows += slo_rows(signal.slo)
    if signal.canary is not None:
        rows += canary_rows(signal.canary)
    rows += [
        ("limits", format_thresholds(signal.thresholds, signal.unit) or "none"),
    ]
    if signal.baseline is not None:
        rows.append(("baseline", format_value(signal.baseline, signal.unit)))
        if signal.value is not None and signal.baseline:
            rows[-1] = ("baseline", f"{rows[-1][1]} (now {signal.value / signal.baseline:.1f}x)")
    rows.append(
        ("source", f"{signal.source} ({source_plugin})" if source_plugin else signal.source)
    )
    if signal.component and signal.component != signal.name:
        rows.append(("component", signal.component))
    if signal.query:
        rows.append(("query", signal.query))
    for name, value in sorted(signal.labels.items()):
        rows.append((name, value))
    for index, event in enumerate(events[:TIMELINE_ROWS]):
        when = time.strftime("%H:%M:%S", time.localtime(event.at))
        change = f"{event.before.value} → {event.after.value}"
        value = format_value(event.value, signal.unit)
        reason = f" ({event.reason.value})" if event.reason is not None else ""
        rows.append(("changes" if index == 0 else "", f"{when}  {change}{reason}  {value}"))
    return rows


def facts_keep_size(
    old: list[tuple[str, str]] | None, new: list[tuple[str, str]], width: int
) -> bool:
    """Whether the facts table drawn from `new` takes exactly the lines `old`'s took at
    `width`: the same labels, and each value that changed on one line before and after.
    Then only the table is repainted; a layout of the screen (~20-30 ms at 10k with a
    runbook in it) is left out of the once-a-second refresh and of Enter."""
    if old is None or not new or width <= 0 or [r[0] for r in old] != [r[0] for r in new]:
        return False
    room = width - max(cell_len(label) for label, _ in new) - 2 * FACTS_GAP
    return all(
        before == after
        or ("\n" not in before + after and max(cell_len(before), cell_len(after)) <= room)
        for (_, before), (_, after) in zip(old, new, strict=True)
    )


def facts_table(rows: list[tuple[str, str]]) -> Table:
    """Labels right-aligned in their own column; each value wraps within the value
    column, so a long query or summary continues under itself, not under the labels."""
    table = Table.grid(padding=(0, FACTS_GAP))
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column(overflow="fold", ratio=1)
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    return table


class SignalDetailScreen(Screen[None], inherit_bindings=False):
    """One signal, kept current once a second (an engineer watches it recover here);
    Esc or q returns to the board with the selection intact."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", tooltip="Back to the board", id="back"),
        Binding(
            "c",
            "copy_runbook",
            "Copy runbook",
            tooltip="Copy the runbook (OSC 52)",
            id="copy_runbook",
        ),
        Binding(
            "o",
            "open_runbook",
            "Open runbook",
            tooltip="Open a runbook link in the browser",
            id="open_runbook",
        ),
        Binding(
            "left_square_bracket",
            "window(-1)",
            "Shorter",
            key_display="[",
            tooltip="Chart: a shorter window",
            id="shorter",
        ),
        Binding(
            "right_square_bracket",
            "window(1)",
            "Longer",
            key_display="]",
            tooltip="Chart: a longer window",
            id="longer",
        ),
        Binding("e", "app.events", "Events", show=False, tooltip="Event timeline", id="events"),
        Binding("p", "app.pause", "Pause", show=False, tooltip="Freeze the screen", id="pause"),
        Binding(
            "C", "app.cause", "Cause", show=False, tooltip="The next probable cause", id="cause"
        ),
    ]

    _look_when_hidden: tuple[object, ...] | None = None
    """The app's look when this screen was last hidden (None: never shown)."""
    _pending_key: str | None = None
    """The signal asked for before the screen was mounted (`show`)."""
    wants_layout = False
    mounting: AwaitMount | None = None
    """The last runbook view mounted (`show` of another runbook), to be awaited."""
    """Its content asked for a layout of the screen (facts of another size, another
    runbook) since the app's keeper last laid it out unseen (ui/detail_keeper.py)."""

    def __init__(
        self,
        store: SignalStore,
        key: str,
        *,
        title: str = "",
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        triage: Callable[[], Diagnosis] = Diagnosis,
    ) -> None:
        super().__init__(name="detail")
        self.store = store
        self.key = key
        self.clock = clock
        self.triage = triage
        """The board's latest probable cause: is this signal a symptom, or the cause?"""
        signal = store.signals.get(key)
        self.header = StatusHeader(store, title=title, clock=clock, read_only=read_only)
        self.title_line = Static(title_text(signal, key, clock()), id="detail-title")
        self.body = Static("", id="detail-body")
        self.chart = HistoryChart(clock=clock, id="detail-chart")
        self.runbook = RunbookView(signal.runbook if signal else None)
        self._facts: list[tuple[str, str]] | None = None
        self._title: Text | None = None
        self.window_index = WINDOWS.index(900.0)

    def compose(self) -> ComposeResult:
        # The layout's class from the start (Textual sets the same breakpoint class
        # at the first resize): the first frame is laid out once, not twice.
        self._set_width(self.app.size.width)
        yield self.header
        yield self.title_line
        # Narrow: facts, runbook, chart stacked (the runbook visible without scrolling
        # at 80x24); wide: a grid with the runbook filling the right half.
        with Container(id="detail-columns"):
            # Not focusable: the keys scroll the runbook, the one thing worth scrolling.
            with VerticalScroll(id="detail-facts", can_focus=False):
                yield self.body
            yield self.runbook
            yield self.chart
        # Compact, as the board's: at 80 columns the roomy one cut `? Keys` to `? K`.
        yield KeyFooter(
            compact=True,
            at_once=True,
            show_command_palette=footer_shows_palette(self.app.size.width),
        )

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick, name="detail-tick")
        if self._pending_key is not None:  # opened on another signal while composing
            self._point_at(self._pending_key)
        self._refresh_body()
        if self.is_current:
            self._shown()
        else:  # prepared ahead (ui/detail_keeper.py): styled now, for the look of now
            self._look_when_hidden = self._app_look()

    def on_screen_resume(self) -> None:
        self._shown()

    def on_screen_suspend(self) -> None:
        self._look_when_hidden = self._app_look()

    def _app_look(self) -> tuple[object, ...]:
        """What the screen's styles depend on outside it (the theme, the app's classes)."""
        app = self.app
        return (app.theme, frozenset(app.classes), app.ansi_color)

    def post_message(self, message: Message) -> bool:
        # Shown again, Textual restyles every node of the screen: ~140 for a Markdown
        # runbook, 50-160 ms of each Enter at 10k under load. Nothing they depend on
        # changes while the detail is hidden unless the app's look did (a theme
        # chosen on the board); then they are restyled as before.
        if (
            isinstance(message, ScreenResume)
            and message.refresh_styles
            and self._look_when_hidden == self._app_look()
        ):
            message.refresh_styles = False
        return super().post_message(message)

    def _shown(self) -> None:
        self.runbook.query_one("#runbook-scroll").focus()
        # The signal's facts, chart and keys are drawn first; the runbook's Markdown
        # blocks (the costly part) are built after that frame.
        self.call_after_refresh(self.runbook.reveal)

    def show(self, key: str) -> None:
        """Point this screen at `key`, before it is shown again: the app keeps one
        detail and reuses it, so Enter costs a swap of the signal and a repaint, not a
        screen composed and laid out anew (~100-200 ms at 10k under load). The runbook
        view is replaced only when the runbook differs; the old one is hidden at once
        and removed after the next frame (its blocks cost that much to prune)."""
        if not self.is_mounted:
            self._pending_key = key if key != self.key else None
        else:
            self._point_at(key)

    def _point_at(self, key: str) -> None:
        self._pending_key = None
        if key == self.key:
            self._refresh_body()  # its header and facts as of now (hidden, it waited)
            return
        self.key = key
        # `_facts` stays: the new signal's facts usually take the old one's lines
        # (same labels, one-line values), and are then repainted without a layout of
        # the screen, which would cost the Enter a second full frame.
        self._title = None
        self.window_index = WINDOWS.index(900.0)
        self.chart.set_window(WINDOWS[self.window_index])
        self.query_one("#detail-facts").scroll_home(animate=False)
        signal = self.signal
        runbook = signal.runbook if signal else None
        if runbook == self.runbook.runbook:
            self.runbook.query_one("#runbook-scroll").scroll_home(animate=False)
        else:
            old, self.runbook = self.runbook, RunbookView(runbook)
            old.display = False
            self.mounting = self.query_one("#detail-columns").mount(self.runbook, before=old)
            self.wants_layout = True
            self.call_after_refresh(old.remove)
        self._refresh_body()

    def on_resize(self, event: Resize) -> None:
        self._set_width(event.size.width)

    def _set_width(self, width: int) -> None:
        wide = width >= WIDE
        self.set_class(wide, "-wide")
        self.set_class(not wide, "-narrow")
        for footer in self.query(KeyFooter):
            footer.show_command_palette = footer_shows_palette(width)

    @property
    def signal(self) -> Signal | None:
        return self.store.signals.get(self.key)

    def _tick(self) -> None:
        # A hidden detail (kept for the next Enter) costs nothing; a paused one stays
        # as it was drawn.
        if self.is_current and not board_flags(self).paused:
            self._refresh_body()

    @keep_alive("refreshing the detail of {self.key}")
    def _refresh_body(self) -> None:
        """Update in place: each part is touched only when its content changed. Never
        raises (an interval callback that raises ends the app). Drawn while paused
        too: the one detail is reused, and a signal swapped in must not keep the last
        one's title, facts and chart."""
        self.header.update_status()
        now = self.clock()
        signal = self.signal
        title = title_text(signal, self.key, now)
        if title != self._title:
            self._title = title
            self.title_line.update(title, layout=False)  # one line, whatever it says
        if signal is None:
            rows: list[tuple[str, str]] = [("status", "gone from its source")]
            self.chart.show(None)
        else:
            events = [
                e for e in self.store.events.recent(200) if e.key == self.key and not e.change
            ]
            plugin = next((s.plugin for s in self.store.sources if s.name == signal.source), "")
            rows = facts(signal, events, plugin, triage_fact(signal, self.triage()))
            self.chart.show(ChartData.of(signal, self._change_times(signal)))
        if rows != self._facts:
            same_size = facts_keep_size(self._facts, rows, self.body.size.width)
            self._facts = rows
            self.body.update(facts_table(rows), layout=not same_size)
            self.wants_layout = self.wants_layout or not same_size

    def _change_times(self, signal: Signal) -> list[float]:
        """When changes (deploys, rule edits) of this signal's component happened."""
        times: list[float] = []
        signals = self.store.signals
        for event in self.store.events:
            if not event.change or event.value is None:
                continue
            marker = signals.get(event.key)
            if marker is not None and marker.component == signal.component:
                times.append(event.value)
        return times

    # -- keys -----------------------------------------------------------------------

    @declares(Effect.CLIPBOARD)  # the viewer's own clipboard: refused on the wallboard only
    def action_copy_runbook(self) -> None:
        text = self.runbook.copy_text
        if self.runbook.runbook is None:
            self.notify("no runbook to copy", severity="warning", markup=False)
            return
        if text is None:
            self.notify(self.runbook.problem or "the runbook is still loading", markup=False)
            return
        copy: Any = getattr(self.app, "copy_runbook", None)
        if copy is not None:
            copy(text, self.runbook.name_shown)
        else:
            self.app.copy_to_clipboard(text)

    @declares(Effect.BROWSER)
    def action_open_runbook(self) -> None:
        runbook = self.runbook.runbook
        if runbook is None:
            self.notify("no runbook to open", severity="warning", markup=False)
        elif runbook.is_link:
            opener: Any = getattr(self.app, "open_runbook_link", None)
            if opener is not None:
                opener(runbook.target)
        elif runbook.is_file:
            self.notify("the runbook is shown here; there is nothing to open", markup=False)
        else:
            self.notify(
                "this runbook is text, not a link: not opened (c copies it)",
                severity="warning",
                markup=False,
            )

    def action_window(self, step: int) -> None:
        self.window_index = max(0, min(len(WINDOWS) - 1, self.window_index + step))
        self.chart.set_window(WINDOWS[self.window_index])
        self.notify(f"chart window: {format_duration(WINDOWS[self.window_index])}", timeout=1.5)
