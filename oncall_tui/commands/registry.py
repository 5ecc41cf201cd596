"""Every sub-command, in the order `oncall-tui --help` lists them: a new sub-command is
a module with a `COMMAND` (`commands/base.py`) and one line here."""

from __future__ import annotations

from oncall_tui.commands import (
    check,
    completion,
    handoff,
    info,
    init,
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
    init.COMMAND,
    info.COMMAND,
    completion.COMMAND,
)
