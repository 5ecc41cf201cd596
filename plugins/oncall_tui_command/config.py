"""Options of a `plugin = "command"` source: one Nagios-compatible check.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table; `timeout` is the check's deadline.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import ConfigDict, Field, field_validator, model_validator

from oncall_tui.plugin import PluginConfig, ThresholdOptions, Unit

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CommandConfig(PluginConfig, ThresholdOptions):
    """Runs a Nagios-compatible check command: its exit code (0 ok, 1 warning,
    2 critical, 3 unknown) is the status, its first line the summary, and one
    performance-data value may be the signal's value."""

    # argv and env may carry passwords (`check_mysql -p ${DB_PASSWORD}`): a validation
    # error must not echo them back.
    model_config = ConfigDict(hide_input_in_errors=True)

    argv: list[str] = Field(min_length=1)
    """The command and its arguments, e.g. ["check_tcp", "-H", "bank-core", "-p", "443"].
    Run directly, never through a shell: no quoting, globbing or `;`. The first element
    is looked up on PATH, or, when it contains a "/", taken relative to the config
    file's directory. The command runs in that directory, in a process group of its own
    that is killed when the check ends or times out (the source's `timeout`)."""

    env: dict[str, str] = Field(default_factory=dict)
    """Environment variables added to (or replacing) oncall-tui's own for the command,
    e.g. { PGPASSWORD = "${DB_PASSWORD}" }."""

    kind: Literal["business", "health", "risk_rule", "dependency"] = "health"
    """Panel the signal goes to: business, health, risk_rule or dependency."""

    name: str = ""
    """Signal name; default: the source's name."""

    component: str = ""
    """What the check is about (a service, a dependency) for the probable-cause logic;
    default: the signal's name."""

    runbook: str = ""
    """Runbook: a URL, or a Markdown file path relative to the config file."""

    perfdata: str = ""
    """Label of the performance-data item (after `|` in the output) that becomes the
    signal's value, e.g. "time" for `... | time=0.35s;1;2`. Its unit of measure sets
    the unit: s/ms/us as seconds, % as percent, B/KB/MB/GB/TB as bytes, c as a count.
    Unset: the signal has no value, only the exit code's status."""

    unit: Unit = "count"
    """How the value is shown when its perfdata item has no unit of measure (or one
    oncall-tui does not know): ratio, percent, seconds, per_second, count, bool or
    bytes."""

    @field_validator("argv")
    @classmethod
    def _check_argv(cls, argv: list[str]) -> list[str]:
        if not argv[0].strip():
            raise ValueError("the first element (the command) is empty")
        if any("\0" in arg for arg in argv):
            raise ValueError("an argument contains a NUL character")
        return argv

    @field_validator("env")
    @classmethod
    def _check_env(cls, env: dict[str, str]) -> dict[str, str]:
        for name, value in env.items():
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid environment variable name")
            if "\0" in value:
                raise ValueError(f"the value of {name} contains a NUL character")
        return env

    @model_validator(mode="after")
    def _thresholds_need_a_value(self) -> Self:
        if (self.warning is not None or self.critical is not None) and not self.perfdata:
            raise ValueError(
                "warning/critical apply to a perfdata value: set perfdata to its label, "
                "or leave them out and let the exit code decide"
            )
        return self
