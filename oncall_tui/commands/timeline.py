"""`oncall-tui timeline FILE`: a recording printed as an incident timeline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from oncall_tui.commands.base import FILE_COMPLETION, Command, completes

EXIT_UNREADABLE = 2


def timeline(path: Path, fmt: str) -> int:
    """Print the timeline; 0 even for a damaged recording read up to the damage (the
    damage is said in the output and on stderr), 2 when it is no recording at all."""
    from oncall_tui.core.recording import RecordingError, read_recording
    from oncall_tui.core.recording.timeline import build_timeline, render_json, render_markdown

    try:
        recording = read_recording(path)
    except RecordingError as exc:
        print(f"oncall-tui: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for note in recording.notes:
        print(f"oncall-tui: {path}: {note}", file=sys.stderr)
    built = build_timeline(recording)
    if fmt == "json":
        print(json.dumps(render_json(built), indent=2, ensure_ascii=False))
    else:
        print(render_markdown(built), end="")
    return 0


def arguments(parser: argparse.ArgumentParser) -> None:
    recording = parser.add_argument(
        "file", type=Path, metavar="FILE", help="a recording made by `record`"
    )
    completes(recording, FILE_COMPLETION)
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")


COMMAND = Command(
    "timeline",
    "print a recording as an incident timeline (markdown or json)",
    arguments,
    lambda args: timeline(args.file, args.format),
)
