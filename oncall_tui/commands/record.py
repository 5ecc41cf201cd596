"""`oncall-tui record`: collect as the dashboard does, headless, into a recording."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from oncall_tui.commands import options
from oncall_tui.commands.base import FILE_COMPLETION, Command, completes, config_option

if TYPE_CHECKING:
    from oncall_tui.core.config.loader import AppConfig
    from oncall_tui.core.engine import Engine
    from oncall_tui.core.recording import Recorder

EXIT_WRITE = 1
FLUSH_EVERY = 1.0
"""Seconds between flushes: a crash loses at most this much of the recording."""


def record(config: AppConfig, out: Path, duration: float | None) -> int:
    """Record until `duration` has passed or the user interrupts; 0 then, whatever the
    signals said (a recording of an outage is a success), 1 when `out` cannot be
    written."""
    import asyncio

    from oncall_tui.core.engine import Engine
    from oncall_tui.core.recording import Header, Recorder

    engine = Engine(config, read_only=True)
    header = Header(
        title=config.title,
        started_at=time.time(),
        topology=config.topology,
        change_window=config.change_window,
    )
    try:
        recorder = Recorder(engine.store, out, header)
    except OSError as exc:
        print(f"oncall-tui: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WRITE
    how_long = f" for {duration:g}s" if duration else " until Ctrl-C"
    print(f"oncall-tui: recording to {out}{how_long}", file=sys.stderr)
    loop = asyncio.new_event_loop()
    try:
        error = loop.run_until_complete(_run(engine, recorder, duration))
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()
    with contextlib.suppress(OSError):
        recorder.close()
    if error:
        print(f"oncall-tui: cannot write {out}: {error}", file=sys.stderr)
        return EXIT_WRITE
    full = " (size limit reached: later collections were not kept)" if recorder.full else ""
    print(
        f"oncall-tui: recorded {recorder.frames} changes ({_size(out, recorder.written)}) "
        f"to {out}{full}",
        file=sys.stderr,
    )
    return 0


def _size(out: Path, written: int) -> str:
    """The file's size on disk ("222 KB"), what `ls` shows: for a `.gz` that is the
    compressed size, not the JSON written into the compressor (`written`, the fallback
    when the file cannot be read back)."""
    try:
        size = out.stat().st_size
    except OSError:
        size = written
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


async def _run(engine: Engine, recorder: Recorder, duration: float | None) -> str:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    engine.start()
    deadline = None if duration is None else time.monotonic() + duration
    error = ""
    try:
        while not stop.is_set():
            wait = FLUSH_EVERY
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            recorder.flush()
            if recorder.error:
                error = recorder.error
                break
    finally:
        await engine.stop()
    return error


def _load(path: Path | None) -> AppConfig:
    from oncall_tui.core.config.loader import load_config

    return load_config(path)


def arguments(parser: argparse.ArgumentParser) -> None:
    config_option(parser)
    out = parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="recording to write (JSON lines; gzip when it ends in .gz)",
    )
    completes(out, FILE_COMPLETION)
    parser.add_argument(
        "--for",
        dest="duration",
        type=options.duration,
        metavar="DURATION",
        help="stop after this long (e.g. 30m); default: until Ctrl-C",
    )


COMMAND = Command(
    "record",
    "collect as the dashboard does, headless, into a recording (JSON lines)",
    arguments,
    lambda args: record(_load(args.config), args.out, args.duration),
)
