"""Start-up stays cheap in ways a timing would not show reliably on a shared machine:
what each entry point imports, and that the board's first frame already shows data.

`check`, `validate`, `--help` and `--version` run from cron, CI and probes; each module
they import is paid on every run (and, without cached bytecode, compiled every run).
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet

from oncall_tui.cli import build_parser, command_asked_for
from oncall_tui.commands.registry import NAMES
from oncall_tui.core import start_gc
from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.app import OncallApp
from pty_app import PtyApp
from startup_support import PATIENT, FirstFrameApp, demo_environment
from waiting import pilot_until

UI = ("textual", "rich", "oncall_tui.ui", "oncall_tui.web")
"""The terminal UI: never for a command that prints and exits."""
NETWORK_AND_DOCS = ("httpx", "markdown_it", "pygments")
"""The HTTP client (no source of the demo speaks HTTP) and the runbooks' Markdown."""
CONFIG_MODELS = ("pydantic", "oncall_tui.core.config.loader")
"""What validating a config takes; --help and --version validate nothing."""
PLUGINS = ("psutil", "oncall_tui_")
"""Plugins are imported when a config names them (and the host plugin's psutil when it
first reads); --version names them from the installed metadata."""
THEMES = ("oncall_tui.core.config.theme_files",)
"""Theme files are read when a theme is named; the demo names none."""

OTHER_COMMANDS = tuple(f"oncall_tui.commands.{name}" for name in NAMES if name != "check")
"""A run of one sub-command builds a parser of that command alone."""

CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "check": (["check"], UI + NETWORK_AND_DOCS + THEMES + OTHER_COMMANDS),
    "validate": (["validate"], UI + NETWORK_AND_DOCS + ("psutil",)),
    "--help": (["--help"], UI + NETWORK_AND_DOCS + CONFIG_MODELS + PLUGINS + ("asyncio",)),
    "--version": (["--version"], UI + NETWORK_AND_DOCS + CONFIG_MODELS + PLUGINS),
}

RUN_AND_LIST = """
import json, sys
from oncall_tui.cli import main
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as out:
    json.dump(sorted(sys.modules), out)
sys.exit(code)
"""


@pytest.mark.parametrize("case", CASES)
def test_entry_point_imports_only_what_it_uses(case: str, tmp_path: Path) -> None:
    argv, forbidden = CASES[case]
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, str(listing), *argv],
        env=demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout  # it did its job: a report, a help text, a version
    modules = json.loads(listing.read_text())
    loaded = sorted(
        name
        for name in modules
        if any(name == prefix or name.startswith(prefix if prefix.endswith("_") else prefix + ".")
               for prefix in forbidden)
    )  # fmt: skip
    assert loaded == [], f"`oncall-tui {' '.join(argv)}` imported {loaded[:12]}"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], "check"),
        (["--config", "prod.toml", "--read-only", "check", "--format", "json"], "check"),
        (["--config=prod.toml", "validate"], "validate"),
        (["-c", "check", "validate"], "validate"),  # a config file named like a command
        (["--theme", "check"], None),  # the dashboard, with a theme named "check"
        (["--conf", "validate", "check"], None),  # an abbreviation: the whole parser decides
        (["-h", "check"], None),
        (["--version"], None),
        (["completion", "bash"], None),  # it describes the whole parser
        (["nosuch"], None),
        ([], None),
    ],
)
def test_only_a_certain_sub_command_gets_a_parser_of_its_own(
    argv: list[str], expected: str | None
) -> None:
    assert command_asked_for(argv) == expected


DATA_ROW = re.compile(r"^ *[\u203a>]? *[●▲✖?!xX*] +(OK|WARN|CRIT|UNKN) +\S")
"""A panel row: its status word and its name on one line."""


async def test_first_frame_of_the_board_already_shows_data_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's rows are on the first frame drawn, not one sync timer after it: a
    user who starts the board sees data, never a board of empty panels first."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = FirstFrameApp(Engine(load_config(None), read_only=True))
    async with app.run_test(size=(120, 40)) as pilot:
        board: Any = app.dashboard
        while board.first_frame is None:
            await pilot.pause(0.01)
        rows = [line for line in board.first_frame if DATA_ROW.match(line)]
        assert rows, "\n".join(board.first_frame)


SLOW_FIRST = """
import asyncio, sys
from oncall_tui.core.signals.model import Reading
from oncall_tui.core.sources.contract import Plugin, PluginConfig
from oncall_tui.core.sources.registry import default_registry

class SlowConfig(PluginConfig):
    hang: bool = False
    delay: float = 0.2

class SlowFirst(Plugin[SlowConfig]):
    \"\"\"Answers its first collection after a moment, as a source across a network
    does (or, with `hang`, never): the board could be drawn before it is in.\"\"\"

    Config = SlowConfig
    answered = False

    def kinds(self):
        return frozenset({"health"})

    async def collect(self):
        if self.config.hang:
            await asyncio.Event().wait()
        if not self.answered:
            await asyncio.sleep(self.config.delay)
            self.answered = True
        return [Reading(key=f"r{i}", kind="health", name=f"steady-{i}", value=0.1)
                for i in range(3)]

default_registry.register("slow_first", SlowFirst)
if len(sys.argv) > 1 and sys.argv[1].startswith("--first-frame-wait="):
    from oncall_tui.ui.app import OncallApp
    OncallApp.FIRST_FRAME_WAIT = float(sys.argv.pop(1).split("=", 1)[1])
from oncall_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""
SLOW_CONFIG = """
title = "first frame"
[sources.slow]
plugin = "slow_first"
"""

SLOWER = 0.5
"""Seconds the slow source takes to answer in the first-frame test, inside a wait of
`PATIENT` (10x): past the board's start-up, so a board that does not wait draws its
empty panels first (without the wait, `PATIENT` = 0, it drew WAITING first in 4 runs of
4). At load 7 on 2 cores it answered 0.500-0.502 s after its collection began; the
0.2 s it took before, against the board's 1 s, 0.200-0.201 s."""
HUNG_SOURCE = """
[sources.hung]
plugin = "slow_first"
hang = true
timeout = "10s"
"""


def start_board(
    tmp_path: Path, config: str, pty_apps: list[PtyApp], first_frame_wait: float | None = None
) -> PtyApp:
    """The board on `config` with the slow plugin, in a pty; `first_frame_wait`
    replaces the board's own (`OncallApp.FIRST_FRAME_WAIT`)."""
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = {**demo_environment(tmp_path), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    waiting = [] if first_frame_wait is None else [f"--first-frame-wait={first_frame_wait:g}"]
    command = [sys.executable, "-c", SLOW_FIRST, *waiting, "--config", str(path)]
    app = PtyApp(command, env, rows=40, cols=120)
    pty_apps.append(app)
    return app


def test_first_frame_waits_for_a_source_slower_than_the_start_up(
    tmp_path: Path, pty_apps: list[PtyApp]
) -> None:
    """A source whose first answer comes after the board could first be drawn: the
    terminal gets no frame of empty panels (the header's WAITING) before its rows, one
    frame with them."""
    config = SLOW_CONFIG + f"delay = {SLOWER}\n"
    app = start_board(tmp_path, config, pty_apps, first_frame_wait=PATIENT)
    app.wait_for(lambda screen: "steady-2" in screen, 30, "the slow source's rows")
    assert "WAITING" not in app.text
    assert "steady-0" in app.text


def test_a_source_that_never_answers_does_not_hold_the_first_frame(
    tmp_path: Path, pty_apps: list[PtyApp]
) -> None:
    """The wait is bounded: beside a source that never answers (its deadline 10 s),
    the board is drawn with the other's rows, the hanging one still pending."""
    app = start_board(tmp_path, SLOW_CONFIG + HUNG_SOURCE, pty_apps)
    screen = app.wait_for(lambda screen: "steady-2" in screen, 30, "the answering rows")
    assert any(DATA_ROW.match(line) for line in screen.splitlines()), screen


RUN_AND_ORDER = RUN_AND_LIST.replace("sorted(sys.modules)", "list(sys.modules)")
"""The same run, listing modules in the order their imports began."""


def test_check_opens_the_host_cpu_window_before_the_heavy_imports(tmp_path: Path) -> None:
    """The host plugin's first CPU reading waits for what is left of a window opened
    when its package is imported: `check` imports the configured plugins before the
    config models and the engine, so by the collection the window is over. The demo,
    configured first, must not load pydantic and the plugin contract ahead of it: that
    held the window back by ~0.2 s, and `check` waited ~50 ms for it."""
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_ORDER, str(listing), "check"],
        env=demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    order = json.loads(listing.read_text())
    window = order.index("oncall_tui_host.cpu")
    assert window < order.index("pydantic")
    assert window < order.index("oncall_tui.plugin")
    assert window < order.index("oncall_tui.core.config.loader")
    assert window < order.index("oncall_tui.core.engine")


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ('[sources.x]\nplugin = "nagios-magic"\n', "unknown plugin 'nagios-magic'"),
        ('[sources.x]\nplugin = "demo"\nservices = "many"\n', "sources.x.services"),
        ("[sources.x\n", "invalid TOML"),
        ("", "no sources configured"),
    ],
)
def test_check_reports_config_mistakes_as_validate_does(
    tmp_path: Path, config: str, problem: str
) -> None:
    """`check` looks at the config's plugin names before the loader does: a mistake
    there is still the loader's to word, the same as `validate` says it."""
    path = tmp_path / "config.toml"
    path.write_text(config)
    said = {}
    for command in ("check", "validate"):
        result = subprocess.run(
            [sys.executable, "-m", "oncall_tui", command, "--config", str(path)],
            env=demo_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert problem in result.stderr
        assert "Traceback" not in result.stderr
        said[command] = result.stderr
    assert said["check"] == said["validate"]


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the garbage collector is undone after it."""
    was = gc.isenabled()
    gc.unfreeze()  # what an earlier test in this process froze
    yield
    gc.unfreeze()
    if was:
        gc.enable()


def test_collector_held_during_start_up_is_released_frozen(collector: None) -> None:
    gc.enable()
    start_gc.hold()
    assert not gc.isenabled()
    made = [[] for _ in range(1000)]  # start-up's objects
    start_gc.release()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    start_gc.release()  # once only
    assert gc.isenabled()


def test_release_without_hold_leaves_the_collector_as_it_was(collector: None) -> None:
    """A test or an embedding that runs the app keeps its own collector settings."""
    gc.disable()
    start_gc.release()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_dashboard_turns_the_collector_back_on_before_the_app_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector: None
) -> None:
    """`oncall-tui` holds the collector while its modules load and releases it before
    the app runs: the app's own start-up garbage is collected as usual (held through
    the first frame it cost the board 2-4 MiB of RSS for good)."""
    from oncall_tui.commands import dashboard
    from oncall_tui.ui import terminal

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr(terminal, "missing_terminal", lambda: None)
    monkeypatch.setattr(terminal, "release_streams", lambda: None)
    seen: list[tuple[bool, int]] = []
    monkeypatch.setattr(
        OncallApp, "run", lambda app: seen.append((gc.isenabled(), gc.get_freeze_count()))
    )
    gc.enable()
    args = build_parser().parse_args([])
    assert dashboard.dashboard(args) == 0
    assert seen and seen[0][0], "the collector was still off when the app ran"
    assert seen[0][1] > 0


@pytest.mark.parametrize(("theme", "wallboard"), [("light", False), ("high-contrast", True)])
async def test_the_board_starts_in_its_theme_with_one_parse_of_its_styles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, theme: str, wallboard: bool
) -> None:
    """The theme is the app's before Textual first parses its stylesheets: set once the
    app runs, Textual parsed every stylesheet again and restyled every widget (~40 ms of
    the start, before the first frame). The screen is still painted in the theme."""
    reparses: list[Stylesheet] = []
    reparse = Stylesheet.reparse

    def counted(stylesheet: Stylesheet) -> None:
        reparses.append(stylesheet)
        reparse(stylesheet)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    path = tmp_path / "config.toml"
    path.write_text(f'theme = "{theme}"\n[sources.demo]\nplugin = "demo"\n')
    app = FirstFrameApp(Engine(load_config(path), read_only=True), wallboard=wallboard)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot_until(pilot, lambda: app.screen.is_mounted and app.is_running)
        await pilot.pause()
        assert app.theme == theme
        dark = app.current_theme.dark
        assert app.has_class(f"-theme-{theme}")
        assert app.has_class("-dark-mode") is dark and app.has_class("-light-mode") is not dark
        background = Color.parse(app.get_css_variables()["background"])
        assert app.screen.styles.background == background
        assert reparses == []


COUNT_THEMES = """
import sys
from oncall_tui.ui import textual_themes

built = []
make = textual_themes.to_textual_theme

def counted(spec, *, colors=None):
    built.append(spec.name)
    return make(spec, colors=colors)

textual_themes.to_textual_theme = counted
from oncall_tui.cli import main
try:
    code = main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w") as out:
        out.write(" ".join(built))
sys.exit(code)
"""


def test_a_256_colour_terminal_gets_each_theme_built_once(
    tmp_path: Path, pty_apps: list[PtyApp]
) -> None:
    """The shipped themes are built for the terminal's colour system once the app runs:
    they were built at construction, then all again for 256 colours (~2 ms a theme,
    before the first frame)."""
    built = tmp_path / "built.txt"
    env = {**demo_environment(tmp_path), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    env.pop("COLORTERM", None)
    app = PtyApp([sys.executable, "-c", COUNT_THEMES, str(built)], env, rows=40, cols=120)
    pty_apps.append(app)
    app.wait_for(
        lambda screen: any(DATA_ROW.match(line) for line in screen.splitlines()),
        30,
        "the demo's rows",
    )
    app.send(b"q")
    assert app.wait_exit(10) == 0
    names = built.read_text().split()
    assert sorted(names) == sorted(set(names)) == ["colorblind", "dark", "high-contrast", "light"]


@pytest.mark.parametrize("command", [[], ["check"]])
def test_a_command_stopped_by_a_config_mistake_leaves_the_collector_on(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str], collector: None
) -> None:
    """The collector is held from the command's first import to its release; a
    mistake found in between ends the command there, and a process that goes on (a
    test, an embedding calling `main`) kept no automatic collection at all."""
    from oncall_tui.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text("refresh = 3\n")
    gc.enable()
    assert main([*command, "--config", str(bad)]) == 2
    assert "refresh" in capsys.readouterr().err
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0, "nothing frozen for a command that did not start"
