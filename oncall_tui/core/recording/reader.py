"""Reading a recording, up to the damage if it is truncated or corrupt."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from oncall_tui.core.named_files import UnreadableFile, read_named_file
from oncall_tui.core.recording.format import Frame, Header, RecordingError

MAX_LINE_BYTES = 64 * 1024 * 1024
"""One frame longer than this is damage, not data."""
MAX_BYTES = 256 * 1024 * 1024
"""Most of a recording read (inflated): a hostile .gz must not inflate to gigabytes."""


@dataclass(slots=True)
class Recording:
    header: Header
    frames: list[Frame] = field(default_factory=list)
    damage: str = ""
    """Why reading stopped early ("line 812: invalid JSON"), or "" for a whole file."""

    @property
    def started_at(self) -> float:
        return self.frames[0].at if self.frames else self.header.started_at

    @property
    def ended_at(self) -> float:
        return self.frames[-1].at if self.frames else self.header.started_at


def read_recording(path: Path) -> Recording:
    """The recording at `path`. A file that is no recording at all raises
    `RecordingError`; a truncated or corrupt one is read up to the damage, which
    `Recording.damage` describes."""
    try:
        raw = read_named_file(path, MAX_BYTES, cut=True)
    except UnreadableFile as exc:
        raise RecordingError(f"{path}: {exc.reason}") from None
    damage = ""
    if raw[:2] == b"\x1f\x8b":
        raw, damage = _gunzip(raw)
    if len(raw) > MAX_BYTES:
        raw = raw[: raw.rfind(b"\n", 0, MAX_BYTES) + 1]
        damage = f"larger than {MAX_BYTES // (1024 * 1024)} MB; read up to there"
    lines = raw.split(b"\n")
    if not lines or not lines[0].strip():
        raise RecordingError(f"{path}: empty, not a recording")
    try:
        header = Header.from_json(json.loads(lines[0]))
    except (ValueError, RecursionError):
        raise RecordingError(f"{path}: not an oncall-tui recording (no header line)") from None
    recording = Recording(header)
    last = len(lines) - 1
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE_BYTES:
                raise ValueError("line too long")
            recording.frames.append(Frame.from_json(json.loads(line)))
        except (ValueError, RecursionError) as exc:
            cut = "truncated" if number - 1 == last and not raw.endswith(b"\n") else "corrupt"
            recording.damage = f"line {number}: {cut} ({_short(exc)}); read up to there"
            break
    if damage and not recording.damage:
        recording.damage = damage
    return recording


def _gunzip(raw: bytes) -> tuple[bytes, str]:
    """Everything that inflates, and what stopped it: a recording cut off by a crash
    (no gzip trailer) is the usual case, and its frames are still good."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(raw, MAX_BYTES + 1)
    except zlib.error as exc:
        return b"", f"gzip data corrupt ({exc}); nothing could be read"
    if len(data) > MAX_BYTES:
        return data, ""  # cut by the caller, which says so
    if not inflater.eof:
        return data, "gzip stream truncated; read up to the damage"
    if inflater.unused_data:
        try:
            data += gzip.decompress(inflater.unused_data)
        except (OSError, EOFError, zlib.error):
            return data, "trailing data after the gzip stream ignored"
    return data, ""


def _short(exc: BaseException) -> str:
    text = str(exc).split(":", 1)[0] if isinstance(exc, json.JSONDecodeError) else str(exc)
    return text[:80] or type(exc).__name__
