"""A scrollable list of one-line entries with a cursor, drawn with the Line API from
(text, style name) parts: never markup, and only visible lines are drawn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from oncall_tui.core.present.cell_width import fit
from oncall_tui.ui.widgets.panel_paint import on_light_background
from oncall_tui.ui.widgets.steady_scroll import SteadyScrollView

Line = tuple[tuple[str, str], ...]


class LineList(SteadyScrollView, can_focus=True, inherit_bindings=False):
    """Entries as lines; `style_of(name)` maps part style names to styles."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-list--cursor",
        "line-list--critical",
        "line-list--badge-critical",
        "line-list--warning",
        "line-list--unknown",
        "line-list--ok",
        "line-list--muted",
        "line-list--accent",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Down", show=False, id="down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="up"),
        Binding("g,home", "first", "First", show=False, id="top"),
        Binding("G,end", "last", "Last", show=False, id="bottom"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="page_up"),
        Binding("enter", "choose", "Open signal", id="drill"),
    ]

    class Chosen(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, empty: str = "nothing yet", id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Line] = []
        self.cursor = 0
        self.empty = empty
        self._styles: dict[tuple[str, bool], Style] = {}

    @property
    def texts(self) -> list[str]:
        return ["".join(text for text, _ in line) for line in self.lines]

    def set_lines(self, lines: Sequence[Line]) -> None:
        if list(lines) == self.lines:
            return
        self.lines = list(lines)
        self.cursor = max(0, min(self.cursor, len(self.lines) - 1))
        self.virtual_size = Size(0, max(1, len(self.lines)))
        self.refresh()

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def _style(self, name: str, selected: bool) -> Style:
        key = (name, selected)
        style = self._styles.get(key)
        if style is None:
            if self.app.no_color:
                style = Style(
                    bold=name in ("critical", "badge-critical", "warning", "unknown"),
                    reverse=name == "badge-critical",
                )
            elif name == "plain":
                style = Style()
            else:
                rich = self.get_visual_style(f"line-list--{name}").rich_style
                style = (
                    rich if name == "badge-critical" else Style(color=rich.color, bold=rich.bold)
                )
            if selected and name != "badge-critical":
                style = self.get_visual_style("line-list--cursor").rich_style + style
            elif not self.app.no_color:
                style = on_light_background(style, self.rich_style)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if not self.lines:
            if y == 0:
                return Strip([Segment(fit(f"  {self.empty}", width), self._style("muted", False))])
            return Strip.blank(width, Style())
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, Style())
        selected = index == self.cursor and self.has_focus
        segments = []
        used = 0
        for text, name in self.lines[index]:
            room = width - used
            if room <= 0:
                break
            if cell_len(text) > room:
                text = fit(text, room)
            segments.append(Segment(text, self._style(name, selected)))
            used += cell_len(text)
        return Strip(segments).adjust_cell_length(width, self._style("plain", selected))

    def _go(self, index: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(index, len(self.lines) - 1))
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(len(self.lines) - 1)

    def action_page(self, step: int) -> None:
        self._go(self.cursor + step * max(1, self.scrollable_content_region.height - 1))

    def action_choose(self) -> None:
        if self.lines:
            self.post_message(self.Chosen(self.cursor))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
