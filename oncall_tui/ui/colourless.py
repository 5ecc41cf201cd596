"""NO_COLOR without a single colour code: https://no-color.org asks for no ANSI colour,
and Textual's own NO_COLOR mode turns every colour into a 256-colour grey
(`38;5;253`), which is still colour. This output filter runs after Textual's: each
segment keeps its text attributes (bold, underline, dim) and loses its colours; a
segment drawn the other way round from the theme (a critical badge, spelled as swapped
greys in nocolor.tcss: light on dark under a light theme, dark on light under a dark one)
becomes reverse video, the terminal's own "inverted", so critical stays a block. Which
way is "the other way" depends on the theme: under a light theme every ordinary segment
has a background lighter than its text, and must stay plain.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

DEFAULT = Style(color=RichColor.default(), bgcolor=RichColor.default())
REVERSE = Style(reverse=True)


def _brightness(color: RichColor | None) -> float | None:
    if color is None or color.is_default:
        return None
    red, green, blue = color.get_truecolor()
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255


@lru_cache(maxsize=1024)
def colourless(style: Style, dark: bool = True) -> Style:
    """`style` with its colours gone: reverse where its background was the lighter under
    a `dark` theme, the darker under a light one (the theme's own order swapped)."""
    text, back = _brightness(style.color), _brightness(style.bgcolor)
    ink = 0.5 if text is None else text
    inverted = back is not None and (back > ink if dark else back < ink)
    plain = style + DEFAULT
    return plain + REVERSE if inverted and not style.reverse else plain


class ColourlessFilter(LineFilter):
    """Removes every colour from the output (see the module docstring); `dark` says
    whether the theme in use is a dark one (read per line: the theme can change)."""

    def __init__(self, dark: Callable[[], bool], enabled: bool = True) -> None:
        super().__init__(enabled)
        self._dark = dark

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        dark = self._dark()
        return [
            segment
            if segment.control or segment.style is None
            else Segment(segment.text, colourless(segment.style, dark), segment.control)
            for segment in segments
        ]
