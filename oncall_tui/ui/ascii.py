"""ASCII-only output for consoles that cannot draw Unicode (`LANG=C`, `TERM=linux`).

Our own widgets draw from the ASCII symbol set (`core/present/words.py`) when it is chosen;
this output filter is the safety net under everything else Textual draws (borders,
scrollbars, notifications, a `—` in a formatted value, a CJK name from a source): every
character outside ASCII becomes an ASCII stand-in of the same cell width, so columns
stay aligned and the console never shows mojibake.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from oncall_tui.core.present.words import ascii_stand_ins, symbols

PALETTE_KEY_FROM = 100
"""Columns from which an ASCII console's footer has room for the palette's key."""


def footer_shows_palette(width: int) -> bool:
    """Whether a footer this wide names the palette's key (`^p Commands`). On an ASCII
    console keys are named (`enter Detail`, `escape Back`): under 100 columns the room
    goes to `?` (the palette is also on `:`, and in the help)."""
    return not symbols().ascii or width >= PALETTE_KEY_FROM


_EXTRA = {
    "—": "-",
    "\u2013": "-",
    "\u2012": "-",
    "\u2212": "-",
    "•": "*",
    "◆": "*",
    "■": "#",
    "□": "o",
    "◉": "o",
    "◯": "o",
    "○": "o",
    "●": "o",
    "✔": "v",
    "✓": "v",
    "✗": "x",
    "✕": "x",
    "→": ">",
    # Text a widget did not build from `symbols()` (a plugin's summary): one cell
    # here, where `symbols()` says ">=" (its stand-in is measured where it is drawn).
    "≥": ">",
    "≤": "<",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "▶": ">",
    "◀": "<",
    "▸": ">",
    "▼": "v",
    "▲": "^",
    "\u2018": "'",
    "\u2019": "'",
    "“": '"',
    "”": '"',
    "\u00a0": " ",
    "⏎": "<",
    "⌫": "<",
}


@lru_cache(maxsize=4096)
def stand_in(char: str) -> str:
    """The ASCII text for one character, exactly as many cells wide as the character."""
    table = ascii_stand_ins()
    width = cell_len(char)
    if width == 0:
        return ""
    replacement = table.get(char) or _EXTRA.get(char) or _by_shape(char)
    if cell_len(replacement) != width:
        replacement = (replacement[:1] or "?") * width
    return replacement


def _by_shape(char: str) -> str:
    """Box drawing and block characters by what they look like; accents dropped from
    letters (é -> e); anything else a question mark."""
    code = ord(char)
    if 0x2500 <= code <= 0x257F:  # box drawing
        name = unicodedata.name(char, "")
        horizontal = "HORIZONTAL" in name
        vertical = "VERTICAL" in name
        if ("DOWN" in name or "UP" in name) and ("LEFT" in name or "RIGHT" in name):
            return "+"
        if horizontal and vertical:
            return "+"
        if vertical:
            return "|"
        if horizontal:
            return "-"
        if "ARC" in name or "DIAGONAL" in name:
            return "+" if "ARC" in name else "/"
        return "+"
    if 0x2580 <= code <= 0x259F:  # block elements
        if code in (0x2581, 0x2582, 0x2583):
            return "_"
        if code == 0x2580 or code == 0x2594:
            return "-"
        if code in (0x258F, 0x2595, 0x258E, 0x258D, 0x258C, 0x258B, 0x2590):
            return "|"
        if code in (0x2591, 0x2592):
            return ":"
        return "#"
    decomposed = unicodedata.normalize("NFKD", char)
    plain = "".join(c for c in decomposed if c.isascii() and c.isprintable())
    return plain or "?"


def to_ascii(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if c.isascii() else stand_in(c) for c in text)


class AsciiFilter(LineFilter):
    """Replaces every non-ASCII character of the output with its stand-in."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment
            if segment.control or segment.text.isascii()
            else Segment(to_ascii(segment.text), segment.style, segment.control)
            for segment in segments
        ]
