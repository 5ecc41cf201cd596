"""The wallboard: a TV on the wall, seen from across a room, touched by passers-by.

Top to bottom: the title with READ-ONLY, data age, heartbeat and clock; the overall
status in big letters (with a big clock) and the counts; the probable cause (big, then
worded as on the board, with its change and data age), every critical signal (the
cause's first, then its symptoms) and every failing source, pinned; the current page
(overview, or one layer's signals as tiles, in the one sort); the page list and when
the next page comes. Pages with nothing to show take no turn.

Keys do nothing here, except ctrl+q (an app-level priority binding, so it is checked
before this screen sees the key): the screen swallows every other key before any
binding can run it, selection is off, and nothing on it reacts to the mouse. The
command palette is off for the whole app in wallboard mode.

Cheap for weeks: the widgets are mounted once; the store's changes are coalesced to
at most `MAX_SYNC_RATE` snapshots a second, and each widget repaints only the lines
whose text changed (the clock's, every second).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widget import Widget

from oncall_tui.core.config.loader import WallboardSettings
from oncall_tui.core.gate import Effect
from oncall_tui.core.present import bigtext
from oncall_tui.core.present import wallboard_lines as text
from oncall_tui.core.present.wallboard import Board, Rotation, data_age
from oncall_tui.core.present.wallboard_live import LiveBoard
from oncall_tui.core.present.wallboard_pages import page_lines
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.screen_stack import StyledAtMount
from oncall_tui.ui.widgets.board_lines import BoardLines, line_width

log = logging.getLogger(__name__)

MAX_SYNC_RATE = 2.0
"""Snapshots of the store per second at most: a TV does not need more."""
BIG_SCALE_FROM = (200, 55)
"""From this size (columns, rows) the big letters are drawn twice as large."""
STATUS_CLASSES = ("-critical", "-unknown", "-warning", "-ok", "-waiting")


ACK_KEYS = {"a": "acknowledging an alert", "A": "withdrawing an ack"}


class WallboardScreen(StyledAtMount, inherit_bindings=False):
    """Big status, pinned criticals, rotating pages; keys ignored but ctrl+q."""

    ALLOW_SELECT = False
    AUTO_FOCUS = None

    def __init__(
        self,
        store: SignalStore,
        *,
        title: str,
        settings: WallboardSettings,
        clock: Callable[[], float] = time.time,
        topology: Mapping[str, Iterable[str]] | None = None,
        change_window: float = 3600.0,
    ) -> None:
        super().__init__(name="wallboard")
        self.store = store
        self.title_text = title
        self.clock = clock
        self.topology = Topology(topology or {})
        self.change_window = change_window
        self.configured = Rotation(tuple(settings.pages), settings.dwell, clock())
        """Every page the config asks for; `rotation` turns through those with content."""
        self.rotation = self.configured
        self.top = BoardLines(id="wb-title")
        self.life = BoardLines(id="wb-life", fit_width=True)
        self.word = BoardLines(id="wb-word")
        self.big_clock = BoardLines(id="wb-clock", fit_width=True)
        self.counts = BoardLines(id="wb-counts")
        self.pinned = BoardLines(id="wb-pinned", sized=True)
        self.page = BoardLines(id="wb-page")
        self.page_list = BoardLines(id="wb-pages")
        self.countdown = BoardLines(id="wb-countdown", fit_width=True)
        self.status_row = Horizontal(id="wb-status")
        self._heights: dict[str, int] = {}
        self.live = LiveBoard(store)
        """The board kept by what changed (`wallboard.snapshot` reads every signal)."""
        self.board: Board = self.live.snapshot()
        self._version = -1
        self._timer: Timer | None = None
        self._last_sync = 0.0
        self.errors = 0
        """Failed repaints so far (each is logged); the board keeps running."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="wb-top"):
            yield self.top
            yield self.life
        with self.status_row:
            yield self.word
            yield self.big_clock
        yield self.counts
        yield self.pinned
        yield self.page
        with Horizontal(id="wb-bottom"):
            yield self.page_list
            yield self.countdown

    def on_mount(self) -> None:
        self.live.recount()  # whatever changed before it listened
        self.store.subscribe(self._store_changed)
        self.set_interval(1.0, self.tick, name="wallboard-tick")
        self.call_after_refresh(self.tick)

    def on_unmount(self) -> None:
        self.store.unsubscribe(self._store_changed)

    def on_resize(self, event: events.Resize) -> None:
        self.tick()

    # -- input: nothing but ctrl+q (handled by the app before it gets here) --------

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if event.character in ACK_KEYS:
            # Someone at the TV trying to ack is told why nothing happens; the gate
            # words it, and nothing is sent.
            refuse = getattr(self.app, "side_effect_allowed", None)
            if refuse is not None:
                refuse(ACK_KEYS[event.character], Effect.REMOTE)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        event.prevent_default()

    # -- store -> screen --------------------------------------------------------------

    @property
    def page_name(self) -> str:
        return self.rotation.page_at(self.clock())

    @keep_alive("scheduling a wallboard update")
    def _store_changed(self, changed: set[str]) -> None:
        """Store listener, inside the engine's collection: take note, never raise."""
        self.live.note(changed)
        if self._timer is None and self.is_attached:
            wait = max(0.05, 1 / MAX_SYNC_RATE - (time.monotonic() - self._last_sync))
            self._timer = self.set_timer(wait, self._sync, name="wallboard-sync")

    def _sync(self) -> None:
        self._timer = None
        self.tick()

    @keep_alive("updating the wallboard", count="errors")
    def tick(self) -> None:
        """Bring every piece up to date; only lines whose text changed repaint. Never
        raises: an exception in a timer callback would end the app."""
        self._last_sync = time.monotonic()
        if self.store.version != self._version:
            self._version = self.store.version
            diagnosis = store_diagnosis(self.store, self.topology, self.change_window)
            self.board = self.live.snapshot(diagnosis)
            pages = [p for p in self.configured.pages if self.board.has_content(p)]
            self.rotation = self.configured.showing(pages)
        self._draw(self.clock())

    def _draw(self, now: float) -> None:
        width, height = self.size
        if not width or not height:
            return
        board = self.board
        big = width >= BIG_SCALE_FROM[0] and height >= BIG_SCALE_FROM[1]
        scale = 2 if big else 1
        word = text.big_word(board)
        clock = text.clock_text(now)
        age, old = data_age(self.store.sources, now)

        self.top.show([text.title_line(self.title_text, self.top.size.width, read_only=True)])
        self.life.show([text.life_line(now, age, old)])

        waiting = word in ("WAITING", "NO SOURCES")
        status_class = "-waiting" if waiting else f"-{board.overall.value}"
        for name in STATUS_CLASSES:
            self.status_row.set_class(name == status_class, name)
        letters = text.big_lines(word, scale)
        block = len(letters) + 2  # a blank line above and below the letters
        self._set_height(self.status_row, block)
        self.word.show([(), *[(("  ", ""), *line) for line in letters]])
        fits = bigtext.width(word, scale) + bigtext.width(clock, scale) + 8 <= width
        digits = text.big_lines(clock, scale) if fits else []
        self.big_clock.show([(), *[(*line, ("  ", "")) for line in digits]] if fits else [])
        self.counts.show([text.counts_line(board)])

        fixed = 1 + block + 1 + 1  # top line, status block, counts, page list
        # The cause's big letters only where they leave the page its room (a TV).
        cause = text.cause_lines(
            board, now, width, scale=scale, big=height >= 40, window=self.change_window
        )
        if cause:
            cause = [(), *cause]
        room = max(2, (height - fixed - len(cause)) // 3)
        pinned = text.pinned_lines(board, now, width, room)
        self.pinned.show([*cause, *pinned, ()])  # a blank line between pinned and the page
        index = self.rotation.index_at(now)
        page_height = max(0, height - fixed - len(self.pinned.lines))
        page = self.rotation.pages[index]
        self.page.show(page_lines(board, page, width, page_height))
        countdown = text.countdown_line(self.rotation, now)
        self.countdown.show([countdown])
        room = width - line_width(countdown)
        self.page_list.show([tuple(text.pad(text.pages_line(self.rotation, index), room))])

    def _set_height(self, widget: Widget, height: int) -> None:
        """Only a real change is a layout pass."""
        if self._heights.get(widget.id or "") != height:
            self._heights[widget.id or ""] = height
            widget.styles.height = height
