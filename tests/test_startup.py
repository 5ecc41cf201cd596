"""Start-up stays cheap in ways a timing would not show reliably on a shared machine:
what each entry point imports, and that the board's first frame already shows data.

`check`, `validate`, `--help` and `--version` run from cron, CI and probes; each module
they import is paid on every run (and, without cached bytecode, compiled every run).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.cli import command_asked_for
from oncall_tui.commands.registry import NAMES
from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.textual_compat import screen_lines

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


def demo_environment(home: Path) -> dict[str, str]:
    """No user config: the embedded demo (a `demo` and a `host` source)."""
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}


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


class FirstFrameBoard(DashboardScreen):
    """The board, noting what its first refresh put on the screen."""

    first_frame: list[str] | None = None

    def on_mount(self) -> None:
        self.call_after_refresh(self._note_first_frame)

    def _note_first_frame(self) -> None:
        if self.first_frame is None:
            self.first_frame = screen_lines(self)


class FirstFrameApp(OncallApp):
    DASHBOARD = FirstFrameBoard


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
