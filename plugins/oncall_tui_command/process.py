"""Running one check command: asyncio subprocess, capped output, nothing left behind.

The command gets a session (and so a process group) of its own. Whatever happens — it
exits, it times out, the engine cancels the collection — the whole group is killed, so a
check that forks (`check_by_ssh`, a shell script with a pipeline) leaves no orphan
holding a pipe or a connection open on a bastion that runs for weeks.

A child that leaves the group (`setsid`, a daemon's double fork) escapes that kill, and
one per run added up (22 after 30 s, all outliving the app). So each run also carries a
mark in its environment (`CHECK_MARK`), which every descendant inherits whatever group
or session it moves to; once the check is over, every process still carrying the mark
is killed (`sweep`), and the plugin's close sweeps its own marks once more. A child
that scrubs its whole environment is out of reach (Linux gives no other handle on an
orphan short of a cgroup).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import shutil
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall_tui.plugin import BlockingRunner, SourceError, format_duration

MAX_OUTPUT = 64 * 1024
"""Bytes kept of each of stdout and stderr; the rest is read and dropped so a chatty
check never blocks on a full pipe."""

_REAP_GRACE = 2.0
"""Seconds to wait for a killed process to be reaped (SIGKILL is immediate unless the
process is stuck in the kernel, e.g. on a dead NFS mount)."""


CHECK_MARK = "ONCALL_TUI_CHECK"
"""The environment variable marking every process a check started."""
_SWEEP_PASSES = 3
"""A marked process may fork while a pass runs: passes repeat until one finds none."""
_RUNS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the command ended, and what it printed."""

    returncode: int | None
    """The exit code; negative: killed by that signal; None: it timed out."""
    stdout: str
    stderr: str
    truncated: bool
    leftovers: int = 0
    """Processes the check started that were still running after it ended (killed)."""


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
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, deadline: float, mark: str
) -> Outcome:
    """Run `argv` (resolved) until it exits or `deadline` seconds pass. `mark` names the
    caller (a plugin instance): this run's processes carry `mark:<run>` (see `sweep`)."""
    loop = asyncio.get_running_loop()
    run_mark = f"{mark}:{next(_RUNS)}"
    env = {**env, CHECK_MARK: run_mark}
    starting = asyncio.ensure_future(
        loop.subprocess_exec(
            lambda: _Check(loop),
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    )
    try:
        # Shielded: cancelled while it starts, asyncio would kill the command alone and
        # then wait for its pipes, which a child of the command holds (a check's
        # `sleep 300 &` kept the collection, cancel or not, for 300 s). Left to
        # finish (a few loop steps), the start is undone: the whole group goes.
        transport, check = await asyncio.shield(starting)
    except OSError as exc:
        raise SourceError(_start_error(argv[0], exc)) from None
    except asyncio.CancelledError:
        try:
            await asyncio.wait({starting}, timeout=_REAP_GRACE)
        finally:
            if starting.done():
                _abandon(starting)
            else:
                starting.add_done_callback(_abandon)
        raise
    pid = transport.get_pid()
    swept = False
    try:
        # asyncio.wait, not a timeout around `await`: it never cancels the futures,
        # so the protocol can still resolve them after the deadline.
        await asyncio.wait({check.exited}, timeout=deadline)
        returncode = check.exited.result() if check.exited.done() else None
        # The check is over: its leftovers go with it, which also closes the pipes
        # they inherited, so the whole output has arrived once they close.
        _kill_group(pid)
        # A thread per sweep (a runner of its own), never the shared executor, which a
        # stuck /proc read would hold.
        leftovers = await BlockingRunner("command-sweep")(lambda: sweep(run_mark, spare=pid))
        swept = True
        ends: set[asyncio.Future[Any]] = {check.exited, check.pipes_closed}
        await asyncio.wait(ends, timeout=_REAP_GRACE)
        if not check.pipes_closed.done():
            raise SourceError(
                f"{argv[0]}, or something it started, still holds its output open after "
                "the kill (a daemon in a session of its own?)"
            )
    finally:
        # Whatever ended the run — exit, timeout, the engine cancelling the
        # collection — nothing of the check may outlive it, and the transport is
        # closed here, on a loop that is still running: left to the garbage collector,
        # it would be closed after the loop is (an unraisable "Event loop is closed").
        _kill_group(pid)
        if not swept:  # cancelled or failed: sweep anyway, without waiting for it
            _start_thread(lambda: sweep(run_mark, spare=pid))
        try:
            if not check.exited.done():
                # Reaped before the close, or close() would race the child watcher
                # for the exit status. SIGKILL makes this a matter of milliseconds.
                await asyncio.wait({check.exited}, timeout=_REAP_GRACE)
        finally:
            transport.close()
    return Outcome(returncode, _text(check.stdout), _text(check.stderr), check.truncated, leftovers)


def sweep(mark: str, *, spare: int = 0) -> int:
    """Kill every process whose environment holds `CHECK_MARK=<mark>` or
    `CHECK_MARK=<mark>:<run>`, but `spare`; how many were found. Blocking (reads
    /proc: ~20 ms with 200 processes on a loaded machine): call it off the loop."""
    wanted = f"{CHECK_MARK}={mark}".encode()
    found: set[int] = set()
    for _ in range(_SWEEP_PASSES):
        marked = [pid for pid in _marked(wanted) if pid != spare and pid != os.getpid()]
        if not marked:
            break
        for pid in marked:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        found.update(marked)
    return len(found)


def _marked(wanted: bytes) -> list[int]:
    pids = []
    try:
        names = os.listdir("/proc")
    except OSError:  # no procfs (not Linux): the group kill is all there is
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as file:
                entries = file.read().split(b"\0")
        except OSError:  # gone meanwhile, or another user's
            continue
        if any(entry == wanted or entry.startswith(wanted + b":") for entry in entries):
            pids.append(int(name))
    return pids


def _start_thread(fn: Callable[[], object]) -> None:
    threading.Thread(target=fn, name="oncall-command-sweep", daemon=True).start()


def _abandon(starting: asyncio.Future[tuple[asyncio.SubprocessTransport, _Check]]) -> None:
    """Undo a start whose collection was cancelled meanwhile: kill the group, close."""
    if starting.cancelled() or starting.exception() is not None:
        return
    transport, _ = starting.result()
    _kill_group(transport.get_pid())
    transport.close()


class _Check(asyncio.SubprocessProtocol):
    """The running check as the loop reports it: output kept up to MAX_OUTPUT per
    stream (the rest read and dropped, so a chatty check never blocks on a full pipe),
    and futures for its exit and for its pipes closing. Not `asyncio.subprocess.Process`:
    its `wait()` also waits for the pipes, which a left-behind child holding them would
    put off until the deadline, and it offers no way to close its transport."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.truncated = False
        self.exited: asyncio.Future[int] = loop.create_future()
        self.pipes_closed: asyncio.Future[None] = loop.create_future()
        self._open = {1, 2}
        self._transport: asyncio.SubprocessTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self._transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        kept = self.stdout if fd == 1 else self.stderr
        room = MAX_OUTPUT - len(kept)
        if len(data) > room:
            self.truncated = True
        if room > 0:
            kept += data[:room]

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open.discard(fd)
        if not self._open and not self.pipes_closed.done():
            self.pipes_closed.set_result(None)

    def process_exited(self) -> None:
        assert self._transport is not None
        returncode = self._transport.get_returncode()
        if returncode is not None and not self.exited.done():
            self.exited.set_result(returncode)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _text(data: bytes | bytearray) -> str:
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
