"""Letters five rows tall, for words read from across a room.

Textual's `Digits` draws digits and a few symbols; a wallboard needs its status words
(CRITICAL, WARNING) and a clock. Each glyph is a 5-row bitmap drawn with one pixel
character (`█`, or `#` in the ASCII set) and scaled by whole cells, so the same text
fits a 120x40 terminal at scale 1 and a 240x67 TV at scale 2.
"""

from __future__ import annotations

from functools import lru_cache

HEIGHT = 5
GAP = 1
"""Blank columns between letters (times the scale)."""

_FONT: dict[str, tuple[str, ...]] = {
    "A": (" ### ", "#   #", "#####", "#   #", "#   #"),
    "B": ("#### ", "#   #", "#### ", "#   #", "#### "),
    "C": (" ####", "#    ", "#    ", "#    ", " ####"),
    "D": ("#### ", "#   #", "#   #", "#   #", "#### "),
    "E": ("#####", "#    ", "#### ", "#    ", "#####"),
    "F": ("#####", "#    ", "#### ", "#    ", "#    "),
    "G": (" ####", "#    ", "#  ##", "#   #", " ####"),
    "H": ("#   #", "#   #", "#####", "#   #", "#   #"),
    "I": ("###", " # ", " # ", " # ", "###"),
    "J": ("  ###", "   # ", "   # ", "#  # ", " ##  "),
    "K": ("#   #", "#  # ", "###  ", "#  # ", "#   #"),
    "L": ("#    ", "#    ", "#    ", "#    ", "#####"),
    "M": ("#   #", "## ##", "# # #", "#   #", "#   #"),
    "N": ("#   #", "##  #", "# # #", "#  ##", "#   #"),
    "O": (" ### ", "#   #", "#   #", "#   #", " ### "),
    "P": ("#### ", "#   #", "#### ", "#    ", "#    "),
    "Q": (" ### ", "#   #", "# # #", "#  # ", " ## #"),
    "R": ("#### ", "#   #", "#### ", "#  # ", "#   #"),
    "S": (" ####", "#    ", " ### ", "    #", "#### "),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", " ### "),
    "V": ("#   #", "#   #", "#   #", " # # ", "  #  "),
    "W": ("#   #", "#   #", "# # #", "## ##", "#   #"),
    "X": ("#   #", " # # ", "  #  ", " # # ", "#   #"),
    "Y": ("#   #", " # # ", "  #  ", "  #  ", "  #  "),
    "Z": ("#####", "   # ", "  #  ", " #   ", "#####"),
    "0": (" ### ", "#  ##", "# # #", "##  #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "  ## ", " #   ", "#####"),
    "3": ("#### ", "    #", " ### ", "    #", "#### "),
    "4": ("#   #", "#   #", "#####", "    #", "    #"),
    "5": ("#####", "#    ", "#### ", "    #", "#### "),
    "6": (" ### ", "#    ", "#### ", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", "  #  "),
    "8": (" ### ", "#   #", " ### ", "#   #", " ### "),
    "9": (" ### ", "#   #", " ####", "    #", " ### "),
    ":": (" ", "#", " ", "#", " "),
    "-": ("   ", "   ", "###", "   ", "   "),
    ".": (" ", " ", " ", " ", "#"),
    "/": ("    #", "   # ", "  #  ", " #   ", "#    "),
    "%": ("#   #", "   # ", "  #  ", " #   ", "#   #"),
    "?": (" ### ", "#   #", "  ## ", "     ", "  #  "),
    "!": ("#", "#", "#", " ", "#"),
    " ": ("  ", "  ", "  ", "  ", "  "),
}


def supported(char: str) -> bool:
    return char.upper() in _FONT


def width(text: str, scale: int = 1) -> int:
    """Cells the text takes at `scale`."""
    if not text:
        return 0
    columns = sum(len(_glyph(c)[0]) for c in text) + GAP * (len(text) - 1)
    return columns * scale


@lru_cache(maxsize=256)
def render(text: str, scale: int = 1, pixel: str = "█") -> tuple[str, ...]:
    """`text` as `HEIGHT * scale` lines of equal width; unknown characters draw as `?`."""
    rows = ["" for _ in range(HEIGHT)]
    for index, char in enumerate(text):
        glyph = _glyph(char)
        for row in range(HEIGHT):
            if index:
                rows[row] += " " * GAP
            rows[row] += glyph[row]
    lines: list[str] = []
    for dots in rows:
        line = "".join((pixel if dot == "#" else " ") * scale for dot in dots)
        lines.extend([line] * scale)
    return tuple(lines)


def _glyph(char: str) -> tuple[str, ...]:
    return _FONT.get(char.upper(), _FONT["?"])
