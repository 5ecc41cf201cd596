"""Writing a recording while the engine collects (`oncall-tui record`)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import IO

from oncall_tui.core.recording.format import (
    Header,
    frame_to_json,
    signal_to_json,
    source_to_json,
)
from oncall_tui.core.signals.store import SignalStore

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""A recording stops growing here (uncompressed): a forgotten `record` must not fill the
disk of a bastion host."""


class Recorder:
    """Listens to a store and appends a frame for every change it announces.

    Opening the file happens in the constructor, so a path that cannot be written is
    reported before any collection starts.
    """

    def __init__(
        self,
        store: SignalStore,
        path: Path,
        header: Header,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.store = store
        self.path = path
        self.max_bytes = max_bytes
        self.written = 0
        self.frames = 0
        self.full = False
        """Set once `max_bytes` is reached: later frames are dropped, and `record` says so."""
        self.error = ""
        """Why writing failed (disk full), once it has: later frames are dropped."""
        self._sources: dict[str, dict[str, object]] = {}
        self._file: IO[str] = _open(path)
        self._write(header.to_json())
        store.subscribe(self._on_change)

    def _on_change(self, changed: set[str]) -> None:
        store = self.store
        signals: list[dict[str, object]] = []
        gone: list[str] = []
        sources: list[dict[str, object]] = []
        for key in sorted(changed):
            signal = store.signals.get(key)
            if signal is None:
                gone.append(key)
            else:
                signals.append(signal_to_json(signal))
        for state in store.sources:
            encoded = source_to_json(state)
            if self._sources.get(state.name) != encoded:
                self._sources[state.name] = encoded
                sources.append(encoded)
        if signals or gone or sources:
            self._write(frame_to_json(store.clock(), signals, gone, sources))
            self.frames += 1

    def _write(self, data: dict[str, object]) -> None:
        if self.full or self.error:
            return
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        if self.written + len(line) > self.max_bytes:
            self.full = True
            return
        try:
            self._file.write(line)
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            return
        self.written += len(line)

    def flush(self) -> None:
        """Push what was written to the disk; a failure is kept in `error`."""
        if self.error:
            return
        try:
            self._file.flush()
        except OSError as exc:
            self.error = exc.strerror or str(exc)

    def close(self) -> None:
        self.store.unsubscribe(self._on_change)
        self._file.close()


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "wb"), encoding="utf-8")
    return path.open("w", encoding="utf-8")
