"""How a panel's lines look: (text, style name) parts turned into strips.

`panel_rows.py` decides what a line says; this module decides how it is styled, with
the widget's component classes (read through `PanelStyles`, cached until the CSS, the
theme or the focus changes). Plain segments only, never markup: a source's text is
drawn as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from oncall_tui.core.present.cell_width import fit
from oncall_tui.core.present.panel_rows import BACKGROUND_CLASSES, PART_CLASS, PinnedLine
from oncall_tui.core.present.parts import Part
from oncall_tui.core.present.words import symbols

CURSOR_MARK = "\u203a"
"""Marks the selected row without relying on colour (NO_COLOR, monochrome)."""
FAILED_ROW = "⚠ cannot draw this row"


def on_light_background(style: Style, widget: Style) -> Style:
    """`style` over the widget's colours when its background is light.

    Textual lays no background under a Line API widget's strips: a part without a
    background of its own shows the terminal's default. For a dark theme that is the
    intended look and saves a background code per segment (~30% of a row's bytes); a
    light theme's rows on a dark terminal were dark text on black. A light widget
    background is never taken for the terminal's: its rows are painted on it."""
    if style.bgcolor is not None or widget.bgcolor is None:
        return style
    red, green, blue = widget.bgcolor.get_truecolor()
    if (299 * red + 587 * green + 114 * blue) / 1000 < 128:  # perceived brightness
        return style
    return Style(color=widget.color, bgcolor=widget.bgcolor) + style


class PanelStyles:
    """Rich styles of a panel's part names, cached per (name, selected).

    `lookup` reads one component class (`signal-panel--<name>`); `no_color` and
    `focused` are asked when a style is first built, so the owner clears the cache
    when either changes.
    """

    def __init__(
        self,
        lookup: Callable[[str], Style],
        *,
        no_color: Callable[[], bool],
        focused: Callable[[], bool],
    ) -> None:
        self._lookup = lookup
        self._no_color = no_color
        self._focused = focused
        self._cache: dict[tuple[str, bool], Style] = {}

    def clear(self) -> None:
        self._cache.clear()

    def component(self, name: str) -> Style:
        """The rich style of one component class. Styles with their own background keep
        it; the others keep only colour and attributes, so they can be laid over the
        panel's background or the cursor's (`part`)."""
        style = self._lookup(name)
        if name not in BACKGROUND_CLASSES:
            style = Style(
                color=style.color,
                bold=style.bold,
                dim=style.dim,
                reverse=style.reverse,
                underline=style.underline,
            )
        return style

    def part(self, name: str, selected: bool = False) -> Style:
        """Style of a part name (see `row_parts`) or a pinned part. Without colour
        (NO_COLOR) critical is reverse video and bold, warning and unknown bold:
        critical stays the most salient thing on screen."""
        key = (name, selected)
        style = self._cache.get(key)
        if style is not None:
            return style
        cls = PART_CLASS.get(name, name)
        no_color = self._no_color()
        if cls == "plain":
            # No colour of its own: neighbouring plain parts merge into one segment
            # (fewer bytes).
            style = Style()
        elif no_color and cls in ("badge-critical", "name-critical", "critical"):
            style = Style(bold=True, reverse=cls == "badge-critical")
        elif no_color and cls in ("warning", "unknown"):
            style = Style(bold=True)
        else:
            style = self.component(cls)
        if selected and cls != "badge-critical":
            cursor = "cursor" if self._focused() else "cursor-blurred"
            style = self.component(cursor) + style
        elif not no_color:
            style = on_light_background(style, self._lookup("plain"))
        self._cache[key] = style
        return style


def pinned_strip(line: PinnedLine, width: int, styles: PanelStyles, *, focused: bool) -> Strip:
    """The title (with the focus arrow) or a source banner, cut to `width`."""
    is_title = line[0][1] == "title"
    focus = "title-focused" if focused else "title"
    segments: list[Segment] = []
    used = 0
    for index, (text, name) in enumerate(line):
        if is_title and index == 0 and focused:
            text = f"{symbols().focus} "
        if is_title:
            base = styles.component(focus)
            if name == "title":
                style = base
            elif name == "title-bold":
                style = base + Style(bold=True)
            else:
                style = base + styles.part(name.removeprefix("title-"))
        else:
            style = styles.component(name)
        room = width - used
        if room <= 0:
            break
        if cell_len(text) > room:
            text = fit(text, room)
        segments.append(Segment(text, style))
        used += cell_len(text)
    if used < width:
        filler = styles.component(focus) if is_title else styles.component(line[-1][1])
        segments.append(Segment(" " * (width - used), filler))
    return Strip(segments, width)


def row_strip(parts: Iterable[Part], width: int, styles: PanelStyles, *, selected: bool) -> Strip:
    """One row: the cursor mark, then its parts, padded to `width`."""
    base = styles.part("plain", selected)
    segments = [Segment(CURSOR_MARK if selected else " ", base)]
    for text, name in parts:
        segments.append(Segment(text, styles.part(name, selected)))
    # Neighbours in the same style become one segment: one escape sequence instead
    # of one per column, which is most of the bytes a repainted row costs.
    return Strip(list(Segment.simplify(segments))).adjust_cell_length(width, base)


def failed_strip(width: int) -> Strip:
    """What a row that could not be drawn shows: one line lost, not the app."""
    return Strip([Segment(fit(FAILED_ROW, width), Style())])
