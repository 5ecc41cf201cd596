"""The real `oncall-tui` in a pseudo-terminal, every byte it writes kept.

What a terminal emulator receives is what an attacker who controls a source's text
would aim at: these tests read it raw (did a source's ESC or OSC 52 reach the
terminal?) and as text with the terminal's own escape sequences stripped (what was
written), or through a real terminal emulator (pyte: what the screen shows now).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pyte
import pytest

from waiting import WaitTimeout, wait_until

# A terminal's escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# DCS/APC/PM/SOS strings, and two-byte escapes (ESC 7, ESC =, ...).
_SEQUENCE = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"
    rb"|\x1b[ -/]*[0-~]"
)


def visible_text(raw: bytes) -> str:
    """`raw` without the terminal's escape sequences: each piece of text the program
    wrote in one go stays in one piece, which is what the assertions look for."""
    return _SEQUENCE.sub(b"", raw).decode("utf-8", errors="replace")


class PtyApp:
    """A program on the slave side of a pty of `rows` x `cols`; a thread drains the
    master as a terminal emulator would (a full pty buffer would block the program)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        rows: int = 40,
        cols: int = 120,
        cwd: str | None = None,
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._output = bytearray()
        self._lock = threading.Lock()
        self._screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self._screen)
        self._fed = 0
        """Bytes of the output the emulator has seen: it reads them only when asked."""
        self._arrivals: list[tuple[int, float]] = []
        """(length of the output after a chunk, when the chunk was read), oldest first."""
        self._fed_chunks = 0
        self._fed_at = 0.0
        """How many chunks the emulator has seen, and when the last of them was read."""
        try:
            self.process = subprocess.Popen(
                list(argv),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                chunk = os.read(self.master, 65536)
            except (OSError, ValueError):  # EIO once the program is gone, or closed
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk
                self._arrivals.append((len(self._output), time.monotonic()))

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    @property
    def text(self) -> str:
        return visible_text(self.raw)

    @property
    def screen(self) -> str:
        """The screen as a terminal shows it now, a line per row. Unlike `text`, a row
        repainted only up to its last changed cell reads whole here."""
        with self._lock:
            self._stream.feed(bytes(self._output[self._fed :]))
            self._fed = len(self._output)
            self._fed_chunks = len(self._arrivals)
            if self._arrivals:
                self._fed_at = self._arrivals[-1][1]
            return "\n".join(self._screen.display)

    def first_arrival(self, condition: Callable[[str], bool]) -> float | None:
        """When (monotonic) the chunk was read after which the screen first met
        `condition`, or None if it does not yet. The emulator is fed a chunk at a time,
        so a program's latency excludes the time this process takes to parse its bytes
        (tens of milliseconds for a full frame)."""
        with self._lock:
            base = self._fed
            output = bytes(self._output[base:])
            pending = self._arrivals[self._fed_chunks :]
        if condition("\n".join(self._screen.display)):
            return self._fed_at
        for end, at in pending:
            self._stream.feed(output[self._fed - base : end - base])
            self._fed, self._fed_at = end, at
            self._fed_chunks += 1
            if condition("\n".join(self._screen.display)):
                return at
        return None

    def wait_for(self, condition: Callable[[str], object], timeout: float, what: str) -> str:
        """Poll the visible text until `condition(text)` holds; fail with the tail."""

        def met() -> str | None:
            text = self.text
            if condition(text):
                return text or " "
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the app exited ({self.process.returncode}) waiting for {what}:\n"
                    + text[-3000:]
                )
            return None

        try:
            return wait_until(met, timeout, what=what)
        except WaitTimeout:
            if os.environ.get("PTY_APP_DUMP"):
                Path(os.environ["PTY_APP_DUMP"]).write_bytes(self.raw)
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what}:\n" + self.text[-3000:]
            ) from None

    def resize(self, rows: int, cols: int) -> None:
        """The terminal resized, as a window manager does: the new size, then SIGWINCH
        (which the kernel sends only to a terminal's controlling process)."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.process.pid, signal.SIGWINCH)

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """Kill what is still running (its whole group), stop reading, free the pty."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._reader.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self.master)


@pytest.fixture
def pty_apps() -> Iterator[list[PtyApp]]:
    """Apps a test starts (append them); each closed at the end, whatever happened."""
    started: list[PtyApp] = []
    yield started
    for app in started:
        app.close()
