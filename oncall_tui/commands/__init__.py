"""The sub-commands, one module each, and the registry `cli.py` builds the parser from.

A new sub-command is a module with a `COMMAND` (`commands/base.py`) and one line here;
its order here is its order in `oncall-tui --help`.
"""

from __future__ import annotations

from oncall_tui.commands import (
    check,
    handoff,
    plugins,
    record,
    replay,
    serve,
    timeline,
    validate,
)
from oncall_tui.commands.base import Command

COMMANDS: tuple[Command, ...] = (
    check.COMMAND,
    validate.COMMAND,
    plugins.COMMAND,
    serve.COMMAND,
    record.COMMAND,
    replay.COMMAND,
    timeline.COMMAND,
    handoff.COMMAND,
)
