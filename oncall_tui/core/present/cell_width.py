"""Text measured in terminal cells, not characters: a CJK label takes two cells a
character, a combining accent none.

The core does not import Rich (it runs where no terminal library is wanted: `check`,
plugins' tests), so everything laid out in the core (`check` text, the board's rows,
the wallboard's pages) measures with this. It agrees with Rich's table, which the
screen is drawn with, for ASCII, Latin with combining accents, CJK and wide emoji;
for a few scripts' spacing marks (Devanagari vowel signs, Hangul jamo) the two differ
by a cell, so a row with such a label may end one cell short or long. Sources' text
passes `sanitize` first, which removes the zero-width and invisible characters where
the two would differ most."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "…"


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters two, combining marks
    none."""
    if text.isascii():
        return len(text)  # every ASCII character takes one cell: most text, at C speed
    if len(text) <= SHORT:
        return _short_width(text)
    return _width(text)


SHORT = 64
"""Short non-ASCII text (a limit cell '≥2%/5%', a name with a mark) repeats on every
row of a board: its width is remembered (a few thousand of them, a few hundred KiB)."""


def _width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


_short_width = lru_cache(maxsize=4096)(_width)


def _prefix(text: str, budget: int) -> tuple[str, int]:
    """The longest start of `text` within `budget` cells, and the cells it takes."""
    out: list[str] = []
    used = 0
    for char in text:
        size = 0 if unicodedata.combining(char) else cell_width(char)
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out), used


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in "…" when cut (never half a wide
    character)."""
    if cell_width(text) <= width:
        return text
    return _prefix(text, width - cell_width(ELLIPSIS))[0] + ELLIPSIS


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` cells (cut when longer)."""
    text = cut(text, width)
    return text + " " * (width - cell_width(text))


def crop(text: str, width: int) -> str:
    """`text` in exactly `width` cells: cut at a character boundary, a wide character
    that would straddle the edge left out and its cell padded with a space."""
    if width <= 0:
        return ""
    start, used = _prefix(text, width)
    return start + " " * (width - used)


def fit(text: str, width: int, *, right: bool = False, ellipsis: str = ELLIPSIS) -> str:
    """`text` padded or cut to exactly `width` cells; a cut shows an ellipsis so a
    truncated name is never mistaken for a whole one (`right`: padded on the left)."""
    if width <= 0:
        return ""
    length = cell_width(text)
    if length > width:
        if width == 1:
            return ellipsis
        return crop(text, width - 1) + ellipsis
    padding = " " * (width - length)
    return padding + text if right else text + padding
