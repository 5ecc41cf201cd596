"""The selected signal's whole story on its own line: status, name, value, the full
summary (the *why*), its limits, baseline and age, wrapped between words.

A panel row cuts its summary to the room it has; this line never does. It is drawn with
the Line API and changes height only when its number of lines changes: `Static.update`
on an auto-height widget is a layout pass, which in Textual 8 repaints the whole screen,
and the selected signal's value may change every second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.present.formatting import age_text, format_value, limit_text
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.core.present.words import LONG, badge, shown_name
from oncall_tui.core.signals.model import Signal, Status
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.widgets.line_diff import changed_extent, dirty_line

log = logging.getLogger(__name__)

MAX_LINES = 5
RESERVED_LINES = 2
RESERVE_FROM_ROWS = 30
"""On a screen this tall the line keeps two lines even when the words fit in one: a
summary wrapping to a second line (a longer value, another signal selected) would
otherwise be a layout pass, i.e. a whole-screen repaint, and a line of the panels is
cheap to give up there."""


def describe_selection(
    signal: Signal | None, now: float, root: str | None = None
) -> list[tuple[str, str]]:
    """The line's content as (text, style name) parts, never markup. `root`: the
    likely cause this failing signal is a symptom of, as its row points at it."""
    if signal is None:
        return [("nothing selected", "muted")]
    status = signal.status
    parts: list[tuple[str, str]] = [
        (badge(status), f"badge-{status.value}"),
        (" ", "plain"),
        (shown_name(signal), "name"),
    ]
    if signal.value is not None or signal.kind != "alert":  # an alert has no value
        parts += [
            ("  ", "plain"),
            (format_value(signal.value, signal.unit), f"value-{status.value}"),
        ]
    summary = row_summary(signal)
    if summary:
        parts += [(" — ", "muted"), (summary, "plain")]
    details: list[str] = []
    if root is not None:
        details.append(f"symptom of {root}")
    if status is not Status.OK:
        age = age_text(signal, now)
        details.append(f"{LONG[status].lower()} {age}".strip())
    limits = limit_text(signal.thresholds, signal.unit)
    if limits:
        details.append(f"limits {limits}")
    if signal.baseline is not None:
        details.append(f"baseline {format_value(signal.baseline, signal.unit)}")
    if details:
        parts.append(("  (" + "; ".join(details) + ")", "muted"))
    return parts


class SelectionLine(Widget):
    """The why-line under the panels."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "selection-line--critical",
        "selection-line--badge-critical",
        "selection-line--warning",
        "selection-line--unknown",
        "selection-line--ok",
        "selection-line--muted",
        "selection-line--name",
        "selection-line--hint",
    }

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._parts: list[tuple[str, str]] = []
        self._hint: list[tuple[str, str]] = []
        self._strips: list[Strip] = [Strip([])]
        self._wrapped_for: tuple[tuple[tuple[str, str], ...], int, int] | None = None
        self._subject: str | None = None
        self._sized_for: str | None = None
        self._height = 1
        self._floor = 1

    @property
    def text(self) -> str:
        return "".join(text for text, _ in [*self._parts, *self._hint])

    @keep_alive("updating the selection line")  # never take the board down for a line
    def show(
        self,
        signal: Signal | None,
        hint: list[tuple[str, str]] | None = None,
        root: str | None = None,
    ) -> None:
        """Show `signal` (None: nothing selected), the root it is a symptom of and an
        optional hint after it; repaints only when the words changed."""
        parts = describe_selection(signal, self.clock(), root)
        self._subject = signal.key if signal is not None else None
        hint = hint or []
        if parts == self._parts and hint == self._hint:
            return
        self._parts = parts
        self._hint = hint
        self._rewrap()

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def screen_resized(self) -> None:
        """The terminal's height may cross `RESERVE_FROM_ROWS` without this line's width
        changing (no Resize of its own)."""
        self._rewrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped_for = None
        if self.is_mounted:
            self.call_after_refresh(self._rewrap)

    def _style(self, name: str) -> Style:
        cls = name.removeprefix("value-").removeprefix("badge-")
        if name == "badge-critical":
            cls = "badge-critical"
        if name in ("plain",) or (cls == "ok" and name.startswith("value-")):
            return Style()
        if self.app.no_color:
            if name == "badge-critical":
                return Style(bold=True, reverse=True)
            if cls in ("critical", "warning", "unknown", "name"):
                return Style(bold=True)
            return Style()
        style = self.get_visual_style(f"selection-line--{cls}").rich_style
        if name != "badge-critical":
            style = Style(color=style.color, bold=style.bold, dim=style.dim, italic=style.italic)
        return style

    def _rewrap(self) -> None:
        width = self.size.width
        if width <= 0:
            return
        floor = RESERVED_LINES if self.app.size.height >= RESERVE_FROM_ROWS else 1
        key = (tuple(self._parts + self._hint), width, floor)
        if key == self._wrapped_for:
            return
        self._wrapped_for = key
        text = Text(no_wrap=False, overflow="fold")
        for part, name in [*self._parts, *self._hint]:
            text.append(part, self._style(name))
        console = self.app.console
        lines = text.wrap(console, width)
        strips: list[Strip] = []
        for line in lines[:MAX_LINES]:
            # Explicit styles everywhere: NO_COLOR's monochrome filter fails on None.
            segments = [
                Segment(seg.text, seg.style or Style(), seg.control) for seg in line.render(console)
            ]
            strips.append(Strip(segments).adjust_cell_length(width, Style()))
        if not strips:
            strips = [Strip.blank(width, Style())]
        # A height change is a layout pass: the whole screen is repainted. The same
        # signal's summary often wraps to one line more or less as its numbers change,
        # so for the same signal the line only grows.
        fresh = self._subject != self._sized_for or floor != self._floor
        height = max(floor, len(strips) if fresh else max(len(strips), self._height))
        self._floor = floor
        while len(strips) < height:
            strips.append(Strip.blank(width, Style()))
        previous, self._strips = self._strips, strips
        self._sized_for = self._subject
        if height != self._height:
            self._height = height
            self.styles.height = height
            self.refresh()
            return
        self._repaint_changes(previous, strips)

    def _repaint_changes(self, old: list[Strip], new: list[Strip]) -> None:
        """Repaint each line up to its last changed cell: the selected signal's value
        moves every collection, the rest of its words rarely do."""
        if len(old) != len(new):
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            region = dirty_line(y, self.size.width, changed_extent(before, after))
            if region is not None:
                self.refresh(region)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._strips):
            return self._strips[y].adjust_cell_length(self.size.width, Style())
        return Strip.blank(self.size.width, Style())


def hint_parts(text: str) -> list[tuple[str, str]]:
    return [("  ", "plain"), (text, "hint")]


__all__ = ["SelectionLine", "describe_selection", "hint_parts"]
