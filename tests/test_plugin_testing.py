"""`oncall_tui.plugin.testing`: a third party tests its plugin as `check` runs it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from oncall_tui.core.config.loader import ConfigError
from oncall_tui.plugin import (
    Kind,
    Plugin,
    PluginConfig,
    Reading,
    SourceError,
    Status,
    ThresholdOptions,
)
from oncall_tui.plugin.testing import async_collect_once, collect_once
from oncall_tui_command import CommandPlugin


class SpoolConfig(PluginConfig, ThresholdOptions):
    path: str
    """Folder whose backlog is watched."""
    broken: bool = False
    """Fail every collection (for the test)."""


class SpoolPlugin(Plugin[SpoolConfig]):
    description = "Files waiting in a spool folder"

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})

    def empty_note(self) -> str:
        return "no spool folder"

    async def collect(self) -> Sequence[Reading]:
        if self.config.broken:
            raise SourceError("spool unreadable")
        if not os.path.isdir(self.config.path):
            return []
        count = await self.context.run_blocking(lambda: len(os.listdir(self.config.path)))
        return [
            Reading(
                key="backlog",
                kind="health",
                name="spool backlog",
                value=count,
                thresholds=self.config.thresholds(),
            )
        ]


def test_the_config_model_comes_from_the_plugin_type() -> None:
    assert SpoolPlugin.Config is SpoolConfig


def test_collect_once_returns_readings_signals_and_status(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("x")
    (tmp_path / "b.msg").write_text("x")
    result = collect_once(SpoolPlugin, {"path": str(tmp_path), "warning": 2}, name="spool")
    assert [reading.value for reading in result.readings] == [2]
    assert result.error is None and result.note == ""
    signal = result.signals["spool/backlog"]
    assert signal.status is Status.WARNING and result.status is Status.WARNING


def test_collect_once_says_what_an_empty_collection_and_a_failure_mean(tmp_path: Path) -> None:
    empty = collect_once(SpoolPlugin, {"path": str(tmp_path / "missing")})
    assert empty.readings == [] and empty.note == "no spool folder"
    assert empty.status is Status.UNKNOWN
    failed = collect_once(SpoolPlugin, {"path": str(tmp_path), "broken": True})
    assert failed.error == "spool unreadable"


def test_bad_options_are_worded_as_validate_words_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        collect_once(SpoolPlugin, {"path": str(tmp_path), "warnign": 3}, name="outbox")
    assert any("sources.outbox.warnign" in problem for problem in caught.value.problems)


class SlowPlugin(SpoolPlugin):
    async def collect(self) -> Sequence[Reading]:
        await asyncio.sleep(30)  # a plugin that hangs: the behaviour under test
        return []


def test_the_kit_keeps_the_engine_deadline(tmp_path: Path) -> None:
    started = time.monotonic()
    result = collect_once(SlowPlugin, {"path": str(tmp_path)}, deadline=1)
    assert result.error == "timed out after 1s"
    assert time.monotonic() - started < 10  # the deadline (1 s), a 10x margin


async def test_the_kit_works_inside_an_async_test(tmp_path: Path) -> None:
    result = await async_collect_once(CommandPlugin, {"argv": ["true"]}, name="probe")
    assert result.signals["probe/check"].status is Status.OK
