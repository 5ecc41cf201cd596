"""Text measured in terminal cells, not characters: a CJK label takes two cells a
character, a combining accent none. The core does not import Rich, so plain text output
(`check`, `timeline`) measures with this."""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters two, combining marks
    none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in "…" when cut (never half a wide
    character)."""
    if cell_width(text) <= width:
        return text
    budget = width - cell_width(ELLIPSIS)
    out: list[str] = []
    used = 0
    for char in text:
        size = 0 if unicodedata.combining(char) else cell_width(char)
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` cells (cut when longer)."""
    text = cut(text, width)
    return text + " " * (width - cell_width(text))
