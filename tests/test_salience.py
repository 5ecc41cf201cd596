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

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.core.config.theme_files import shipped_theme_dir
from oncall_tui.core.present.words import choose_symbols
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.ui import app as app_module
from oncall_tui.ui.app import OncallApp
from salience_rules import (
    MODES,
    SHIPPED,
    Mark,
    Palette,
    find_marks,
    header_badge_problems,
    salience_problems,
)
from terminal_cells import Cell, terminal_screen
from ui_support import T0, demo_readings, make_engine, make_store, reading


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
