"""Everything a data-source plugin needs, from one import.

A complete plugin:

    from collections.abc import Sequence
    from oncall_tui.plugin import Kind, Plugin, PluginConfig, Reading, ThresholdOptions

    class QueueConfig(PluginConfig, ThresholdOptions):
        path: str
        \"\"\"Spool directory whose backlog is watched.\"\"\"

    class QueuePlugin(Plugin[QueueConfig]):
        Config = QueueConfig
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

The engine owns scheduling, deadlines, backoff, sanitising and status; a plugin only
observes. Nothing here imports Textual: plugins run headless (`oncall-tui check`).
"""

from __future__ import annotations

from oncall_tui.core.config.durations import Duration, format_duration, parse_duration
from oncall_tui.core.http import (
    HTTPOptions,
    HTTPStatusError,
    ProbeResult,
    ReadOnlyError,
    build_client,
    client_for,
    get_bytes,
    get_json,
    get_text,
    probe,
    send_json,
)
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.triage_text import ack_words, maintenance_words
from oncall_tui.core.sanitize import MAX_LINE, sanitize
from oncall_tui.core.signals.model import (
    KINDS,
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
from oncall_tui.core.signals.team import ACK_PREFIX, is_ack, is_maintenance, maintenance_text
from oncall_tui.core.sources.blocking import BlockingRunner, BlockingStillRunning
from oncall_tui.core.sources.contract import Plugin, PluginConfig, SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.option_groups import ThresholdOptions
from oncall_tui.core.sources.plugin_actions import (
    ActionFailed,
    ActionResult,
    ActionSpec,
    ActionTarget,
)
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.core.sources.templates import LabelTemplate, RunbookTemplate, Template

__all__ = [
    "ACK_PREFIX",
    "KINDS",
    "MAX_LINE",
    "UNITS",
    "Ack",
    "ActionFailed",
    "ActionResult",
    "ActionSpec",
    "ActionTarget",
    "BlockingRunner",
    "BlockingStillRunning",
    "Duration",
    "HTTPOptions",
    "HTTPStatusError",
    "Kind",
    "LabelTemplate",
    "Maintenance",
    "Plugin",
    "PluginConfig",
    "ProbeResult",
    "ReadOnlyError",
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
    "build_client",
    "client_for",
    "format_duration",
    "format_value",
    "get_bytes",
    "get_json",
    "get_text",
    "is_ack",
    "is_maintenance",
    "maintenance_text",
    "maintenance_words",
    "parse_duration",
    "probe",
    "sanitize",
    "send_json",
]
