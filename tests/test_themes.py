"""Themes from files: the shipped ones load and are what they claim (colour-blind safe,
high contrast, readable in 16 and 256 colours), a broken file is reported while the
rest load, a user's folder adds and replaces themes, an unknown name is a config error
everywhere, and the palette switches themes live."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.command import CommandList

from colour_vision import contrast, delta_e
from oncall_tui.cli import main
from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.config.theme_files import (
    DEFAULT_THEME,
    WALLBOARD_THEME,
    ThemeCatalog,
    load_catalog,
    load_theme_file,
    shipped_theme_dir,
)
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_themes import (
    STATUS_VARIABLES,
    legible_on,
    nearest_256,
    status_variables,
    to_textual_theme,
)
from ui_support import T0, make_engine, make_store
from waiting import pilot_until

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "config"
SHIPPED = ("dark", "light", "high-contrast", "colorblind")
STATUSES = ("ok", "warning", "critical", "unknown")


@pytest.fixture
def user_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user theme folder, found through XDG_CONFIG_HOME."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "oncall-tui" / "themes"
    folder.mkdir(parents=True)
    return folder


def status_colours(name: str) -> dict[str, str]:
    status = load_catalog().themes[name].file.status
    assert status is not None, f"{name} spells out its status colours"
    return {key: getattr(status, key) for key in STATUSES}


def background(name: str) -> str:
    """The colour the statuses are drawn on: the panels' surface."""
    return to_textual_theme(load_catalog().themes[name]).to_color_system().generate()["surface"]


# -- the folder and the files ---------------------------------------------------------


def test_themes_folder_holds_only_theme_files_and_every_one_loads() -> None:
    folder = ROOT / "themes"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.toml" for n in SHIPPED)
    assert shipped_theme_dir() == folder
    catalog = load_catalog([(folder, "shipped")])
    assert catalog.problems == []
    assert set(catalog.names()) == set(SHIPPED)
    assert DEFAULT_THEME in catalog.themes and WALLBOARD_THEME in catalog.themes


def test_the_default_theme_is_textuals_dark_with_a_critical_that_stands_out() -> None:
    """Textual's dark palette, its status colours spelled out; critical alone is not
    Textual's muted error colour but a saturated red (tests/test_salience.py)."""
    from textual.theme import BUILTIN_THEMES

    ours = to_textual_theme(load_catalog().themes["dark"])
    theirs = BUILTIN_THEMES["textual-dark"]
    assert ours.to_color_system().generate() == theirs.to_color_system().generate()
    derived = {k: v.lower() for k, v in status_variables(theirs).items()}
    spelled = {k: ours.variables[k] for k in STATUS_VARIABLES}
    assert {k: derived[k] for k in STATUS_VARIABLES if k != "status-critical"} == {
        k: v for k, v in spelled.items() if k != "status-critical"
    }
    background = ours.to_color_system().generate()["background"]
    assert (
        delta_e(spelled["status-critical"], background)
        > delta_e(derived["status-critical"], background) + 20
    )


def test_a_broken_theme_is_reported_and_the_rest_load(user_themes: Path) -> None:
    (user_themes / "typo.toml").write_text('primary = "#0178d4"\n[status]\nok = "green"\n')
    (user_themes / "not-toml.toml").write_text("primary = \n")
    (user_themes / "Bad Name.toml").write_text('primary = "#000000"\n')
    (user_themes / "extra.toml").write_text('primary = "#000000"\nprimery = "#111111"\n')
    (user_themes / "mine.toml").write_text('primary = "#3366ff"\ndark = false\n')
    (user_themes / "notes.txt").write_text("not a theme")
    catalog = load_catalog()
    assert set(catalog.names()) == {*SHIPPED, "mine"}
    problems = "\n".join(catalog.problems)
    broken = {Path(problem.split(": ", 1)[0]).name for problem in catalog.problems}
    assert broken == {"typo.toml", "not-toml.toml", "Bad Name.toml", "extra.toml"}, problems
    assert "typo.toml: status.ok: expected a colour like '#d32f2f', got 'green'" in problems
    assert "typo.toml: status.warning: required key is missing" in problems
    assert "not-toml.toml: invalid TOML" in problems
    assert "Bad Name.toml: theme names are lower-case" in problems
    assert "extra.toml: primery: unknown key (did you mean 'primary'?)" in problems
    assert catalog.problem_with("typo") is not None
    assert "did not load" in (catalog.problem_with("typo") or "")


def test_a_users_theme_replaces_a_shipped_one_of_the_same_name(user_themes: Path) -> None:
    (user_themes / "dark.toml").write_text('primary = "#ff00ff"\n')
    spec = load_catalog().themes["dark"]
    assert spec.origin == "user" and spec.file.primary == "#ff00ff"


def test_colours_are_normalised_and_only_hex_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text('primary = "#ABC"\n[variables]\nfooter-key-foreground = "#0178D4"\n')
    spec = load_theme_file(path)
    assert spec.file.primary == "#aabbcc"
    assert spec.file.variables == {"footer-key-foreground": "#0178d4"}
    path.write_text('primary = "rgb(1, 2, 3)"\n')
    with pytest.raises(Exception, match="expected a colour"):
        load_theme_file(path)
    path.write_text('primary = "#000000"\n[variables]\n"Bad Name" = "#000000"\n')
    with pytest.raises(Exception, match="not a variable name"):
        load_theme_file(path)


# -- what the shipped themes claim, checked numerically -------------------------------


@pytest.mark.parametrize("deficiency", [None, "protanopia", "deuteranopia"])
def test_colorblind_theme_keeps_ok_and_critical_apart_under_red_green_deficiencies(
    deficiency: str | None,
) -> None:
    """Machado et al. (2009) dichromacy simulation, CIE76 ΔE*ab: ok and critical stay
    two different colours (ΔE >= 40; 20 reads as a different colour), every pair of
    statuses stays distinct (ΔE >= 20), and each status keeps a contrast of 3:1 with
    the background it is drawn on."""
    colours = status_colours("colorblind")
    assert delta_e(colours["ok"], colours["critical"], deficiency) >= 40
    for a, b in itertools.combinations(STATUSES, 2):
        assert delta_e(colours[a], colours[b], deficiency) >= 20, (a, b)
    surface = background("colorblind")
    for status in STATUSES:
        assert contrast(colours[status], surface, deficiency) >= 3, status


def test_the_colour_blind_check_can_fail() -> None:
    """A classic red/green pair passes for normal vision and fails the check above."""
    red, green = "#d03030", "#2e9e44"
    assert delta_e(red, green) >= 40
    assert delta_e(red, green, "deuteranopia") < 20
    assert delta_e(red, green, "protanopia") < 40


@pytest.mark.parametrize("name", SHIPPED)
def test_every_theme_keeps_its_statuses_apart_and_readable(name: str) -> None:
    colours = status_colours(name)
    for a, b in itertools.combinations(STATUSES, 2):
        assert delta_e(colours[a], colours[b]) >= 20, (name, a, b)
    surface = background(name)
    minimum = 4.5 if name == "high-contrast" else 3.0
    for status in STATUSES:
        assert contrast(colours[status], surface) >= minimum, (name, status)


def test_the_word_on_a_critical_block_is_whichever_of_fg_and_bg_reads_best() -> None:
    """Textual's `auto` would put white on a bright red (3.5:1)."""
    assert legible_on("#ff1f1f", "#e0e0e0", "#121212") == "#121212"
    assert legible_on("#c00000", "#1f1f1f", "#e0e0e0") == "#e0e0e0"
    assert legible_on("#8b0000", "#e0e0e0", "#121212") == "#e0e0e0"
    assert legible_on("not-a-colour", "#e0e0e0", "#121212") == "auto 95%"
    for name in SHIPPED:
        theme = to_textual_theme(load_catalog().themes[name])
        text = status_variables(theme)["status-critical-text"]
        assert contrast(text, status_colours(name)["critical"]) >= 4.5, name


@pytest.mark.parametrize("name", SHIPPED)
def test_statuses_stay_four_colours_in_256_and_in_16_colours(name: str) -> None:
    """What a terminal without truecolor shows: Rich downgrades every colour to the
    nearest of 256, or of 16; in 16 colours the theme snaps statuses to ANSI hues."""
    spec = load_catalog().themes[name]
    for system in (ColorSystem.EIGHT_BIT, ColorSystem.STANDARD):
        theme = to_textual_theme(spec, colors=system)
        surface = theme.to_color_system().generate()["surface"]
        drawn = {
            key: RichColor.parse(theme.variables[f"status-{key}"]).downgrade(system).number
            for key in STATUSES
        }
        assert len(set(drawn.values())) == 4, (name, system, drawn)
        assert RichColor.parse(surface).downgrade(system).number not in drawn.values()
        if system is ColorSystem.STANDARD and name != "colorblind":
            assert drawn["critical"] in (1, 9), "critical is the terminal's red"


# -- config and command line ----------------------------------------------------------


def test_theme_in_the_config_is_validated() -> None:
    parse_config('theme = "light"\n[sources.d]\nplugin = "demo"\n', Path("."))
    with pytest.raises(ConfigError) as error:
        parse_config('theme = "unknown"\n[sources.d]\nplugin = "demo"\n', Path("."))
    assert error.value.problems == [
        "theme: unknown theme 'unknown' (available: colorblind, dark, high-contrast, light)"
    ]


@pytest.mark.parametrize("command", [["validate"], ["check"], []])
def test_an_unknown_theme_in_the_config_exits_2(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('theme = "unknown"\n[sources.d]\nplugin = "demo"\n')
    assert main([*command, "--config", str(config)]) == 2
    assert "theme: unknown theme 'unknown'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["serve"]])
def test_an_unknown_theme_on_the_command_line_exits_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--theme", "unknown", "--config", str(DATA / "valid.toml")]) == 2
    err = capsys.readouterr().err
    assert "--theme: unknown theme 'unknown' (available: colorblind, dark" in err


def test_validate_reports_a_broken_theme_file_without_failing(
    user_themes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (user_themes / "typo.toml").write_text('primary = "blue"\n')
    assert main(["validate", "--config", str(DATA / "valid.toml")]) == 0
    assert "theme not loaded:" in capsys.readouterr().err


def test_theme_on_the_command_line_and_in_the_config_reach_the_app(tmp_path: Path) -> None:
    """Run for real (a subprocess, no terminal needed): `--theme` wins over `theme =`."""
    config = tmp_path / "c.toml"
    config.write_text('theme = "light"\n[sources.d]\nplugin = "demo"\n')
    code = (
        "import sys\n"
        "from oncall_tui.core.config.loader import load_config\n"
        "from oncall_tui.core.engine import Engine\n"
        "from oncall_tui.ui.app import OncallApp\n"
        "import asyncio\n"
        f"config = load_config(__import__('pathlib').Path({str(config)!r}))\n"
        "if len(sys.argv) > 1: config.theme = sys.argv[1]\n"
        "app = OncallApp(Engine(config), start_engine=False)\n"
        "async def go():\n"
        "    async with app.run_test() as pilot:\n"
        "        await pilot.pause()\n"
        "        print(app.theme, sorted(app.available_themes))\n"
        "asyncio.run(go())\n"
    )
    for args, expected in (([], "light"), (["colorblind"], "colorblind")):
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        theme, available = result.stdout.split(" ", 1)
        assert theme == expected
        assert available.strip() == str(sorted(SHIPPED))


# -- in the app -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
async def test_every_shipped_theme_paints_the_status_colours(name: str) -> None:
    engine = make_engine(make_store("critical"))
    engine.config.theme = name
    app = OncallApp(engine, clock=lambda: T0, start_engine=False, wallboard=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == name
        variables = app.get_css_variables()
        for status, colour in status_colours(name).items():
            assert variables[f"status-{status}"].lower() == colour
        pinned = app.screen.query_one("#wb-pinned")
        style = pinned.get_visual_style("wallboard--critical").rich_style
        assert style.color is not None and style.color.triplet is not None
        assert style.color.triplet.hex == status_colours(name)["critical"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_theme_renders(snap_compare: Any, utc: None, name: str) -> None:
    """One picture per theme, of the wallboard in an incident (the wallboard is the
    screen whose colours are read from furthest away)."""
    engine = make_engine(make_store("critical"))
    engine.config.theme = name
    app = OncallApp(engine, clock=lambda: T0, start_engine=False, wallboard=True)
    assert snap_compare(app, terminal_size=(120, 40))


def listed(app: OncallApp) -> list[str]:
    """The command palette's hits, as text, lower case."""
    found = app.screen.query(CommandList)
    hits = found.first() if found else None
    count = hits.option_count if hits is not None else 0
    return [str(hits.get_option_at_index(i).prompt).lower() for i in range(count)]  # type: ignore[union-attr]


def highlighted(app: OncallApp, text: str) -> bool:
    """The command palette's highlighted hit mentions `text` (its search is done)."""
    found = app.screen.query(CommandList)
    index = found.first().highlighted if found else None
    return index is not None and text in listed(app)[index]


async def test_the_palette_switches_the_theme_live() -> None:
    app = OncallApp(make_engine(make_store("ok")), clock=lambda: T0, start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "dark"
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "theme":
            await pilot.press(key)
        await pilot_until(pilot, lambda: highlighted(app, "theme"), what="the Theme command")
        await pilot.press("enter")
        await pilot_until(pilot, lambda: "light" in listed(app), what="the list of themes")
        for key in "light":
            await pilot.press(key)
        await pilot_until(pilot, lambda: highlighted(app, "light"), what="the light theme")
        await pilot.press("enter")
        await pilot_until(pilot, lambda: app.theme == "light", what="the light theme applied")
        assert (
            app.get_css_variables()["status-critical"].lower()
            == status_colours("light")["critical"]
        )


def test_catalog_problem_names_what_exists() -> None:
    catalog = ThemeCatalog()
    assert catalog.problem_with("x") == "unknown theme 'x' (available: none)"


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_a_light_themes_rows_are_painted_on_its_background(theme: str) -> None:
    """`--theme light` drew the board's rows on the terminal's default background (dark
    text on black in a dark terminal): Textual lays no background under a Line API
    widget's strips. A light theme's rows carry its background; a dark theme's plain
    cells keep the terminal's (one background code less per segment)."""
    from cascade_support import cascade_app

    app = await cascade_app("cascade")
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = theme
        await pilot.pause()
        await pilot.pause()
        panel = app.dashboard.panels["risk_rule"]
        rows = [panel.render_line(y) for y in range(1, 6)]
        segments = [segment for strip in rows for segment in strip if segment.text]
        unpainted = [s.text for s in segments if s.style is None or s.style.bgcolor is None]
        if theme == "light":
            assert not unpainted, unpainted
        else:
            assert unpainted, "a dark theme's plain cells stay on the terminal's background"
        await pilot.press("e")
        await pilot.pause()
        events = app.screen.query_one("LineList")
        strips = [events.render_line(y) for y in range(3)]
        cells = [s for strip in strips for s in strip if s.text.strip()]
        assert cells
        if theme == "light":
            assert all(s.style is not None and s.style.bgcolor for s in cells), cells


def test_the_nearest_256_colour_is_the_one_a_full_search_finds() -> None:
    """The palette's CIELAB values are computed once (they were, for each colour of each
    theme, 960 conversions before a 256-colour board's first frame): same answers."""
    from textual.color import Color

    from oncall_tui.ui import textual_themes
    from oncall_tui.ui.textual_compat import eight_bit_palette

    palette = eight_bit_palette()

    def searched(colour: str) -> str:
        target = textual_themes._lab(Color.parse(colour))
        best = min(
            range(16, 256),
            key=lambda n: sum(
                (a - b) ** 2
                for a, b in zip(textual_themes._lab(Color(*palette[n])), target, strict=True)
            ),
        )
        snapped = Color(*palette[best]).hex
        if RichColor.parse(snapped).downgrade(ColorSystem.EIGHT_BIT).number != best:
            return colour
        return snapped

    steps = range(0, 256, 17)
    colours = [f"#{r:02x}{g:02x}{b:02x}" for r in steps for g in steps for b in steps]
    colours += [Color(*palette[n]).hex for n in range(256)]
    for colour in colours:
        assert nearest_256(colour) == searched(colour), colour
