"""A week in a minute: the real engine and store, driven by a fake clock through a week
of churn (signals appearing and disappearing, sources failing, partly failing and
recovering), must stay bounded: memory flat after warm-up (day 2 to day 7), no growth in
tasks or threads.

Every collection costs real CPU whatever the clock says (about 1.7 ms for 1,000
signals, several times that under tracemalloc), so a week at a 5 s interval (120,960
collections) would take many minutes. The first two simulated hours run at the real 5 s
interval, long enough to fill every ring (history 360 samples, the event log, the
15-minute retirement of vanished signals); the rest of the week steps 5 minutes per
collection, which runs the same code over the week's span (ages, staleness, `for`
timers, retirement). `bench/soak.py` runs the real dashboard in a pty for minutes and
prints its RSS slope and CPU.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from clock_support import FakeClock
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reading, Status, Thresholds
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE, SignalStore
from oncall_tui.core.sources.contract import Plugin, PluginConfig, SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.registry import PluginRegistry

SOURCES = 10
SIGNALS = 100
"""Per source: 1,000 signals in all."""
WEEK = 7 * 24 * 3600.0
WARM_UP = 2 * 3600.0
STEP = 300.0
"""Seconds per collection after the warm-up."""
THRESHOLDS = Thresholds(warning=0.6, critical=0.9)


class ChurnConfig(PluginConfig):
    seed: int = 0
    """Random seed of this source's churn."""


class ChurnPlugin(Plugin[ChurnConfig]):
    """100 signals whose values walk, 1% of whose keys are replaced each collection,
    failing now and then (whole or partly) and recovering."""

    Config = ChurnConfig

    def __init__(self, config: ChurnConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self.rng = random.Random(config.seed)
        self.generation = 0
        self.keys = [f"s{i}" for i in range(SIGNALS)]
        self.values = [self.rng.random() * 0.5 for _ in range(SIGNALS)]
        self.readings: list[Reading] = [self._reading(i) for i in range(SIGNALS)]

    def kinds(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset({"health"})

    def _reading(self, index: int) -> Reading:
        return Reading(
            key=self.keys[index],
            kind="health",
            name=f"{self.context.name} {self.keys[index]}",
            value=self.values[index],
            unit="ratio",
            labels={"service": self.keys[index], "gen": str(self.generation)},
            thresholds=THRESHOLDS,
        )

    async def collect(self) -> Sequence[Reading]:
        rng = self.rng
        self.generation += 1
        for _ in range(5):  # 5% of values move
            i = rng.randrange(SIGNALS)
            self.values[i] = min(1.0, max(0.0, self.values[i] + rng.uniform(-0.3, 0.3)))
            self.readings[i] = self._reading(i)
        i = rng.randrange(SIGNALS)  # 1% of keys are replaced: one series gone, one new
        self.keys[i] = f"s{i}-{self.generation}"
        self.readings[i] = self._reading(i)
        roll = rng.random()
        if roll < 0.01:
            raise SourceError("connection refused")
        if roll < 0.02:
            raise SourceError("queries[1] failed", readings=self.readings[: SIGNALS // 2])
        return list(self.readings)


def _own_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name.startswith("oncall-"))


async def test_a_week_of_churn_stays_bounded() -> None:
    registry = PluginRegistry()
    registry.register("churn", ChurnPlugin)  # type: ignore[arg-type]
    text = 'refresh = "5s"\n' + "".join(
        f'[sources.c{n}]\nplugin = "churn"\nseed = {n}\n' for n in range(SOURCES)
    )
    config = parse_config(text, Path("."), registry=registry)
    clock = FakeClock(1_800_000_000.0)
    store = SignalStore(clock=clock, history=config.history, events=config.events)
    engine = Engine(config, registry=registry, store=store)
    heard = [0]
    store.subscribe(lambda changed: heard.__setitem__(0, heard[0] + 1))
    runners = list(engine.runners.values())
    started = clock.now

    async def run_until(end: float, step: float) -> None:
        while clock.now - started < end:
            clock.now += step
            for runner in runners:
                await runner.collect()
            store.sweep()

    await run_until(WARM_UP, 5.0)
    tracemalloc.start()
    try:
        await run_until(2 * 24 * 3600.0, STEP)
        gc.collect()
        warm, _ = tracemalloc.get_traced_memory()
        # Counted after warm-up, like memory; only our own threads count (the session's
        # test servers start a thread per request of their own).
        tasks_before = len(asyncio.all_tasks())
        threads_before = _own_threads()
        await run_until(WEEK, STEP)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        tasks_after = len(asyncio.all_tasks())
        threads_after = _own_threads()
    finally:
        tracemalloc.stop()
        await engine.stop()

    growth = after - warm
    print(f"soak: {after / 1024:.0f} KB traced at day 7, {growth / 1024:+.0f} KB since day 2")
    assert growth < 2 * 1024 * 1024, f"memory grew {growth / 1024:.0f} KB after warm-up"
    assert tasks_after <= tasks_before
    assert threads_after <= threads_before
    # Bounded by design: vanished signals leave after 15 minutes, so a source holds its
    # live signals plus at most 15 minutes of replaced ones.
    per_source = SIGNALS + (15 * 60 // int(STEP) + 1) * 2
    assert len(store.signals) <= SOURCES * min(per_source, MAX_SIGNALS_PER_SOURCE)
    assert len(store.events) <= config.events
    assert all(len(signal.history) <= config.history for signal in store.signals.values())
    assert store.events.total > config.events, "the churn did not exercise the event log"
    assert any(s.status is Status.CRITICAL for s in store.signals.values()) or store.events
    assert heard[0] > 10_000
