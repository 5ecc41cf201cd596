"""`oncall-tui check`: collect every source once, print, exit by the worst status."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from oncall_tui.commands.base import Command, config_option

if TYPE_CHECKING:
    from oncall_tui.core.config.loader import AppConfig
    from oncall_tui.core.signals.store import SignalStore
    from oncall_tui.core.triage.causes import Diagnosis

Renderer = Callable[["SignalStore", "Diagnosis", float, "AppConfig"], str]


def _json(store: SignalStore, diagnosis: Diagnosis, now: float, config: AppConfig) -> str:
    from oncall_tui.core.present.report import render_json

    return render_json(store, now, diagnosis)


def _text(store: SignalStore, diagnosis: Diagnosis, now: float, config: AppConfig) -> str:
    from oncall_tui.core.present.report import render_text

    return render_text(store, diagnosis=diagnosis, now=now, change_window=config.change_window)


RENDERERS: dict[str, Renderer] = {"text": _text, "json": _json}
"""Output formats: a new one is one entry here (the first is the default)."""


def arguments(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    parser.add_argument("--format", choices=tuple(RENDERERS), default=next(iter(RENDERERS)))


def check(args: argparse.Namespace) -> int:
    from oncall_tui.core import start_gc

    # Off while the modules load; on again, over only what comes after, to collect.
    start_gc.hold()
    from oncall_tui.core.config.config_text import config_text, configured_plugins
    from oncall_tui.core.sources.registry import default_registry

    read = config_text(args.config)
    # Before the heavy imports below: the host plugin's CPU window then opens ~0.3 s
    # before the collection instead of just before it.
    default_registry.prepare(configured_plugins(read.text))

    import asyncio

    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine
    from oncall_tui.core.triage.causes import store_diagnosis

    config = load_config(read=read)
    engine = Engine(config, read_only=True)
    start_gc.release(collect=False)

    async def collect() -> None:
        try:
            await engine.collect_settled()
        finally:
            await engine.stop()

    # Not asyncio.run(): at exit it waits for every task, and a plugin that ignores
    # cancellation would hang `check` forever after its deadline was already reported.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(collect())
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()
    store = engine.store
    diagnosis = store_diagnosis(store, config.topology, config.change_window)
    _write_report(RENDERERS[args.format](store, diagnosis, time.time(), config))
    if diagnosis.unmatched:
        # Knowable only once signals exist, hence here and not in `validate`.
        names = ", ".join(diagnosis.unmatched)
        print(f"warning: topology names matching no signal: {names}", file=sys.stderr)
    return store.overall().exit_code


def _write_report(text: str) -> None:
    """`check`'s report on stdout. A reader that went away (`check | true`, `| head`)
    does not change the answer: the exit code is still the status, which is what a
    script or a monitoring system reads, so a closed pipe is not turned into success."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null: the interpreter flushes it again at exit, and a
        # second BrokenPipeError there would turn the exit code into 120.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


COMMAND = Command(
    "check",
    "collect every source once, print the result, exit 0/1/2/3 (ok/warning/critical/unknown)",
    arguments,
    check,
)
