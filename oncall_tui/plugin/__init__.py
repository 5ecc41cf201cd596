"""The plugin contract: everything a data-source plugin implements and returns.

A complete plugin:

    import os
    from collections.abc import Sequence

    from oncall_tui.plugin import Kind, Plugin, PluginConfig, Reading, ThresholdOptions

    class QueueConfig(PluginConfig, ThresholdOptions):
        path: str
        \"\"\"Spool directory whose backlog is watched.\"\"\"

    class QueuePlugin(Plugin[QueueConfig]):
        description = "Files waiting in a spool directory"

        def kinds(self) -> frozenset[Kind]:
            return frozenset({"health"})

        async def collect(self) -> Sequence[Reading]:
            count = await self.context.run_blocking(lambda: len(os.listdir(self.config.path)))
            return [Reading(key="backlog", kind="health", name="spool backlog",
                            value=count, thresholds=self.config.thresholds())]

registered in the plugin's `pyproject.toml`:

    [project.entry-points."oncall_tui.plugins"]
    queue = "my_package:QueuePlugin"

The config model is the one named in `Plugin[...]`. The engine owns scheduling,
deadlines, backoff, sanitising and status; a plugin only observes. A source that decides
the status itself (a check that passed or failed) returns `Reading(status=...)` and no
thresholds. HTTP sources take their options, client and requests from
`oncall_tui.plugin.http`; `oncall_tui.plugin.testing` collects a plugin once, as
`oncall-tui check` does, for its tests. Nothing here imports Textual: plugins run
headless (`oncall-tui check`).
"""

from __future__ import annotations

import importlib
from typing import Any

from oncall_tui.core.config.durations import Duration, format_duration, parse_duration
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.triage_text import ack_words, maintenance_words
from oncall_tui.core.sanitize import MAX_LINE, sanitize
from oncall_tui.core.signals.model import (
    KINDS,
    RECOVER_FOR,
    UNITS,
    Ack,
    Kind,
    Maintenance,
    Reading,
    Status,
    Thresholds,
    Unit,
    as_number,
)
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE
from oncall_tui.core.signals.team import ACK_PREFIX, is_ack, is_maintenance, maintenance_text
from oncall_tui.core.sources.blocking import (
    BlockingRunner,
    BlockingStillRunning,
    without_cycle_collector,
)
from oncall_tui.core.sources.contract import Plugin, PluginConfig, SourceContext
from oncall_tui.core.sources.courtesy import Courtesy
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.option_groups import ThresholdOptions
from oncall_tui.core.sources.plugin_actions import (
    ActionFailed,
    ActionResult,
    ActionSpec,
    ActionTarget,
    OperationFailed,
    OperationResult,
    OperationSpec,
    OperationTarget,
)
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.core.sources.templates import LabelTemplate, RunbookTemplate, Template

__all__ = [
    "ACK_PREFIX",
    "KINDS",
    "MAX_LINE",
    "MAX_SIGNALS_PER_SOURCE",
    "RECOVER_FOR",
    "UNITS",
    "Ack",
    "ActionFailed",
    "ActionResult",
    "ActionSpec",
    "ActionTarget",
    "BlockingRunner",
    "BlockingStillRunning",
    "Courtesy",
    "Duration",
    "Kind",
    "LabelTemplate",
    "Maintenance",
    "OperationFailed",
    "OperationResult",
    "OperationSpec",
    "OperationTarget",
    "Plugin",
    "PluginConfig",
    "Reading",
    "Runbook",
    "RunbookTemplate",
    "SourceContext",
    "SourceError",
    "Status",
    "Template",
    "ThresholdOptions",
    "Thresholds",
    "Unit",
    "ack_words",
    "as_number",
    "format_duration",
    "format_value",
    "is_ack",
    "is_maintenance",
    "maintenance_text",
    "maintenance_words",
    "parse_duration",
    "sanitize",
    "without_cycle_collector",
]


def __getattr__(name: str) -> Any:
    """The HTTP helpers this module exported before they had their own module
    (`oncall_tui.plugin.http`): still importable from here, so a third-party plugin
    written then keeps working."""
    # import_module, not `from oncall_tui.plugin import http`: that would ask this very
    # function for `http` before the submodule is loaded.
    http = importlib.import_module("oncall_tui.plugin.http")
    if name in http.__all__:
        return getattr(http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
