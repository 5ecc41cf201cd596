"""`oncall-tui handoff`: the shift handover, from the config's sources or a recording.

Live, it asks every Prometheus source of the config for its `ALERTS` history over the
window (`query_range`, one step per ~minute: durations to the minute), collects every
source once as `check` does (what fires now, the acks, maintenance, change markers),
and lists the Alertmanagers' active silences. Exit 0 when written (whatever fires), 1
when no source answered, 2 for usage or config mistakes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from oncall_tui.commands.base import FILE_COMPLETION, Command, completes, config_option
from oncall_tui.commands.options import duration

if TYPE_CHECKING:
    from oncall_tui.core.engine import Engine
    from oncall_tui.core.present.handoff import Episode, Handoff
    from oncall_tui.core.sources.contract import Plugin, PluginConfig

EXIT_NOTHING = 1
EXIT_USAGE = 2
MAX_STEPS = 1000
"""Points per series asked of Prometheus: a minute apart for a day, coarser beyond."""
MIN_STEP = 5.0
"""Finest step: ALERTS to within 5 s over a short window (staleness markers end a
resolved series at once, so a step finer than the rule interval adds no false gaps)."""
MAX_SINCE = 31 * 86400.0


def handoff(config_path: Path | None, file: Path | None, since: float, fmt: str) -> int:
    """Print the handover of the last `since` seconds; the exit code (see above)."""
    import asyncio

    if file is not None and config_path is not None:
        print("oncall-tui: handoff: give --config or FILE, not both", file=sys.stderr)
        return EXIT_USAGE
    if not 0 < since <= MAX_SINCE:
        print("oncall-tui: handoff: --since must be above 0s and at most 31d", file=sys.stderr)
        return EXIT_USAGE
    if file is not None:
        return _from_recording(file, since, fmt)
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine

    config = load_config(config_path)
    loop = asyncio.new_event_loop()
    try:
        built = loop.run_until_complete(_live(Engine(config, read_only=True), config.title, since))
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()
    if built is None:
        print("oncall-tui: handoff: no source answered", file=sys.stderr)
        return EXIT_NOTHING
    _print(built, fmt)
    return 0


def _from_recording(path: Path, since: float, fmt: str) -> int:
    from oncall_tui.core.recording import RecordingError, read_recording
    from oncall_tui.core.recording.handoff import handoff_from_recording

    try:
        recording = read_recording(path)
    except RecordingError as exc:
        print(f"oncall-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print(handoff_from_recording(recording, since), fmt)
    return 0


def _print(built: Handoff, fmt: str) -> None:
    from oncall_tui.core.present.handoff import render_json, render_markdown

    if fmt == "json":
        print(json.dumps(render_json(built), indent=2, ensure_ascii=False))
    else:
        print(render_markdown(built), end="")


async def _live(engine: Engine, title: str, since: float) -> Handoff | None:
    from oncall_tui.core.gate import ActionRefused
    from oncall_tui.core.present.handoff import (
        Handoff,
        changes_in,
        firing_now,
        maintenance_in_force,
        silence_note,
    )
    from oncall_tui.core.sources.errors import SourceError
    from oncall_tui.core.sources.plugin_actions import OperationFailed

    until = time.time()
    built = Handoff(title, until - since, until, "no ALERTS history")
    try:
        await engine.collect_settled()
        answered = False
        for name, runner in engine.runners.items():
            plugin = runner.plugin
            if plugin is None or runner.spec.plugin != "prometheus":
                continue
            try:
                episodes, problem = await _alerts_history(plugin, since, until)
            except SourceError as exc:
                built.problems.append(f"{name}: ALERTS history: {exc}")
                continue
            answered = True
            built.history = "Prometheus ALERTS"
            built.episodes += episodes
            if problem:
                built.problems.append(f"{name}: {problem}")
        for offer in engine.actions.offers():
            if offer.spec.name != "silences":
                continue
            try:
                result = await engine.actions.run(offer.source, "silences")
            except (OperationFailed, ActionRefused) as exc:
                built.problems.append(str(exc))
                continue
            built.silences += [silence_note(row) for row in result.rows]
    finally:
        await engine.stop()
    store = engine.store
    sources = store.sources
    answered = answered or any(s.ok for s in sources)
    if not answered:
        return None
    signals = list(store.signals.values())
    built.episodes.sort(key=lambda e: (e.start, e.name))
    built.firing = firing_now(signals)
    built.changes = changes_in(signals, built.since, until)
    built.maintenance = maintenance_in_force(signals, store.maintenance.notices, until)
    for state in sources:
        if state.ok is False:
            built.problems.append(f"source {state.name} failing: {state.error}")
        elif "down" in state.note:
            built.problems.append(f"source {state.name}: {state.note}")
    return built


async def _alerts_history(
    plugin: Plugin[PluginConfig], since: float, until: float
) -> tuple[list[Episode], str]:
    from oncall_tui.core.http import HTTPOptions, client_for, get_json
    from oncall_tui.core.present.handoff import episodes_from_matrix
    from oncall_tui.core.sources.errors import SourceError

    config, context = plugin.config, plugin.context
    if not isinstance(config, HTTPOptions):
        raise SourceError("not an HTTP source")
    step = max(MIN_STEP, since / MAX_STEPS)
    params = {
        "query": 'ALERTS{alertstate="firing"}',
        "start": f"{until - since:.3f}",
        "end": f"{until:.3f}",
        "step": f"{step:g}",
    }
    async with client_for(config, context) as client:
        payload = await get_json(client, f"{config.url}/api/v1/query_range", params=params)
    if isinstance(payload, dict) and payload.get("status") == "error":
        raise SourceError(str(payload.get("error", "query failed"))[:200])
    return episodes_from_matrix(payload, step, until)


def arguments(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    recording = parser.add_argument(
        "file", type=Path, nargs="?", metavar="FILE", help="a recording"
    )
    completes(recording, FILE_COMPLETION)
    parser.add_argument(
        "--since", type=duration, default=12 * 3600.0, help="how far back (default 12h)"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")


COMMAND = Command(
    "handoff",
    "the shift handover: what fired and for how long, who acked what, changes, maintenance",
    arguments,
    lambda args: handoff(args.config, args.file, args.since, args.format),
    description="The shift handover from Prometheus' ALERTS history and the config's sources "
    "(or from a recording FILE); its first three lines are a summary to paste into a chat.",
)
