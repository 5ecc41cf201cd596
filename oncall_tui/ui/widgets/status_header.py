"""The one-line header: what is wrong overall, how fresh the data is, and proof of life.

The clock, the heartbeat and the data age change every second. Textual 8 writes a
partial repaint of a line from the left edge of the widget that owns it (the
compositor crops at widget boundaries, not at the dirty cells), so a one-widget header
would rewrite all of its ~120 cells every second. The header is therefore a row of
small Line-API pieces; a piece is repainted only when its own text changed, and the
per-second repaint is the few cells of the clock and the age.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.present.cell_width import fit
from oncall_tui.core.present.status_counts import StatusCounts
from oncall_tui.core.present.words import COUNT_WORD, GLYPH, LONG, WORST_FIRST
from oncall_tui.core.signals.model import Status
from oncall_tui.core.signals.store import SignalStore

log = logging.getLogger(__name__)

HEARTBEAT = "◐◓◑◒"
"""One frame per second of the injected clock: visibly moving while the UI is alive,
frozen in tests that freeze the clock."""
AGE_WIDTH = 15
"""Cells kept for the data age, so its piece does not change width every second."""
TICK_PHASE = 0.9
"""How far into a wall-clock second the header checks that it has shown that second."""
TITLE_MIN = 16
"""Cells of the title kept before the counts are abbreviated: which board is this,
prod or staging? (The counts win below that: they are what changes.)"""

Part = tuple[str, str]
"""(text, style name)."""


def tick_shows(now: float, shown_at: float, ticked: bool) -> bool:
    """Whether the header's own tick (at `TICK_PHASE` of each second) repaints it. A
    board updating every second shows each second itself, at whatever phase its
    collections fell: its last showing less than a second ago means the next is on its
    way (a board updating at 0.95 of each second had the tick draw a frame of its own
    at 0.9 as well: twice the frames). Once the tick shows the time itself (no update
    came), it does so each new second."""
    if math.floor(now) == math.floor(shown_at):
        return False
    return ticked or now - shown_at >= 1.0


PIECES = ("summary", "paused", "read-only", "age", "clock")
"""The header's pieces, left to right; the summary takes the width the others leave."""


@dataclass(frozen=True, slots=True)
class BoardFlags:
    """What the header says besides the store: paused, and incidents not yet seen."""

    paused: bool = False
    incidents: int = 0
    since: float | None = None
    paused_at: float | None = None
    """While paused, the data shown is as old as it was then, plus the pause."""
    replay: str = ""
    """A replay's badge ("REPLAY 10x", "REPLAY END"); empty on a live board."""


def board_flags(node: DOMNode) -> BoardFlags:
    """The app's header flags: `OncallApp.board_flags`, a reactive the screens and
    headers watch; none for an app without them (a widget tested on its own)."""
    flags = getattr(node.app, "board_flags", None)
    return flags if isinstance(flags, BoardFlags) else BoardFlags()


def refresh_flags(node: DOMNode) -> None:
    """Ask the app to recompute its header flags (an incident was counted or seen)."""
    refresh = getattr(node.app, "refresh_flags", None)
    if refresh is not None:
        refresh()


def clock_text(now: float) -> str:
    """Local time with its zone: at 3 a.m. on a bastion in another region, "14:02"
    alone is ambiguous."""
    local = time.localtime(now)
    return time.strftime("%H:%M:%S ", local) + (local.tm_zone or time.strftime("%z", local))


def data_age_text(
    store: SignalStore, now: float, paused_at: float | None = None
) -> tuple[str, bool]:
    """("data 3s old", is it old) from the sources' last successes.

    The store's `data_age` is None while any source has never succeeded; a source that
    fails from the start must not hide how fresh the others are, so fall back to the
    sources that did succeed. While paused, the screen shows the data of `paused_at`:
    its age keeps growing although the engine keeps collecting.
    """
    sources = store.sources
    if not sources:
        return "no sources", True
    at = now if paused_at is None else paused_at
    age = store.data_age(at=at)
    if age is None:
        successes = [s.last_success for s in sources if s.last_success is not None]
        successes = [t for t in successes if t <= at] or successes
        if not successes:
            return "waiting for data", False
        age = at - min(successes)
    age = max(0.0, age) + (now - at)
    words = f"{int(age)}s" if age < 60 else format_duration(age)
    limit = 2 * max(source.interval for source in sources)
    return f"data {words} old", age > limit


class HeaderPiece(Widget):
    """One independently repainted piece of the header.

    A `sized` piece is exactly as wide as its text; the other one (the summary) takes
    the remaining width. Resizing a piece is a layout pass, which in Textual 8 repaints
    the whole screen, so sized pieces keep fixed-width text (the age is padded) and
    change width only when the layout itself changes (a resize, a narrower variant).
    """

    def __init__(self, *, id: str, sized: bool = True) -> None:
        super().__init__(id=id)
        self.strip = Strip([])
        self.sized = sized
        self.display = not sized  # shown once it has text (see `show`)
        self.pad_style = Style()
        """Style of the cells past the text: the header's own background."""

    def show(self, strip: Strip) -> None:
        """Repaint only when the text or its styles changed."""
        if strip == self.strip:
            return
        resized = strip.cell_length != self.strip.cell_length
        self.strip = strip
        if resized and self.sized:
            self.styles.width = strip.cell_length
            # An empty piece (not paused, not read-only) out of the layout: Textual
            # would draw it, zero cells wide, in every frame the clock changes.
            self.display = bool(strip.cell_length)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if y == 0:
            # Explicit styles everywhere: NO_COLOR's monochrome filter fails on None.
            return self.strip.adjust_cell_length(self.size.width, self.pad_style)
        return Strip.blank(self.size.width, Style())


class StatusHeader(Widget):
    """Title, worst status spelled out, counts, failing sources, read-only badge, data
    age, heartbeat and clock."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-header--title",
        "status-header--muted",
        "status-header--critical",
        "status-header--unknown",
        "status-header--warning",
        "status-header--ok",
        "status-header--badge-critical",
        "status-header--badge-unknown",
        "status-header--badge-warning",
        "status-header--badge-ok",
        "status-header--read-only",
        "status-header--alert",
        "status-header--paused",
    }

    def __init__(
        self,
        store: SignalStore,
        *,
        title: str,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.title_text = title
        self.clock = clock
        self.read_only = read_only
        self.pieces = {
            name: HeaderPiece(id=f"header-{name}", sized=name != "summary") for name in PIECES
        }
        self._parts: dict[str, list[Part]] = {name: [] for name in PIECES}
        self._shown: dict[str, list[Part]] = {}
        """The parts each piece shows now: unchanged parts are not turned into strips."""
        self._styles: dict[str, Style] = {}
        self._aggregate: tuple[Status, dict[Status, int], int] | None = None
        self._aggregate_key = (-1, -1)
        self.wall: Callable[[], float] = time.time
        """The real time, which frames are drawn in (the `clock` may be a replay's)."""
        self._shown_at = 0.0
        """When (wall clock) the pieces were last brought up to date."""
        self._ticked = False
        """The last showing was the tick's own (no board update came in between)."""
        self.status_counts = StatusCounts(store)
        """The counts, kept by what the store reports (not a pass over it per change)."""

    def compose(self) -> ComposeResult:
        yield from self.pieces.values()

    def on_mount(self) -> None:
        self.status_counts.recount()  # whatever happened before it listened
        self.store.subscribe(self.status_counts.note)
        # Every screen has a header; each keeps its own clock, age and heartbeat going.
        self._arm_tick()
        if hasattr(self.app, "board_flags"):
            # Paused, incidents, the replay badge: shown as soon as they change.
            self.watch(self.app, "board_flags", self._flags_changed, init=False)
        # Filled before the first layout, as wide as the screen it spans, so a screen's
        # first frame has its header; the resize that follows checks the real width.
        self._update(self.app.size.width)

    def _arm_tick(self) -> None:
        """Wake late in the next wall-clock second (`TICK_PHASE`): by then the board's
        own update has usually shown that second already, in the same frame as the rows
        it repainted; only a second without one needs a frame of the header's own. (A
        tick of its own every second, at whatever phase, doubled the board's frames.)"""
        now = self.wall()
        delay = math.floor(now) + 1 + TICK_PHASE - now
        self.set_timer(delay, self._tick, name="header-tick")

    def _tick(self) -> None:
        try:
            # A hidden screen's header (the kept detail, the board under it) waits:
            # its screen updates it when shown again.
            if self.screen.is_current and tick_shows(self.wall(), self._shown_at, self._ticked):
                self.update_status()
                self._ticked = True
        finally:
            self._arm_tick()

    def on_unmount(self) -> None:
        # The store outlives screens (a wallboard rotates them for weeks).
        self.store.unsubscribe(self.status_counts.note)

    def _flags_changed(self, flags: BoardFlags) -> None:
        self.update_status()

    @property
    def text(self) -> str:
        """The header as plain text, pieces joined by a space (for tests and logs)."""
        return " ".join("".join(text for text, _ in self._parts[name]) for name in PIECES).strip()

    def update_status(self) -> None:
        """Recompute every piece; those whose text changed repaint themselves."""
        self._update(self.size.width)

    def _update(self, width: int) -> None:
        if not width:
            return
        self._shown_at = self.wall()
        self._ticked = False
        try:
            self._parts = self._compose_parts(width)
            for name, parts in self._parts.items():
                piece = self.pieces[name]
                piece.pad_style = self._style("muted")
                # Most calls (the clock tick, a sync after values moved) change one
                # piece at most: the others keep their strips.
                if parts != self._shown.get(name):
                    piece.show(self._to_strip(parts))
                    self._shown[name] = parts
        except Exception:  # the header must never take the board down with it
            log.exception("updating the header failed")
            self._shown.pop("summary", None)
            try:  # plain style: the styles themselves may be what failed
                self.pieces["summary"].show(Strip([Segment("⚠ header error", Style())]))
            except Exception:
                log.exception("showing the header error failed")

    def on_resize(self, event: events.Resize) -> None:
        self.update_status()

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._shown.clear()
        super().notify_style_update()
        if self.is_mounted:
            self.call_after_refresh(self.update_status)

    # -- content --------------------------------------------------------------------

    def _compose_parts(self, width: int) -> dict[str, list[Part]]:
        now = self.clock()
        store = self.store
        flags = board_flags(self)
        overall, counts, failing = self._aggregates(frozen=flags.paused)
        age, old = data_age_text(store, now, flags.paused_at)
        clock = clock_text(now)
        beat = HEARTBEAT[int(now) % len(HEARTBEAT)]

        if not store.signals and any(source.ok is None for source in store.sources):
            status_badge: list[Part] = [(" WAITING ", "badge-unknown")]
        elif not store.sources:
            status_badge = [(" NO SOURCES ", "badge-unknown")]
        else:
            status_badge = [(f" {LONG[overall]} ", f"badge-{overall.value}")]
        full_counts: list[Part] = []
        short_counts: list[Part] = []
        for status in WORST_FIRST:
            count = counts[status]
            style = status.value if count else "muted"
            if full_counts:
                full_counts.append((" · ", "muted"))
                short_counts.append((" ", "muted"))
            full_counts.append((f"{GLYPH[status]} {count} {COUNT_WORD[status]}", style))
            short_counts.append((f"{GLYPH[status]}{count}", style))
        plural = "s" if failing != 1 else ""
        failing_long: list[Part] = (
            [(f"⚠ {failing} source{plural} failing", "alert")] if failing else []
        )
        failing_short: list[Part] = [(f"⚠{failing}", "alert")] if failing else []
        incidents_long: list[Part] = []
        incidents_short: list[Part] = []
        if flags.incidents:
            plural = "s" if flags.incidents != 1 else ""
            since = ""
            if flags.since is not None:
                since = " since " + time.strftime("%H:%M", time.localtime(flags.since))
            incidents_long = [(f"⚑ {flags.incidents} incident{plural}{since} (e)", "alert")]
            incidents_short = [(f"⚑{flags.incidents}{since}", "alert")]
        read_only: list[Part] = [("  ", "muted"), (" READ-ONLY ", "read-only")]
        paused: list[Part] = [("  ", "muted"), (" PAUSED ", "paused")] if flags.paused else []
        if flags.replay:
            paused = [("  ", "muted"), (f" {flags.replay} ", "paused"), *paused]
        # One style for the whole piece, spaces included (they look the same on the
        # header's background): one escape sequence a second instead of five.
        clock_parts: list[Part] = [(f"  {beat} {clock} ", "title")]

        def gap(parts: list[Part]) -> list[Part]:
            return [("  ", "muted"), *parts] if parts else []

        age_style = "alert" if old else "muted"
        # Fixed width (up to "data 59m59s old"): no layout pass per tick.
        age_long = gap([(age.rjust(AGE_WIDTH), age_style)])
        age_short = gap([(age.removeprefix("data ").rjust(8), age_style)])
        # Narrower and narrower: the title goes first, then words; the data age, the
        # clock and the heartbeat never (how fresh is what I see is the question at 3 a.m.).
        layouts = [
            (full_counts, failing_long, incidents_long, age_long),
            (short_counts, failing_long, incidents_long, age_long),
            (short_counts, failing_short, incidents_short, age_long),
            (short_counts, failing_short, incidents_short, age_short),
        ]
        title_width = min(cell_len(self.title_text), TITLE_MIN)
        for counts_parts, failing_parts, incident_parts, age_parts in layouts:
            left = [
                *status_badge,
                *gap(counts_parts),
                *gap(failing_parts),
                *gap(incident_parts),
            ]
            pieces = {
                "paused": paused,
                "read-only": read_only if self.read_only else [],
                "age": age_parts,
                "clock": clock_parts,
            }
            room = width - _width(left) - sum(_width(p) for p in pieces.values()) - 1
            if room - 3 >= title_width:
                break
        title: list[Part] = []
        if room - 3 >= 6 and self.title_text:
            shown = fit(self.title_text, min(cell_len(self.title_text), room - 3))
            title = [(" ", "title"), (shown, "title"), ("  ", "muted")]
        elif room >= 1:
            title = [(" ", "muted")]
        return {"summary": [*title, *left], **pieces}

    def _aggregates(self, frozen: bool = False) -> tuple[Status, dict[Status, int], int]:
        """Worst status, counts and failing sources; recomputed only when the store
        changed, because the clock asks every second and a store may hold thousands.
        Paused (`frozen`), the header keeps saying what the frozen panels show."""
        key = (self.store.version, len(self.store.sources))
        if self._aggregate is not None and frozen:
            return self._aggregate
        if self._aggregate_key != key or self._aggregate is None:
            failing = sum(1 for source in self.store.sources if source.ok is False)
            overall, counts = self.status_counts.summary()
            self._aggregate = (overall, counts, failing)
            self._aggregate_key = key
        return self._aggregate

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_visual_style(f"status-header--{name}").rich_style
            self._styles[name] = style
        return style

    def _to_strip(self, parts: list[Part]) -> Strip:
        # Neighbours in the same style share one escape sequence.
        segments = [Segment(text, self._style(name)) for text, name in parts if text]
        return Strip(list(Segment.simplify(segments)))


def _width(parts: list[Part]) -> int:
    return sum(cell_len(text) for text, _ in parts)
