"""The command plugin's processes: a timeout or a cancellation kills the whole
process group, no pipe or leftover outlives a check, output is capped, argv is never a
shell, and a command that cannot run is a source error."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from command_plugin_support import alive, plugin_for, read_pid, run_once, script, wait_gone
from oncall_tui.core.signals.model import Status
from oncall_tui.core.sources.errors import SourceError
from oncall_tui_command.process import MAX_OUTPUT
from waiting import wait_until, wait_until_async


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    # The child ignores SIGTERM and has its own output redirected: only a SIGKILL to
    # the group gets rid of it.
    body = (
        f"sh -c 'trap \"\" TERM; exec sleep 300' >/dev/null 2>&1 &\necho $! > {pidfile}\n"
        "echo 'still checking'\nsleep 300\n"
    )
    started = time.monotonic()
    reading = await run_once(tmp_path, body, timeout=1.0)
    elapsed = time.monotonic() - started
    assert reading.status is Status.CRITICAL
    assert reading.summary == (
        "timed out after 900ms (the command was killed); last output: still checking"
    )
    assert elapsed < 5.0, "the deadline held (1 s, with a 5x margin)"
    assert reading.labels == {}
    assert wait_gone(int(pidfile.read_text())), "the check's child survived the timeout"


async def test_cancellation_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    path = script(tmp_path, f"sleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    plugin = plugin_for(tmp_path, [str(path)], timeout=60.0)
    task = asyncio.ensure_future(plugin.collect())
    child = await read_pid(pidfile)
    assert alive(child)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(child), "the check's child survived the cancellation"


async def test_cancelled_while_starting_the_whole_group_goes_at_once(tmp_path: Path) -> None:
    """Regression: cancelled before asyncio had connected the check's pipes, asyncio
    killed the check alone and then waited for its pipes, held by its child: the
    cancelled collection hung for as long as the child lived."""
    pidfile = tmp_path / "child.pid"
    path = script(tmp_path, f"sleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    me = psutil.Process()
    task = asyncio.ensure_future(plugin_for(tmp_path, [str(path)], timeout=60.0).collect())
    # One loop step at a time until the check is forked; then the loop stays blocked
    # (its pipes unconnected, the start unfinished) until the check's child runs.

    def forked() -> bool:  # the check itself: the session's servers are children too
        return any(str(path) in process.cmdline() for process in me.children())

    await wait_until_async(
        forked, step=lambda: asyncio.sleep(0), what="the fork", ignore=(psutil.Error,)
    )
    child = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip()))
    task.cancel()
    try:
        async with asyncio.timeout(10):
            with pytest.raises(asyncio.CancelledError):
                await task
        assert wait_gone(child), "the check's child survived the cancellation"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def fd_targets() -> dict[str, str]:
    """Each open descriptor and what it is ("pipe:[1234]", a path, a socket)."""
    targets = {}
    for fd in open_fds():
        with contextlib.suppress(OSError):
            targets[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return targets


async def test_a_cancelled_check_closes_its_pipes_before_it_returns(tmp_path: Path) -> None:
    """Regression: a cancelled collection left its subprocess transport open, to be
    closed by the garbage collector after the loop had closed (an unraisable "Event loop
    is closed" at some later test, as the app's exit could meet it too)."""
    pidfile = tmp_path / "child.pid"
    path = script(tmp_path, f"sleep 300 &\necho $! > {pidfile}\nsleep 300\n")
    before = open_fds()
    task = asyncio.ensure_future(plugin_for(tmp_path, [str(path)], timeout=60.0).collect())
    await read_pid(pidfile)
    # The check's own pipes, by what they are (pipe:[inode]), not by descriptor number:
    # under pytest-xdist another test's leftovers may open a descriptor meanwhile.
    pipes = {target for fd, target in fd_targets().items() if fd not in before}
    assert pipes, "the check's pipes are open while it runs"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    still = pipes & set(fd_targets().values())
    assert still == set(), "the check's pipes outlived the collection"


async def test_a_daemon_holding_the_output_is_killed_noted_and_leaks_no_pipe(
    tmp_path: Path,
) -> None:
    """In a session of its own, out of reach of the kill of the check's group: found by
    the mark in its environment, killed, which closes the output it held. (Before, the
    collection waited out the reap grace and failed, and the daemon lived on.)"""
    pidfile = tmp_path / "daemon.pid"
    body = (
        f"setsid sh -c 'echo $$ > {pidfile}; exec sleep 300' &\n"
        f"until [ -s {pidfile} ]; do sleep 0.01; done\necho 'OK: done'\n"
    )
    before = open_fds()
    plugin = plugin_for(tmp_path, [str(script(tmp_path, body))], timeout=30.0)
    try:
        started = time.monotonic()
        (reading,) = await plugin.collect()
        assert reading.status is Status.OK and reading.summary == "OK: done"
        assert time.monotonic() - started < 10.0
        assert plugin.collection_note() == (
            "the check left 1 process running after it ended (killed)"
        )
        assert wait_gone(int(pidfile.read_text()))
        await wait_until_async(lambda: open_fds() <= before, what="the pipes to be closed")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


async def test_leftovers_of_a_finished_check_are_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    reading = await run_once(
        tmp_path, f"sleep 300 >/dev/null 2>&1 &\necho $! > {pidfile}\necho 'OK: fine'\n"
    )
    assert reading.status is Status.OK and reading.summary == "OK: fine"
    assert wait_gone(int(pidfile.read_text()))


async def test_a_child_keeping_stdout_open_does_not_hang_the_check(tmp_path: Path) -> None:
    started = time.monotonic()
    reading = await run_once(tmp_path, "sleep 300 &\necho 'OK: done'\n", timeout=30.0)
    assert reading.status is Status.OK and reading.summary == "OK: done"
    assert time.monotonic() - started < 10.0


async def test_output_is_capped_and_drained(tmp_path: Path) -> None:
    # 1 MB on stdout: more than any pipe buffer, so a reader that stopped at the cap
    # would leave the check blocked until its timeout.
    body = "echo 'OK: chatty'\nhead -c 1048576 /dev/zero | tr '\\0' 'x'\n"
    reading = await run_once(tmp_path, body, timeout=30.0)
    assert reading.status is Status.OK
    assert reading.summary == f"OK: chatty (output cut at {MAX_OUTPUT // 1024} KB)"


async def test_argv_is_never_a_shell(tmp_path: Path) -> None:
    path = script(tmp_path, 'echo "got: $1"\n')
    target = tmp_path / "pwned"
    readings = await plugin_for(tmp_path, [str(path), f"x; touch {target}"]).collect()
    assert readings[0].summary == f"got: x; touch {target}"
    assert not target.exists()


async def test_env_additions_reach_the_command(tmp_path: Path) -> None:
    body = 'echo "OK: user=$BANK_USER path=${PATH:+set}"\n'
    with_env = await run_once(tmp_path, body, env={"BANK_USER": "oncall"})
    assert with_env.summary == "OK: user=oncall path=set"
    without = await run_once(tmp_path, body)
    assert without.summary == "OK: user= path=set"


async def test_command_found_on_path_and_relative_to_the_config(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script(bin_dir, "echo 'OK: from PATH'\n", name="check_bank")
    on_path = plugin_for(tmp_path, ["check_bank"], env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert (await on_path.collect())[0].summary == "OK: from PATH"
    relative = plugin_for(tmp_path, ["bin/check_bank"])
    assert (await relative.collect())[0].summary == "OK: from PATH"
    # The command runs in the config's directory.
    script(tmp_path, "pwd\n", name="where.sh")
    assert (await plugin_for(tmp_path, ["./where.sh"]).collect())[0].summary == str(tmp_path)


async def test_a_command_that_cannot_run_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="command 'check_nonexistent_xyz' not found on PATH"):
        await plugin_for(tmp_path, ["check_nonexistent_xyz"]).collect()
    with pytest.raises(SourceError, match=r"command not found: .*missing\.sh"):
        await plugin_for(tmp_path, ["./missing.sh"]).collect()
    not_executable = tmp_path / "plain.sh"
    not_executable.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(SourceError, match="permission denied"):
        await plugin_for(tmp_path, ["./plain.sh"]).collect()
    with pytest.raises(SourceError, match="is a directory"):
        await plugin_for(tmp_path, ["./"]).collect()
    no_interpreter = script(tmp_path, "", name="odd.sh")
    no_interpreter.write_text("#!/nonexistent/interpreter\n")
    with pytest.raises(SourceError, match="cannot run"):
        await plugin_for(tmp_path, [str(no_interpreter)]).collect()
