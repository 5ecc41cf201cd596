"""The command plugin against real subprocesses: exit codes as statuses, its
options, and `oncall-tui check` end to end (failed checks as signals, broken ones as
sources, no process left behind)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from pydantic import ValidationError

from command_plugin_support import alive, run_once, script, wait_gone
from conftest import readme_example
from oncall_cli import assert_options_listed, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.signals.model import Status
from oncall_tui_command import CommandConfig


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
