"""`oncall-tui replay FILE`: a recording on the dashboard, read-only, on its own clock."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_tui.commands import options
from oncall_tui.commands.base import FILE_COMPLETION, Command, completes

EXIT_UNREADABLE = 2


def replay(path: Path, speed: float) -> int:
    """The dashboard playing `path`; 2 when it is no recording, or without a terminal.
    A damaged recording plays up to the damage, which is said first."""
    from oncall_tui.core.recording import RecordingError, read_recording
    from oncall_tui.core.recording.player import Player

    try:
        recording = read_recording(path)
    except RecordingError as exc:
        print(f"oncall-tui: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if not recording.frames:
        print(f"oncall-tui: {path}: the recording holds no collection", file=sys.stderr)
        return EXIT_UNREADABLE
    for note in recording.notes:
        print(f"oncall-tui: {path}: {note}", file=sys.stderr)
    from oncall_tui.ui.terminal import EXIT_NO_TERMINAL, missing_terminal, release_streams

    problem = missing_terminal()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_TERMINAL
    from oncall_tui.ui.replay_app import ReplayApp

    app = ReplayApp(Player(recording, speed=speed))
    app.run()
    release_streams()
    return app.return_code or 0


def arguments(parser: argparse.ArgumentParser) -> None:
    recording = parser.add_argument(
        "file", type=Path, metavar="FILE", help="a recording made by `record`"
    )
    completes(recording, FILE_COMPLETION)
    parser.add_argument(
        "--speed",
        type=options.speed,
        default=1.0,
        metavar="N",
        help="N times real time (default 1)",
    )


COMMAND = Command(
    "replay",
    "play a recording on the dashboard (read-only, REPLAY badge)",
    arguments,
    lambda args: replay(args.file, args.speed),
)
