"""What the terminal receives, read back: the real app's screen turned into escape
sequences by a Rich console of a given colour system, exactly as Textual's driver does
it (the theme's 16-colour stand-ins and NO_COLOR's monochrome filter included), and
those sequences parsed back into cells with their colours and attributes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from rich.color import ColorSystem
from rich.console import Console

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import screen_update

SYSTEM_NAMES = {
    ColorSystem.TRUECOLOR: "truecolor",
    ColorSystem.EIGHT_BIT: "256",
    ColorSystem.STANDARD: "standard",
}


@dataclass(frozen=True, slots=True)
class Cell:
    char: str
    fg: str | None
    """As sent: "#rrggbb", "5;N" (256), "N" (16), or None (the terminal's default)."""
    bg: str | None
    bold: bool
    reverse: bool


_MOVE = re.compile(r"\x1b\[\d+;\d+H")

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _apply(params: list[int], state: dict[str, Any]) -> None:
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            state.update(fg=None, bg=None, bold=False, reverse=False)
        elif p == 1:
            state["bold"] = True
        elif p == 22:
            state["bold"] = False
        elif p == 7:
            state["reverse"] = True
        elif p == 27:
            state["reverse"] = False
        elif 30 <= p <= 37 or 90 <= p <= 97:
            state["fg"] = str(p - 30 if p < 90 else p - 82)
        elif 40 <= p <= 47 or 100 <= p <= 107:
            state["bg"] = str(p - 40 if p < 100 else p - 92)
        elif p in (39, 49):
            state["fg" if p == 39 else "bg"] = None
        elif p in (38, 48):
            key = "fg" if p == 38 else "bg"
            if params[i + 1] == 5:
                state[key] = f"5;{params[i + 2]}"
                i += 2
            else:
                state[key] = "#{:02x}{:02x}{:02x}".format(*params[i + 2 : i + 5])
                i += 4
        i += 1


def parse_screen(sequence: str) -> list[list[Cell]]:
    """Rows of cells from a full-screen update (one cursor move per row)."""
    rows: list[list[Cell]] = []
    for chunk in _MOVE.split(sequence)[1:]:
        state: dict[str, Any] = {"fg": None, "bg": None, "bold": False, "reverse": False}
        row: list[Cell] = []
        pos = 0
        text = chunk.rstrip("\n")
        for match in _SGR.finditer(text):
            row += [Cell(c, **state) for c in text[pos : match.start()]]
            _apply([int(p or 0) for p in match.group(1).split(";")], state)
            pos = match.end()
        row += [Cell(c, **state) for c in text[pos:]]
        rows.append(row)
    return rows


def terminal_screen(app: OncallApp, system: ColorSystem) -> list[list[Cell]]:
    """The screen as the driver would write it to a terminal of `system`."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=SYSTEM_NAMES[system],  # type: ignore[arg-type]
        legacy_windows=False,
        safe_box=False,
    )
    update = screen_update(app)
    return parse_screen(update.render_segments(console))
