"""The command source: a Nagios-compatible check, run as configured, read as Nagios does.

A check that ran and failed (exit 2, a timeout) is an observation: the signal says so
and the source stays ok. The source fails only when the check cannot run at all (no
such command, not executable), which is the config's problem, not the checked
system's.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from collections.abc import Sequence

from oncall_tui.plugin import (
    MAX_LINE,
    BlockingRunner,
    Kind,
    Plugin,
    Reading,
    Runbook,
    SourceContext,
    Status,
)

from . import process
from .config import CommandConfig
from .perfdata import parse_output

_EXIT_STATUS = {0: Status.OK, 1: Status.WARNING, 2: Status.CRITICAL, 3: Status.UNKNOWN}
"""The Nagios plugin API's exit codes."""

_MIN_DEADLINE = 0.1


def deadline_for(timeout: float) -> float:
    """The command's own deadline: a little inside the engine's, so a hanging check is
    reported as a timed-out check (an observation) rather than the engine cancelling the
    whole collection (a source error)."""
    return max(timeout - min(0.5, timeout / 10), _MIN_DEADLINE)


class CommandPlugin(Plugin[CommandConfig]):
    """Runs one Nagios-compatible check command per collection."""

    description = "A Nagios-compatible check command (exit code 0/1/2/3, perfdata)"

    def __init__(self, config: CommandConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._name = config.name or context.name
        self._runbook = Runbook.from_config(config.runbook, context.config_dir)
        self._thresholds = config.thresholds()
        self._has_limits = config.warning is not None or config.critical is not None
        # What the detail screen shows as the "query": the command as one would type
        # it. ${VAR} values in it are redacted by the store like every secret.
        self._query = shlex.join(config.argv)
        self._mark = f"{os.getpid()}-{id(self):x}"
        """Carried by every process this source's checks start (`process.sweep`)."""
        self._left = ""

    def collection_note(self) -> str:
        return self._left

    async def aclose(self) -> None:
        """Whatever a check started and is still running goes with the source: a
        daemon that escaped its run's sweep (started during it) does not outlive the
        app."""
        with contextlib.suppress(Exception):
            await BlockingRunner("command-close")(lambda: process.sweep(self._mark))

    def kinds(self) -> frozenset[Kind]:
        return frozenset({self.config.kind})

    async def collect(self) -> Sequence[Reading]:
        env = {**os.environ, **self.config.env}
        cwd = self.context.config_dir
        executable = process.resolve(self.config.argv[0], env, cwd)
        deadline = deadline_for(self.context.timeout)
        outcome = await process.run(
            [executable, *self.config.argv[1:]],
            env=env,
            cwd=cwd,
            deadline=deadline,
            mark=self._mark,
        )
        self._left = (
            f"the check left {outcome.leftovers} process"
            f"{'' if outcome.leftovers == 1 else 'es'} running after it ended (killed)"
            if outcome.leftovers
            else ""
        )
        output = parse_output(outcome.stdout)
        first_line = output.summary or _first_line(outcome.stderr)

        value = None
        unit = self.config.unit
        notes: list[str] = []
        if self.config.perfdata:
            item = output.perfdata.get(self.config.perfdata)
            if item is None:
                notes.append(f"no perfdata {self.config.perfdata!r}")
            else:
                value = item.value
                if item.known_unit and item.uom:
                    unit = item.unit

        returncode = outcome.returncode
        status: Status | None
        if returncode is None:
            status = Status.CRITICAL
            summary = process.describe_timeout(deadline)
            if first_line:
                summary += f"; last output: {first_line}"
        elif returncode < 0:
            status = Status.UNKNOWN
            summary = f"killed by {_signal_name(-returncode)}"
            if first_line:
                summary += f": {first_line}"
        elif returncode not in _EXIT_STATUS:
            status = Status.UNKNOWN
            summary = f"exit code {returncode} (not a Nagios status)"
            if first_line:
                summary += f": {first_line}"
        else:
            status = _EXIT_STATUS[returncode]
            summary = first_line or f"no output (exit code {returncode})"
            if self._has_limits and value is not None and status is not Status.UNKNOWN:
                # The configured thresholds judge the value instead of the check's own.
                status = None
        if outcome.truncated:
            notes.append(f"output cut at {process.MAX_OUTPUT // 1024} KB")
        if notes:
            note = "; ".join(notes)
            room = MAX_LINE - len(note) - 3
            summary = f"{summary[:room]} ({note})"

        labels = {"exit_code": str(returncode)} if returncode is not None else {}
        return [
            Reading(
                key="check",
                kind=self.config.kind,
                name=self._name,
                value=value,
                unit=unit,
                labels=labels,
                summary=summary,
                runbook=self._runbook,
                status=status,
                thresholds=self._thresholds if self._has_limits else None,
                query=self._query,
                component=self.config.component,
            )
        ]


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
