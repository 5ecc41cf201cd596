"""The command plugin against real subprocesses: small shell scripts written into
tmp_path, run exactly as a user's Nagios checks would be."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from pydantic import ValidationError

from conftest import readme_example
from oncall_cli import assert_options_listed, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_command import CommandConfig, CommandPlugin
from oncall_tui_command.perfdata import parse_output, parse_perfdata
from oncall_tui_command.plugin import deadline_for
from oncall_tui_command.process import MAX_OUTPUT
from waiting import wait_until, wait_until_async


def script(directory: Path, body: str, name: str = "check.sh") -> Path:
    path = directory / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def plugin_for(
    tmp_path: Path, argv: list[str], *, timeout: float = 5.0, **options: Any
) -> CommandPlugin:
    config = CommandConfig.model_validate({"argv": argv, **options})
    context = SourceContext(name="bank-check", config_dir=tmp_path, interval=5.0, timeout=timeout)
    return CommandPlugin(config, context)


async def run_once(tmp_path: Path, body: str, **options: Any) -> Reading:
    path = script(tmp_path, body)
    readings = await plugin_for(tmp_path, [str(path)], **options).collect()
    assert len(readings) == 1
    return readings[0]


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int) -> bool:
    """Waits for `pid` to end (fails the test if it never does); True, for asserts."""
    return wait_until(lambda: not alive(pid), what=f"process {pid} to end")


async def read_pid(path: Path) -> int:
    text = await wait_until_async(
        lambda: path.exists() and path.read_text().strip(), what="the child's pid in its file"
    )
    return int(text)


# --------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("code", "status"),
    [(0, Status.OK), (1, Status.WARNING), (2, Status.CRITICAL), (3, Status.UNKNOWN)],
)
async def test_exit_code_is_the_status(tmp_path: Path, code: int, status: Status) -> None:
    reading = await run_once(tmp_path, f"echo 'BANK {status.value}: core answers'\nexit {code}\n")
    assert reading.status is status
    assert reading.summary == f"BANK {status.value}: core answers"
    assert reading.labels == {"exit_code": str(code)}
    assert reading.value is None and reading.thresholds is None


async def test_other_exit_code_is_unknown_with_the_reason(tmp_path: Path) -> None:
    reading = await run_once(tmp_path, "echo 'something odd'\nexit 7\n")
    assert reading.status is Status.UNKNOWN
    assert reading.summary == "exit code 7 (not a Nagios status): something odd"


async def test_killed_by_a_signal_is_unknown(tmp_path: Path) -> None:
    reading = await run_once(tmp_path, "echo 'about to die'\nkill -TERM $$\nsleep 5\n")
    assert reading.status is Status.UNKNOWN
    assert reading.summary == "killed by SIGTERM: about to die"


async def test_no_output_and_stderr_fallback(tmp_path: Path) -> None:
    silent = await run_once(tmp_path, "exit 2\n")
    assert silent.status is Status.CRITICAL and silent.summary == "no output (exit code 2)"
    only_stderr = await run_once(tmp_path, "echo 'cannot resolve bank-core' >&2\nexit 2\n")
    assert only_stderr.summary == "cannot resolve bank-core"


# --------------------------------------------------------------------------- processes


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


# --------------------------------------------------------------------------- perfdata


async def test_perfdata_value_with_units(tmp_path: Path) -> None:
    body = (
        "echo \"OK: bank core answers | 'response time'=350ms;1000;2000;0 size=2KB "
        'load=93.5%;80;90 hits=12c"\n'
    )
    cases = {
        "response time": (0.35, "seconds"),
        "size": (2048.0, "bytes"),
        "load": (93.5, "percent"),
        "hits": (12.0, "count"),
    }
    for label, (value, unit) in cases.items():
        reading = await run_once(tmp_path, body, perfdata=label)
        assert reading.value == pytest.approx(value), label
        assert reading.unit == unit, label
        assert reading.status is Status.OK, "no thresholds configured: the exit code decides"
        assert reading.summary == "OK: bank core answers"


async def test_perfdata_missing_or_undetermined(tmp_path: Path) -> None:
    missing = await run_once(tmp_path, "echo 'OK | other=1'\n", perfdata="time")
    assert missing.value is None and missing.status is Status.OK
    assert missing.summary == "OK (no perfdata 'time')"
    undetermined = await run_once(tmp_path, "echo 'UNKNOWN | time=U'\nexit 3\n", perfdata="time")
    assert undetermined.value is None and undetermined.status is Status.UNKNOWN


async def test_unit_applies_to_a_value_without_uom(tmp_path: Path) -> None:
    body = "echo 'OK | refused=0.07'\n"
    assert (await run_once(tmp_path, body, perfdata="refused")).unit == "count"
    reading = await run_once(tmp_path, body, perfdata="refused", unit="ratio")
    assert reading.unit == "ratio" and reading.value == pytest.approx(0.07)
    # A known UOM wins over the option.
    assert (await run_once(tmp_path, "echo 'OK | t=5ms'\n", perfdata="t", unit="ratio")).unit == (
        "seconds"
    )


async def test_thresholds_judge_the_perfdata_value(tmp_path: Path) -> None:
    body = "echo 'OK: looks fine to the check | time=2.5s'\n"
    reading = await run_once(tmp_path, body, perfdata="time", warning=1, critical=2)
    assert reading.status is None, "the configured thresholds decide"
    assert reading.thresholds is not None and reading.thresholds.critical == 2
    store = SignalStore()
    store.add_source(SourceState(name="bank", plugin="command", kinds=frozenset({"health"})))
    store.apply("bank", [reading])
    assert store.signals["bank/check"].status is Status.CRITICAL
    # Without a value to judge, the exit code still decides.
    failed = await run_once(tmp_path, "echo 'CRITICAL: refused'\nexit 2\n", perfdata="time",
                            warning=1, critical=2)  # fmt: skip
    assert failed.status is Status.CRITICAL


async def test_below_and_for_reach_the_thresholds(tmp_path: Path) -> None:
    body = "echo 'OK | free=10%'\n"
    reading = await run_once(
        tmp_path, body, perfdata="free", warning=20, critical=5, below=True, **{"for": "1m"}
    )
    assert reading.thresholds is not None
    assert reading.thresholds.below is True and reading.thresholds.for_seconds == 60


async def test_signal_fields_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    reading = await run_once(
        tmp_path,
        "echo OK\n",
        kind="dependency",
        name="bank core",
        component="bank-core",
        runbook="runbooks/bank.md",
    )
    assert reading.kind == "dependency" and reading.name == "bank core"
    assert reading.component == "bank-core"
    assert reading.runbook == Runbook.file(tmp_path / "runbooks" / "bank.md")
    default = await run_once(tmp_path, "echo OK\n")
    assert default.kind == "health" and default.name == "bank-check" and default.component == ""
    assert default.runbook is None
    linked = await run_once(tmp_path, "echo OK\n", runbook="https://runbooks.example.com/bank")
    assert linked.runbook == Runbook.link("https://runbooks.example.com/bank")


def test_perfdata_parser_follows_the_guidelines() -> None:
    output = parse_output(
        "DISK OK - free space | /=2643MB;5948;5958;0;5968\n"
        "/ 15272 MB (77%);\n"
        "/boot 68 MB (69%);\n"
        "/home 69357 MB (27%); | /boot=68MB;88;93;0;98\n"
        "/home=69357MB;253404;253409;0;253414\n"
        "'it''s quoted'=1s junk 'bad label=3 =4 x=abc y=1.5e3us z=U\n"
    )
    assert output.summary == "DISK OK - free space"
    perf = output.perfdata
    assert perf["/"].value == 2643 * 1024**2 and perf["/"].unit == "bytes"
    assert perf["/boot"].value == 68 * 1024**2
    assert perf["/home"].value == 69357 * 1024**2
    assert perf["it's quoted"].value == 1.0 and perf["it's quoted"].unit == "seconds"
    assert perf["y"].value == pytest.approx(1.5e-3)
    assert perf["z"].value is None
    assert "x" not in perf and "bad label" not in perf
    first = parse_perfdata("a=1 a=2 b=3dBm")
    assert first["a"].value == 1.0, "a label given twice keeps its first value"
    assert first["b"].value == 3.0 and not first["b"].known_unit


def test_deadline_stays_inside_the_engines() -> None:
    assert deadline_for(3.0) == pytest.approx(2.7)
    assert deadline_for(10.0) == pytest.approx(9.5)
    assert deadline_for(0.05) == pytest.approx(0.1)


# --------------------------------------------------------------------------- config


def test_config_errors() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        CommandConfig.model_validate({"argv": []})
    with pytest.raises(ValidationError, match="command\\) is empty"):
        CommandConfig.model_validate({"argv": [" "]})
    with pytest.raises(ValidationError, match="set perfdata"):
        CommandConfig.model_validate({"argv": ["x"], "critical": 2})
    with pytest.raises(ValidationError, match="not a valid environment variable name"):
        CommandConfig.model_validate({"argv": ["x"], "env": {"A=B": "1"}})
    with pytest.raises(ValidationError) as caught:
        CommandConfig.model_validate({"argv": ["x", "s3cr3t-\0"], "shell": True})
    assert "s3cr3t" not in str(caught.value), "arguments may be passwords"
    assert "shell" in str(caught.value), "unknown keys are errors"


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("command", CommandConfig)


# --------------------------------------------------------------------------- end to end

CHECK_CONFIG = """
[sources.bank]
plugin = "command"
argv = ["./bank.sh"]
timeout = "2s"
kind = "dependency"
name = "bank core"
perfdata = "time"

[sources.hang]
plugin = "command"
argv = ["./hang.sh"]
# Its own deadline is a tenth inside this: at 1 s, the 100 ms left for the kill and the
# sweep ran out at load 7 (the engine then cancelled the collection: a source error).
timeout = "3s"

[sources.broken]
plugin = "command"
argv = ["check_that_does_not_exist_anywhere"]
"""


def test_check_reports_failed_checks_as_signals_and_broken_ones_as_sources(
    tmp_path: Path,
) -> None:
    script(
        tmp_path,
        "printf 'CRITICAL: \\033[2J\\033]52;c;aGk=\\a\\342\\200\\256bank down | time=3s\\n'\n"
        "exit 2\n",
        name="bank.sh",
    )
    script(tmp_path, "echo 'waiting'\nexec sleep 60\n", name="hang.sh")
    config = tmp_path / "oncall.toml"
    config.write_text(CHECK_CONFIG)
    result = run_oncall("check", "--config", str(config), "--format", "json")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\x1b" not in result.stderr
    document = json.loads(result.stdout)
    signals = {signal["source"]: signal for signal in document["signals"]}
    sources = {source["name"]: source for source in document["sources"]}
    assert result.returncode == 2
    bank = signals["bank"]
    assert bank["status"] == "critical" and bank["value"] == 3.0 and bank["unit"] == "seconds"
    assert bank["summary"].startswith("CRITICAL: \\x1b[2J\\x1b]52;c;aGk=\\x07\\u202ebank down")
    assert sources["bank"]["status"] == "ok", "a check that ran and failed is an observation"
    assert signals["hang"]["status"] == "critical"
    assert signals["hang"]["summary"].startswith("timed out after 2.7s")
    assert sources["hang"]["status"] == "ok", "a timed-out check is an observation too"
    assert sources["broken"]["status"] == "error"
    assert "not found on PATH" in sources["broken"]["error"]


def test_no_check_process_survives_check(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script(tmp_path, f"sleep 300 &\necho $! > {pidfile}\nexec sleep 300\n", name="hang.sh")
    config = tmp_path / "oncall.toml"
    config.write_text('[sources.hang]\nplugin = "command"\nargv = ["./hang.sh"]\ntimeout = "1s"\n')
    run_oncall("check", "--config", str(config))
    pid = int(pidfile.read_text())
    try:
        wait_gone(pid)  # fails if a check's child outlived `oncall-tui check`
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    config = parse_config(readme_example("### command"), tmp_path)
    assert not config.load_errors
    options = config.sources[0].options
    assert isinstance(options, CommandConfig)
    assert options.argv[0] == "check_tcp" and options.perfdata == "time"
