"""Every sub-command, in the order `oncall-tui --help` lists them: a new sub-command is
a module `oncall_tui/commands/NAME.py` with a `COMMAND` (`commands/base.py`) and its
name here.

Names only, modules imported when asked for: a run of one command builds a parser
holding that command alone (`cli.py`), so `check` from cron does not compile and
import the ten others."""

from __future__ import annotations

from importlib import import_module

from oncall_tui.commands.base import Command

NAMES: tuple[str, ...] = (
    "check",
    "validate",
    "plugins",
    "serve",
    "record",
    "replay",
    "timeline",
    "handoff",
    "init",
    "info",
    "completion",
)

WHOLE_PARSER: frozenset[str] = frozenset({"completion"})
"""Commands that read the whole parser (completion describes every command)."""


def command(name: str) -> Command:
    """The sub-command `name` (one of NAMES)."""
    found: Command = import_module(f"oncall_tui.commands.{name}").COMMAND
    return found


def all_commands() -> tuple[Command, ...]:
    return tuple(command(name) for name in NAMES)
