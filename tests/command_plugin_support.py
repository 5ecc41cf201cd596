"""What the command plugin's tests share: small shell scripts written into tmp_path
and run exactly as a user's Nagios checks would be, and ways to see whether the
processes they started are gone."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from oncall_tui.core.signals.model import Reading
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_command import CommandConfig, CommandPlugin
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
