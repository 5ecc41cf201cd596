"""Reading a recording, up to the damage if it is truncated, corrupt or too big.

A recording is a file anyone may hand over, so reading it is bounded whatever it holds:
the text is inflated in steps and counted across every gzip member (`MAX_BYTES`), a line
is cut off at `MAX_LINE_BYTES` before it is parsed, runs of empty lines cost no object
each, every frame is checked once (`validate.Checker`), and what is held is capped
(`MAX_RECORDS` frames, signals and source states; the store's per-source cap of signals
per frame). Past any bound, reading stops and `Recording.damage` says where and why.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from oncall_tui.core.named_files import UnreadableFile, open_named_file
from oncall_tui.core.recording.fields import Malformed
from oncall_tui.core.recording.format import Header, RecordingError
from oncall_tui.core.recording.validate import Checker, Frame
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE

MAX_BYTES = 256 * 1024 * 1024
"""Most of a recording read (inflated, all gzip members together): a hostile .gz must
not inflate to gigabytes. The recorder stops writing at 200 MiB."""
MAX_LINE_BYTES = 16 * 1024 * 1024
"""One frame longer than this is damage, not data: parsing it would cost about ten
times its size. A frame of 10,000 signals (a source at the store's cap) is about 7 MB."""
MAX_RECORDS = 500_000
"""Frames, signals, gone keys and source states read, together: what a recording costs
in memory and in replay time is about this, not its size on disk. The recorder's 200 MiB
of a busy demo session hold about 400,000."""
BYTES_PER_RECORD = 16
"""...and at most one record per this many bytes of the file, past `MIN_RECORDS`: a
gzipped recording of a real session takes about 24 bytes per record (the demo, whose
frames repeat the most), a bomb of tiny frames 2, so a small file cannot cost what a
large one may (1 MB: 65,536 records, a few seconds on a loaded machine)."""
MIN_RECORDS = 50_000
STEP = 64 * 1024
"""Bytes read, and inflated, at a time."""
_NEWLINES = re.compile(rb"\n+")
_DECODER = json.JSONDecoder()


@dataclass(slots=True)
class Recording:
    header: Header
    frames: list[Frame] = field(default_factory=list)
    damage: str = ""
    """Why reading stopped early ("line 812: invalid JSON"), or "" for a whole file."""
    cut: int = 0
    """Signals past the store's per-source cap in a frame: not read (the store would
    not hold them either)."""

    @property
    def started_at(self) -> float:
        return self.frames[0].at if self.frames else self.header.started_at

    @property
    def ended_at(self) -> float:
        return self.frames[-1].at if self.frames else self.header.started_at

    @property
    def notes(self) -> list[str]:
        """What a reader of the recording must be told: its damage, signals not read."""
        notes = [self.damage] if self.damage else []
        if self.cut:
            notes.append(
                f"{self.cut} signals past {MAX_SIGNALS_PER_SOURCE} of one source in a "
                "frame not read"
            )
        return notes


def read_recording(path: Path) -> Recording:
    """The recording at `path`. A file that is no recording at all raises
    `RecordingError`; a truncated, corrupt or oversized one is read up to the damage,
    which `Recording.damage` describes."""
    try:
        with open_named_file(path) as file:  # a FIFO or /dev/zero is refused unread
            return _read(file, path)
    except UnreadableFile as exc:
        raise RecordingError(f"{path}: {'no such file' if exc.missing else exc.reason}") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read(file: BinaryIO, path: Path) -> Recording:
    text = _Text(file)
    lines = _lines(text)
    first = next(lines, None)
    if first is None or first[0] != 1:
        raise RecordingError(f"{path}: {text.damage or 'empty, not a recording'}")
    try:
        if first[2] is None:
            raise ValueError("the first line is longer than any header")
        header = Header.from_json(_DECODER.decode(first[2].decode()))
    except (ValueError, RecursionError):
        raise RecordingError(f"{path}: not an oncall-tui recording (no header line)") from None
    except RecordingError as exc:
        raise RecordingError(f"{path}: {exc}") from None
    recording = Recording(header)
    checker = Checker(base=path.resolve().parent, per_source=MAX_SIGNALS_PER_SOURCE)
    size = os.fstat(file.fileno()).st_size
    budget = min(MAX_RECORDS, max(MIN_RECORDS, size // BYTES_PER_RECORD))
    held = 0
    for number, ended, line in lines:
        if line is None:
            mb = MAX_LINE_BYTES // (1024 * 1024)
            recording.damage = f"line {number}: longer than {mb} MB; read up to there"
            return recording
        try:
            frame = checker.frame(_DECODER.decode(line.decode()))
        except (ValueError, RecursionError) as exc:
            cut = "truncated" if not ended else "corrupt"
            recording.damage = f"line {number}: {cut} ({_short(exc)}); read up to there"
            return recording
        held += frame.records
        if held > budget:
            recording.damage = (
                f"line {number}: more than {budget:,} frames and signals for a file of "
                f"{_size(size)}; read up to there"
            )
            return recording
        recording.cut += frame.cut
        if not frame.empty:  # a frame that changes nothing costs nothing to keep
            recording.frames.append(frame)
    recording.damage = text.damage
    return recording


class _Text:
    """The inflated text of a recording, in pieces: every gzip member is inflated in
    steps and all of them count against one cap. `damage` says what stopped it early."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.damage = ""
        self.total = 0

    def __iter__(self) -> Iterator[bytes]:
        start = self.file.read(STEP)
        pieces = self._gunzip(start) if start[:2] == b"\x1f\x8b" else self._plain(start)
        for piece in pieces:
            self.total += len(piece)
            if self.total > MAX_BYTES:
                yield piece[: len(piece) - (self.total - MAX_BYTES)]
                self.damage = f"larger than {MAX_BYTES // (1024 * 1024)} MB; read up to there"
                return
            yield piece

    def _plain(self, start: bytes) -> Iterator[bytes]:
        data = start
        while data:
            yield data
            data = self.file.read(STEP)

    def _gunzip(self, data: bytes) -> Iterator[bytes]:
        """Everything that inflates, member after member: a recording cut off by a crash
        (no gzip trailer) is the usual damage, and its frames are still good."""
        inflater = zlib.decompressobj(wbits=31)
        while True:
            if not data:
                data = self.file.read(STEP)
                if not data:
                    if not inflater.eof:
                        self.damage = "gzip stream truncated; read up to the damage"
                    return
            try:
                piece = inflater.decompress(data, STEP)
            except zlib.error as exc:
                self.damage = f"gzip data corrupt ({exc}); read up to the damage"
                return
            data = inflater.unconsumed_tail
            if piece:
                yield piece
            if inflater.eof:
                # Another member may follow (`cat a.gz b.gz`, or an appended one): it
                # counts against the same cap as the first.
                data = inflater.unused_data + data
                if not data:
                    data = self.file.read(STEP)
                if not data:
                    return
                if data[:2] != b"\x1f\x8b":
                    self.damage = "trailing data after the gzip stream ignored"
                    return
                inflater = zlib.decompressobj(wbits=31)


def _lines(text: _Text) -> Iterator[tuple[int, bool, bytes | None]]:
    """(line number, whether it ended with a newline, the line), for every line with
    something on it; None for a line longer than `MAX_LINE_BYTES`, which ends the text.
    A run of empty lines is skipped in one step, never an object per line."""
    number = 1
    pending = bytearray()
    for piece in text:
        position, size = 0, len(piece)
        while position < size:
            end = piece.find(b"\n", position)
            if end == position:
                if pending:
                    yield number, True, bytes(pending)
                    pending.clear()
                run = _NEWLINES.match(piece, position)
                assert run is not None
                number += run.end() - position
                position = run.end()
                continue
            pending += piece[position : size if end < 0 else end]
            if len(pending) > MAX_LINE_BYTES:
                yield number, False, None
                return
            position = size if end < 0 else end
    if pending:
        yield number, False, bytes(pending)


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _short(exc: BaseException) -> str:
    if isinstance(exc, Malformed):
        return str(exc)[:200]
    text = str(exc).split(":", 1)[0] if isinstance(exc, json.JSONDecodeError) else str(exc)
    return text[:80] or type(exc).__name__
