"""What a sub-command is, and what every sub-command shares: the config option, the
exit code of a config problem and how problems are printed.

Each sub-command is one module in this package with one `COMMAND`; `cli.py` builds the
parser and the help from the registry (`commands/__init__.py`) and runs the one asked
for. A module imports only what parsing needs at its top: the heavy imports (the
engine, Textual, httpx) happen in `run`, so `check` never pays for the dashboard.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.core.sanitize import MAX_PROBLEM, sanitize

EXIT_CONFIG = 2
"""A config problem, a bad option: a usage error."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    """As typed after `oncall-tui`."""
    help: str
    """One line, in `oncall-tui --help`'s list of commands."""
    arguments: Callable[[argparse.ArgumentParser], None]
    """Adds the command's own options to its sub-parser."""
    run: Callable[[argparse.Namespace], int]
    """Runs it; the exit code."""
    description: str = ""
    """The longer text of `oncall-tui NAME --help`; the help line when empty."""


FILE_COMPLETION = {
    "bash": "_shtab_compgen_files",
    "zsh": "_files",
    "fish": "(__fish_complete_path (commandline -ct))",
}
"""What shell completion offers for a file option: paths (shtab's own functions)."""
THEME_COMPLETION = {
    "bash": "_oncall_tui_themes",
    "zsh": "_oncall_tui_themes",
    "fish": "(_oncall_tui_themes)",
}
"""What it offers for --theme: a function the script's preamble defines (`completion`)."""


def completes(action: argparse.Action, what: dict[str, str]) -> argparse.Action:
    """Tell `oncall-tui completion` (shtab) what this option's value completes to."""
    action.complete = what  # type: ignore[attr-defined]
    return action


def config_option(parser: argparse.ArgumentParser, *, sub: bool = True) -> None:
    config = parser.add_argument(
        "--config",
        "-c",
        type=Path,
        metavar="FILE",
        # On a sub-command, SUPPRESS keeps `oncall-tui --config F check` working: a
        # default of None there would overwrite the F parsed before the sub-command.
        default=argparse.SUPPRESS if sub else None,
        help="config file (TOML); default: $XDG_CONFIG_HOME/oncall-tui/config.toml or the demo",
    )
    completes(config, FILE_COMPLETION)


def print_problems(problems: Iterable[str]) -> None:
    problems = list(problems)
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"oncall-tui: {len(problems)} config {noun}:", file=sys.stderr)
    for problem in problems:
        # Already sanitised where raised (ConfigError); again here, at the sink, for
        # lines built elsewhere (a plugin's load error quotes the file's plugin name).
        print(f"  {sanitize(problem, MAX_PROBLEM)}", file=sys.stderr)


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For a command that takes none."""
