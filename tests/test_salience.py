"""Critical is the most salient thing on the screen in every colour mode and theme.

What is checked is what the terminal receives: the real app is rendered (Pilot), its
screen turned into escape sequences by a Rich console of the terminal's colour system,
exactly as Textual's driver does it (the theme's 16-colour stand-ins and NO_COLOR's
monochrome filter included), and those sequences are read back cell by cell.

Salience of one status mark (a row's `✖ CRIT`, the header's `✖ 4 crit`, its
`CRITICAL` badge, the `LIKELY CAUSE` label) is ranked by, in this order:

1. a block: reverse video, or a background of its own (ΔE >= 20 from what surrounds it);
2. bold;
3. how far its colour stands out from what surrounds it: CIE76 ΔE*ab between the
   colour it paints (the fill of a block, else the ink) and the background around it.

ΔE rather than the WCAG luminance ratio: on a dark background no red is as light as a
yellow, so a luminance rule could only be met with a murky warning; ΔE also counts
chroma, which is what makes a saturated red stand out (the muted red 131 of the old
256-colour board has ΔE 53 against its background, the warning orange 214 has 106).

The rules, for every shipped theme:
- every critical mark is a block and bold, and its glyph and word are there;
- no other status mark in rows and counts is a block;
- with colours the test can know (truecolor, 256: the xterm palette is fixed) and without
  colour (NO_COLOR), critical's colour stands out at least as much as any other
  status's, on every background the marks sit on (within a just-noticeable difference);
- the glyph and word on critical's block keep a 4.5:1 contrast (truecolor, 256);
- in 16 colours (the terminal's own palette, unknown to us) critical is the terminal's
  red and warning another colour;
- the header's CRITICAL badge is at least as salient as its WARNING badge (on a board
  whose worst is a warning), and without colour strictly more.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.console import Console

from colour_vision import contrast, delta_e
from oncall_tui.core.config.theme_files import shipped_theme_dir
from oncall_tui.core.present.words import COUNT_WORD, GLYPH, LONG, badge, choose_symbols
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.ui import app as app_module
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import eight_bit_palette, screen_update, standard_palette
from test_ui_support import T0, demo_readings, make_engine, make_store, reading

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
SYSTEM_NAMES = {
    ColorSystem.TRUECOLOR: "truecolor",
    ColorSystem.EIGHT_BIT: "256",
    ColorSystem.STANDARD: "standard",
}
BLOCK_DELTA = 20.0
"""A background this far (ΔE) from its surroundings reads as a colour of its own."""
LEGIBLE = 4.5
"""WCAG AA contrast for text: the glyph and word on critical's block stay readable."""
JND = 2.3
"""A just-noticeable difference (ΔE): closer than this, two colours stand out equally
(NO_COLOR's greys are rounded to the 256-colour ramp, a ΔE or two off the theme's)."""


# -- what the terminal receives, read back --------------------------------------------


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


# -- marks and their salience ---------------------------------------------------------


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


# -- the board in each mode -----------------------------------------------------------


def board(state: str) -> list[Reading]:
    """ "critical": every status at once (unknown is a value the source did not give);
    "warning": warnings and oks only, so the header's badge says WARNING."""
    if state == "warning":
        return demo_readings("none")
    readings = demo_readings("critical")
    readings.append(reading("queue/depth", "health", "settlement queue depth", None))
    return readings


async def render_marks(
    theme: str,
    mode: str,
    state: str,
    monkeypatch: pytest.MonkeyPatch,
    keys: Sequence[str] = (),
) -> list[Mark]:
    """The status marks on screen after launch and `keys`, read from what a terminal of
    `mode` receives."""
    system, monochrome = MODES[mode]
    # The app asks the terminal's colour system (16 colours snap statuses to ANSI
    # hues); a headless run has none, so tell it what the terminal would say.
    monkeypatch.setattr(app_module, "terminal_colors", lambda app: system)
    if monochrome:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    engine = make_engine(make_store(readings=board(state)))
    engine.config.theme = theme
    choose_symbols(ascii=mode == "linux")  # as the CLI does at start
    try:
        app = OncallApp(engine, clock=lambda: T0, start_engine=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.theme == theme and app.no_color is monochrome
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            return find_marks(terminal_screen(app, system), Palette(app))
    finally:
        choose_symbols(ascii=False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("theme", SHIPPED)
async def test_critical_is_the_most_salient_status(
    theme: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = await render_marks(theme, mode, "critical", monkeypatch)
    statuses = {m.status for m in marks if m.where == "row"}
    assert statuses == set(Status), statuses  # the board shows all four
    if mode == "linux":
        assert all(m.text.isascii() for m in marks), [m.text for m in marks]
    problems = salience_problems(marks, mode)
    assert problems == [], "\n".join([*problems, "on screen:", *map(str, marks)])
    critical = next(m for m in marks if m.where == "header badge")
    assert critical.status is Status.CRITICAL
    warned = await render_marks(theme, mode, "warning", monkeypatch)
    warning = next(m for m in warned if m.where == "header badge")
    assert warning.status is Status.WARNING
    assert header_badge_problems(critical, warning, mode) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("screen", "keys"), [("detail", ("enter",)), ("events", ("e",))])
async def test_critical_is_the_most_salient_on_the_other_screens(
    screen: str, keys: tuple[str, ...], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every screen has the header, the event timeline lists statuses: the same rules
    (in the default theme; the themes' colours are checked on the board above). The
    detail's title badge is drawn by the screen in reverse video, the screen's own
    colours, not critical's: there it is checked as a bold block only."""
    marks = await render_marks("dark", mode, "critical", monkeypatch, keys=keys)
    if screen == "detail":
        title = [m for m in marks if m.where == "row"]
        assert title and all(m.status is Status.CRITICAL for m in title), title
        assert all(m.block and m.cell.bold for m in title), title
        marks = [m for m in marks if m.where != "row"]
    problems = salience_problems(marks, mode, rows=screen == "events")
    assert problems == [], "\n".join([*problems, "on screen:", *map(str, marks)])
    badge = next(m for m in marks if m.where == "header badge")
    assert badge.status is Status.CRITICAL and badge.block and badge.cell.bold, badge


async def test_the_check_fails_on_a_muted_critical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dark theme as it was: Textual's muted error red for critical, 131 in 256
    colours, next to the bright orange warning 214."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "oncall-tui" / "themes"
    folder.mkdir(parents=True)
    dark = (shipped_theme_dir() / "dark.toml").read_text()
    (folder / "muted.toml").write_text(re.sub(r'critical = "#\w+"', 'critical = "#b93c5b"', dark))
    marks = await render_marks("muted", "256", "critical", monkeypatch)
    problems = salience_problems(marks, "256")
    assert any("warning #ffaf00" in p and "critical #af5f5f" in p for p in problems), problems


def _mark(status: Status, *, fg: str, bg: str, bold: bool, block: bool) -> Mark:
    cell = Cell("x", fg=fg, bg=bg, bold=bold, reverse=False)
    paint = bg if block else fg
    return Mark(status, "row", "x", cell, paint=paint, ink=fg, around="#000000", block=block)


def test_the_rules_name_what_breaks_them() -> None:
    critical = _mark(Status.CRITICAL, fg="#000000", bg="#ff0000", bold=True, block=True)
    counted = replace(critical, where="count")
    warning = _mark(Status.WARNING, fg="#ffff00", bg="#000000", bold=False, block=False)
    assert salience_problems([critical, counted, warning], "truecolor") == [
        "on #000000, warning #ffff00 (ΔE 137) stands out more than critical #ff0000 "
        f"(ΔE 117): {warning} / {critical}"
    ]
    boxed = replace(warning, block=True, paint="#ffff00")
    assert f"warning is a block like critical: {boxed}" in salience_problems(
        [critical, counted, boxed], "256"
    )
    thin = replace(critical, cell=replace(critical.cell, bold=False))
    assert f"critical is not a bold block: {thin}" in salience_problems([thin, counted], "256")
    red = replace(warning, cell=replace(warning.cell, fg="9"))
    assert salience_problems([replace(critical, cell=replace(critical.cell, bg="9")), red], "16")
    assert salience_problems([warning], "truecolor")[0].startswith("no critical row")
    # The header: without colour, a grey WARNING block as loud as CRITICAL is a failure.
    grey = replace(critical, status=Status.WARNING)
    assert header_badge_problems(critical, grey, "no-color")
    assert header_badge_problems(critical, grey, "truecolor") == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_warning_cause_is_labelled_as_a_warning_not_a_critical(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cause label was a red block on a board whose worst is a warning: louder than
    the WARNING badge beside it, and a false critical."""
    marks = await render_marks("dark", mode, "warning", monkeypatch)
    label = next(m for m in marks if m.where == "cause label")
    assert not label.block and label.cell.bold, label
    critical = await render_marks("dark", mode, "critical", monkeypatch)
    assert next(m for m in critical if m.where == "cause label").block
