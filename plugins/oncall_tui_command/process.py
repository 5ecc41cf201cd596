"""Running one check command: asyncio subprocess, capped output, nothing left behind.

The command gets a session (and so a process group) of its own. Whatever happens — it
exits, it times out, the engine cancels the collection — the whole group is killed, so a
check that forks (`check_by_ssh`, a shell script with a pipeline) leaves no orphan
holding a pipe or a connection open on a bastion that runs for weeks.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.plugin import SourceError, format_duration

MAX_OUTPUT = 64 * 1024
"""Bytes kept of each of stdout and stderr; the rest is read and dropped so a chatty
check never blocks on a full pipe."""

_CHUNK = 16 * 1024
_FIRST_POLL = 0.002
_POLL = 0.05
_REAP_GRACE = 2.0
"""Seconds to wait for a killed process to be reaped (SIGKILL is immediate unless the
process is stuck in the kernel, e.g. on a dead NFS mount)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the command ended, and what it printed."""

    returncode: int | None
    """The exit code; negative: killed by that signal; None: it timed out."""
    stdout: str
    stderr: str
    truncated: bool


def resolve(command: str, env: Mapping[str, str], cwd: Path) -> str:
    """The executable to run: `command` on the PATH of `env`, or relative to `cwd` when
    it contains a "/". Raises SourceError (the plugin cannot run) when there is none."""
    if "/" in command:
        path = cwd / command
        if not path.exists():
            raise SourceError(f"command not found: {path}")
        if path.is_dir():
            raise SourceError(f"cannot run {path}: it is a directory")
        return str(path)
    found = shutil.which(command, path=env.get("PATH", os.defpath))
    if found is None:
        raise SourceError(f"command {command!r} not found on PATH")
    return found


async def run(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, deadline: float
) -> Outcome:
    """Run `argv` (resolved) until it exits or `deadline` seconds pass."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        raise SourceError(_start_error(argv[0], exc)) from None
    assert process.stdout is not None and process.stderr is not None
    readers = asyncio.gather(_read(process.stdout), _read(process.stderr))
    try:
        try:
            async with asyncio.timeout(deadline):
                returncode: int | None = await _exited(process)
        except TimeoutError:
            returncode = None
        # The check is over: its leftovers go with it, which also closes the pipes
        # they inherited, so the readers see the end of the output.
        _kill_group(process.pid)
        try:
            async with asyncio.timeout(_REAP_GRACE):
                if returncode is None:
                    await _exited(process)
                (out, out_cut), (err, err_cut) = await readers
        except TimeoutError:
            raise SourceError(
                f"{argv[0]}, or something it started, still holds its output open after "
                "the kill (a daemon in a session of its own?)"
            ) from None
    except BaseException:
        # Cancelled by the engine's deadline, or the pipes never closed: nothing of
        # the check may outlive the collection.
        _kill_group(process.pid)
        readers.cancel()
        raise
    return Outcome(returncode, _text(out), _text(err), out_cut or err_cut)


async def _exited(process: asyncio.subprocess.Process) -> int:
    """The exit code, as soon as the process has exited. Not `process.wait()`: that
    also waits for the pipes to close, which a left-behind child holding them would
    put off until the deadline. Polled (asyncio offers no public exit event), often at
    first so a quick check is not held up by the poll."""
    delay = _FIRST_POLL
    while process.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, _POLL)
    return process.returncode


async def _read(stream: asyncio.StreamReader) -> tuple[bytes, bool]:
    kept = bytearray()
    truncated = False
    while chunk := await stream.read(_CHUNK):
        room = MAX_OUTPUT - len(kept)
        if len(chunk) > room:
            truncated = True
        if room > 0:
            kept += chunk[:room]
    return bytes(kept), truncated


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _text(data: bytes) -> str:
    # Undecodable bytes become visible escapes; control characters are the store's
    # sanitiser's job.
    return data.decode("utf-8", errors="backslashreplace")


def _start_error(command: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"cannot run {command}: permission denied (is it executable?)"
    if exc.errno == errno.ENOEXEC:
        return f"cannot run {command}: not an executable format (a script without #!?)"
    if isinstance(exc, FileNotFoundError):
        return f"cannot run {command}: {exc.strerror or 'not found'} (a #! interpreter missing?)"
    return f"cannot run {command}: {exc.strerror or exc}"


def describe_timeout(deadline: float) -> str:
    return f"timed out after {format_duration(deadline)} (the command was killed)"
