"""A block of text lines for the wallboard, repainted line by line.

A wallboard runs for weeks: its widgets are mounted once and updated in place. Each
line is a tuple of (text, style name) parts; `show` compares the new lines with the
ones on screen and refreshes only those that changed, so the clock ticking repaints
the clock and nothing else. Text is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.present.parts import Line

STYLE_NAMES = (
    "title",
    "muted",
    "critical",
    "unknown",
    "warning",
    "ok",
    "alert",
    "read-only",
    "badge-critical",
    "badge-unknown",
    "badge-warning",
    "badge-ok",
    "page",
    "page-current",
)


def line_width(line: Line) -> int:
    return sum(cell_len(text) for text, _ in line)


class BoardLines(Widget):
    """Lines of styled parts. `sized` widgets take the height (and, when `fit_width`,
    the width) of what they show; changing either is a layout pass, so callers keep
    sizes stable between refreshes."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"wallboard--{name}" for name in STYLE_NAMES}

    def __init__(
        self, *, id: str, sized: bool = False, fit_width: bool = False, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.sized = sized
        self.fit_width = fit_width
        self._lines: list[Line] = []
        self._styles: dict[str, Style] = {}
        self._width: int | None = None

    @property
    def lines(self) -> list[Line]:
        return list(self._lines)

    @property
    def text(self) -> str:
        """The lines as plain text (tests, logs)."""
        return "\n".join("".join(text for text, _ in line) for line in self._lines)

    def show(self, lines: Sequence[Line]) -> None:
        """Repaint the lines that differ from what is shown."""
        new = list(lines)
        old = self._lines
        if new == old:
            return
        self._lines = new
        if self.sized and len(new) != len(old):
            self.styles.height = len(new)
        if self.fit_width:
            wanted = max((line_width(line) for line in new), default=0)
            if wanted != self._width:
                self._width = wanted
                self.styles.width = wanted
        width = self.size.width
        if not width:
            return
        for y in range(max(len(new), len(old))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._style("")
        if y >= len(self._lines):
            return Strip.blank(width, base)
        segments = [Segment(text, self._style(name)) for text, name in self._lines[y] if text]
        return Strip(segments).adjust_cell_length(width, base)

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()
        self.refresh()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name:
                style = self.get_visual_style(f"wallboard--{name}").rich_style
            else:
                # Explicit style, never None: NO_COLOR's monochrome filter needs one.
                style = self.rich_style
            self._styles[name] = style
        return style
