"""A big result is checked on its source's own thread (engine.py `_check`), which a
plugin may have left busy: a blocking call it stopped waiting for (a probe past its
share of the deadline) still holds the thread when its readings come back. The
readings must still be checked and kept, as a small result's are on the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import SteadyPlugin
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import CHECK_ON_A_THREAD, Engine
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.registry import PluginRegistry

COUNT = CHECK_ON_A_THREAD + 500
"""Readings per collection: past the size checked on the source's thread."""


class GivesUpOnAProbe(SteadyPlugin):
    """Starts a probe on its own thread (`run_blocking`), stops waiting for it after a
    moment, as the host plugin does with a hung disk, and hands back what it has: all
    its readings, or (`partly`) them with a SourceError saying the probe failed."""

    partly = False

    async def collect(self) -> Sequence[Reading]:
        readings = list(await super().collect())  # new objects each time
        probe = asyncio.ensure_future(self.context.run_blocking(self.released.wait))
        await asyncio.wait({probe}, timeout=0.01)
        probe.cancel()  # only the wait is given up: the thread stays in the probe
        if self.partly:
            raise SourceError("probe: timed out", readings=readings)
        return readings

    released = threading.Event()


@pytest.mark.parametrize("partly", [False, True], ids=["whole", "partial"])
async def test_a_big_result_is_kept_while_its_thread_is_held(
    registry: PluginRegistry, partly: bool
) -> None:
    plugin_class = type(
        "Probe", (GivesUpOnAProbe,), {"partly": partly, "released": threading.Event()}
    )
    registry.register("probe", plugin_class)  # type: ignore[arg-type]
    text = f'refresh = "1s"\n[sources.p]\nplugin = "probe"\ntimeout = "5s"\ncount = {COUNT}\n'
    engine = Engine(parse_config(text, Path("."), registry=registry), registry=registry)
    runner = engine.runners["p"]
    try:
        await runner.collect()
        state = engine.store.source("p")
        assert "still running" not in state.error, state.error
        assert sum(key.startswith("p/") for key in engine.store.signals) == COUNT
        assert engine.store.signals["p/r0"].status is Status.OK
        assert state.error == ("probe: timed out" if partly else "")
    finally:
        plugin_class.released.set()
        await engine.stop()
