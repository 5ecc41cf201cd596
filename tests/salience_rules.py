"""The salience of status marks on a screen read back cell by cell: where the marks
are, how each stands out (a block, bold, then CIE76 ΔE*ab against what surrounds it),
and the rules critical must win by; test_salience.py says why these rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.color import ColorSystem

from colour_vision import contrast, delta_e
from oncall_tui.core.present.words import COUNT_WORD, GLYPH, LONG, badge
from oncall_tui.core.signals.model import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import eight_bit_palette, standard_palette
from terminal_cells import Cell

EIGHT_BIT_PALETTE = eight_bit_palette()

STANDARD_PALETTE = standard_palette()

SHIPPED = ("dark", "light", "high-contrast", "colorblind")

MODES = {
    "truecolor": (ColorSystem.TRUECOLOR, False),
    "256": (ColorSystem.EIGHT_BIT, False),
    "16": (ColorSystem.STANDARD, False),
    "linux": (ColorSystem.STANDARD, False),  # TERM=linux LANG=C: 16 colours, ASCII glyphs
    "no-color": (ColorSystem.EIGHT_BIT, True),  # NO_COLOR=1 on a 256-colour terminal
}

BLOCK_DELTA = 20.0
"""A background this far (ΔE) from its surroundings reads as a colour of its own."""

LEGIBLE = 4.5
"""WCAG AA contrast for text: the glyph and word on critical's block stay readable."""

JND = 2.3
"""A just-noticeable difference (ΔE): closer than this, two colours stand out equally
(NO_COLOR's greys are rounded to the 256-colour ramp, a ΔE or two off the theme's)."""


@dataclass(frozen=True, slots=True)
class Mark:
    status: Status
    where: str
    text: str
    cell: Cell
    paint: str
    """The colour the mark puts on screen: its fill if it is a block, else its ink."""
    ink: str
    """The colour of its glyph and word as they appear."""
    around: str
    block: bool

    @property
    def delta(self) -> float:
        return delta_e(self.paint, self.around)

    @property
    def code(self) -> str | None:
        """The colour code sent for what it paints (16 colours: the ANSI number)."""
        if self.cell.reverse:
            return self.cell.fg
        return self.cell.bg if self.block else self.cell.fg

    def rank(self, colour: bool = True) -> tuple[bool, bool, float]:
        return (self.block, self.cell.bold, round(self.delta, 1) if colour else 0.0)

    def __str__(self) -> str:
        kind = "block" if self.block else "text"
        weight = "bold" if self.cell.bold else "plain"
        return (
            f"{self.where} {self.text!r}: {kind} {weight} {self.code} "
            f"(paints {self.paint} on {self.around}, ΔE {self.delta:.0f})"
        )


class Palette:
    """Turns colour codes as sent into RGB: 256 and 16 colours by the xterm/VGA palette
    Rich downgrades with, the terminal's default colours by the theme's (the theme is
    chosen to match the terminal)."""

    def __init__(self, app: OncallApp) -> None:
        variables = app.get_css_variables()
        self.foreground = variables["foreground"].lower()
        self.background = variables["background"].lower()

    def rgb(self, code: str | None, *, fg: bool) -> str:
        if code is None:
            return self.foreground if fg else self.background
        if code.startswith("#"):
            return code
        if code.startswith("5;"):
            return "#{:02x}{:02x}{:02x}".format(*EIGHT_BIT_PALETTE[int(code[2:])])
        return "#{:02x}{:02x}{:02x}".format(*STANDARD_PALETTE[int(code)])

    def shown(self, cell: Cell) -> tuple[str, str]:
        """(ink, background) as they appear."""
        ink, back = self.rgb(cell.fg, fg=True), self.rgb(cell.bg, fg=False)
        return (back, ink) if cell.reverse else (ink, back)


def find_marks(rows: list[list[Cell]], palette: Palette) -> list[Mark]:
    """Every status mark on screen: row badges (panels, selection line), the header's
    counts and badge, the cause line's label."""
    patterns: list[tuple[Status, str, str]] = []
    for status in Status:
        patterns.append((status, "row", re.escape(badge(status).rstrip())))
        patterns.append(
            (status, "count", rf"{re.escape(GLYPH[status])} [1-9]\d* {COUNT_WORD[status]}")
        )
        patterns.append((status, "header badge", rf" {LONG[status]} "))
    patterns.append((Status.CRITICAL, "cause label", "LIKELY CAUSE"))
    marks: list[Mark] = []
    for y, row in enumerate(rows):
        text = "".join(cell.char for cell in row)
        for status, where, pattern in patterns:
            if where in ("count", "header badge") and y != 0:
                continue
            for match in re.finditer(pattern, text):
                start, end = match.span()
                if where == "header badge":
                    start += 1  # the glyph-less badge: its first letter
                cell = row[start]
                neighbour = row[start - 1] if match.start() > 0 else row[min(end, len(row) - 1)]
                if where == "header badge":
                    neighbour = row[match.start() - 1] if match.start() > 0 else row[end]
                ink, back = palette.shown(cell)
                _, around = palette.shown(neighbour)
                block = cell.reverse or delta_e(back, around) >= BLOCK_DELTA
                marks.append(
                    Mark(
                        status=status,
                        where=where,
                        text=match.group(0).strip(),
                        cell=cell,
                        paint=back if block else ink,
                        ink=ink,
                        around=around,
                        block=block,
                    )
                )
    return marks


def salience_problems(marks: list[Mark], mode: str, *, rows: bool = True) -> list[str]:
    """What makes something other than critical the most salient; [] when nothing.
    `rows`: the screen lists signals or events, so a critical row must be there."""
    problems: list[str] = []
    critical = [m for m in marks if m.status is Status.CRITICAL and m.where != "header badge"]
    others = [m for m in marks if m.status is not Status.CRITICAL and m.where != "header badge"]
    wanted = {"row", "count"} if rows else {"count"}
    if not wanted <= {m.where for m in critical}:
        problems.append("no critical row or count found (glyph and word missing?)")
    for mark in critical:
        if not (mark.block and mark.cell.bold):
            problems.append(f"critical is not a bold block: {mark}")
    for mark in others:
        if mark.block:
            problems.append(f"{mark.status.value} is a block like critical: {mark}")
    if mode in ("truecolor", "256"):
        for mark in critical:
            ink, fill = mark.ink, mark.paint
            if contrast(ink, fill) < LEGIBLE:
                problems.append(
                    f"the word on critical's block is hard to read ({ink} on {fill}, "
                    f"{contrast(ink, fill):.1f}:1): {mark}"
                )
    if mode in ("16", "linux"):
        reds = {"1", "9"}
        for mark in critical:
            if mark.code not in reds:
                problems.append(f"critical is not the terminal's red: {mark}")
        for mark in others:
            if mark.status is Status.WARNING and mark.code in reds:
                problems.append(f"warning is drawn in critical's red: {mark}")
    elif critical and others:
        # Each colour against every background the marks sit on (a cursor row's grey
        # weakens whatever status is under the cursor; compare like with like).
        for around in sorted({m.around for m in marks}):
            weakest = min(critical, key=lambda m: delta_e(m.paint, around))
            loudest = max(others, key=lambda m: delta_e(m.paint, around))
            shown = delta_e(weakest.paint, around), delta_e(loudest.paint, around)
            if shown[0] + JND < shown[1]:
                problems.append(
                    f"on {around}, {loudest.status.value} {loudest.paint} (ΔE {shown[1]:.0f})"
                    f" stands out more than critical {weakest.paint} (ΔE {shown[0]:.0f}):"
                    f" {loudest} / {weakest}"
                )
    return problems


def header_badge_problems(critical: Mark, warning: Mark, mode: str) -> list[str]:
    colour = mode not in ("16", "linux")
    if not (critical.block and critical.cell.bold):
        return [f"the CRITICAL badge is not a bold block: {critical}"]
    if critical.rank(colour) < warning.rank(colour):
        return [f"{warning} is more salient than {critical}"]
    if mode == "no-color" and critical.rank() <= warning.rank():
        return [f"without colour, {warning} is as salient as {critical}"]
    if not colour and critical.code == warning.code:
        return [f"CRITICAL and WARNING badges share a colour: {critical}, {warning}"]
    return []
