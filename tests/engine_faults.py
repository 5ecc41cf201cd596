"""Misbehaving plugins run through the real engine, and what they cost the others.

Shared by tests/test_faults_engine.py (which asserts) and bench/fault_lag.py (which
prints the figures the test's bounds are derived from). Each fault can be switched off
while the engine runs, so recovery is observed, not assumed.

What one run measures, next to a healthy source polled at the same interval:
- how many collections the healthy source made over a window of N intervals while the
  fault was on (it must keep pace: a fault costs only its own source);
- event-loop lag, from a probe coroutine that sleeps 5 ms in a loop and records how
  late it woke (what the screen would feel: Textual draws on the same loop);
- the reason the faulty source gives (what an engineer reads on the panel);
- how long after the fault stopped the source was ok again, with its signals.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from conftest import CountConfig, SteadyPlugin
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.sources.registry import PluginRegistry
from waiting import wait_until_async

INTERVAL = 0.1
"""Both sources' interval: short, so a window of many intervals is quick."""
TIMEOUT = 0.3
"""The faulty source's deadline."""
WINDOW = 10
"""Intervals the healthy source is counted over while the fault is on."""
EVENTS = 20
"""The event log's capacity in these runs: small, so a flapping source reaches it."""
MILLION = 1_000_000


class Switch:
    """Turns a fault on and off from the test; thread-safe, because a blocked thread
    waits on it."""

    def __init__(self) -> None:
        self.released = threading.Event()

    @property
    def on(self) -> bool:
        return not self.released.is_set()

    def off(self) -> None:
        self.released.set()


class FaultPlugin(SteadyPlugin):
    """A steady plugin (3 readings, ok) that misbehaves in one way while its switch is
    on. Subclasses name the way in `fault`."""

    switch: ClassVar[Switch]
    fault: ClassVar[str] = ""

    async def collect(self) -> Sequence[Reading]:
        readings = await super().collect()
        # The first collection works, so the source's signals exist when the fault
        # starts: the board must turn them unknown, then bring them back.
        if self.collections == 1 or not self.switch.on:
            return readings
        return await self.misbehave(readings)

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        raise NotImplementedError


class Raises(FaultPlugin):
    """A bug in the plugin: an exception nobody caught."""

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        raise KeyError("result")


class HangsAsync(FaultPlugin):
    """Awaits something that never comes (a server that accepts and never answers, with
    no timeout of the plugin's own); honours cancellation, as async code does."""

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        await asyncio.Event().wait()
        return readings


class BlocksThread(FaultPlugin):
    """A blocking call stuck for good (statvfs on a dead NFS mount), made the way the
    plugin API says: on the source's own thread via `context.run_blocking`."""

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        released = self.switch.released
        await self.context.run_blocking(released.wait)
        return readings


class WrongTypes(FaultPlugin):
    """Returns None instead of a list: a forgotten `return`."""

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        return None  # type: ignore[return-value]


class Million(FaultPlugin):
    """Returns a million readings (a query without its aggregation, a loop gone wrong).
    The list is built once, outside any measurement: what is measured is what the
    engine and store do with it, not what the plugin spent making it."""

    big: ClassVar[list[Reading]] = []

    @classmethod
    def prepare(cls) -> None:
        if not cls.big:
            distinct = [
                Reading(key=f"m{i}", kind="health", name=f"bulk-{i}", value=0.1, unit="ratio")
                for i in range(20_000)
            ]
            cls.big = distinct + [distinct[-1]] * (MILLION - len(distinct))

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        return self.big


class Flaps(FaultPlugin):
    """Works, fails, works, fails: a load balancer with one bad backend."""

    async def misbehave(self, readings: Sequence[Reading]) -> Sequence[Reading]:
        if self.collections % 2 == 0:
            raise ConnectionError("backend 2 of 2 refused the connection")
        return readings


FAULTS: dict[str, type[FaultPlugin]] = {
    "raises": Raises,
    "hangs_async": HangsAsync,
    "blocks_thread": BlocksThread,
    "wrong_types": WrongTypes,
    "million": Million,
    "flaps": Flaps,
}


class LagProbe:
    """How late the event loop wakes a coroutine that asks for 5 ms: the delay any
    keypress or repaint would see at that moment.

    While it runs, what the process held before it started is frozen (`gc.freeze`), as
    the board freezes its start-up heap: a test worker holds every earlier test's
    objects, and a full collection over them (0.27 s of CPU over 390,000 objects after
    three UI test files, 0.3-0.8 s of wall time in a full run on 2 cores) would be
    charged to whatever the probe watches. The collector still walks everything made
    since, so the garbage of the code under test costs what it costs."""

    PERIOD = 0.005

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.own_lags: list[float] = []
        """Each lag less the time the loop's thread was runnable but without a CPU
        meanwhile: what the process made the loop wait, not the machine's load."""
        self.stretches: list[float] = []
        """CPU seconds the loop's thread spent between two wakes: the lag our code
        caused, without the time a loaded machine kept the process off the CPU."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        gc.collect()
        gc.freeze()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            started, cpu, queued = time.perf_counter(), time.thread_time(), run_queue_wait()
            await asyncio.sleep(self.PERIOD)  # how late this wakes IS the measurement
            lag = max(0.0, time.perf_counter() - started - self.PERIOD)
            self.lags.append(lag)
            self.own_lags.append(max(0.0, lag - (run_queue_wait() - queued)))
            self.stretches.append(time.thread_time() - cpu)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            gc.unfreeze()

    @property
    def worst(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def worst_own(self) -> float:
        return max(self.own_lags, default=0.0)

    @property
    def p99(self) -> float:
        if len(self.lags) < 2:
            return self.worst
        return statistics.quantiles(self.lags, n=100, method="inclusive")[98]


@dataclass
class FaultRun:
    """What one run of one fault measured."""

    fault: str
    reason: str
    """The faulty source's error (or note, for a fault that is not an error)."""
    reasons: list[str] = field(default_factory=list)
    """Every distinct error or note the faulty source showed while the fault was on,
    in order of appearance."""
    summaries: set[str] = field(default_factory=set)
    """What the faulty source's own signals said meanwhile."""
    settled_lag: float = 0.0
    """Worst lag once the fault had shown (after any one-off cost of its first
    collection)."""
    settled_cpu: float = 0.0
    """Longest CPU stretch of the loop's thread between two probe wakes over the same
    span: what `settled_lag` would be on a machine with a CPU to spare."""
    window: float = 0.0
    waited: float = 0.0
    """Seconds of the window the event loop's thread was ready to run but had no CPU
    (the kernel's run-queue wait): the machine's load, not the fault's cost."""
    healthy_expected: float = 0.0
    healthy_counted: int = 0
    worst_lag: float = 0.0
    worst_own_lag: float = 0.0
    """`worst_lag` less the machine's load (see `LagProbe.own_lags`)."""
    p99_lag: float = 0.0
    recovered_after: float | None = None
    threads_added: int = 0
    new_threads: list[str] = field(default_factory=list)
    """Names of the threads alive at the end of the window that were not before."""
    most_failures: int = 0
    events: int = 0
    faulty_collections: int = 0
    healthy_ok: bool = False
    """The healthy source and its signals were ok at the end of the window."""


def run_queue_wait() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat;
    0 where the kernel does not say)."""
    try:
        with open("/proc/thread-self/schedstat") as file:
            return int(file.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def fault_registry(fault: str) -> tuple[PluginRegistry, type[FaultPlugin]]:
    """A registry with the steady plugin and a fresh class for `fault` (its own switch,
    so runs never share state)."""
    base = FAULTS[fault]
    cls = type(base.__name__, (base,), {"switch": Switch(), "fault": fault})
    registry = PluginRegistry(group="oncall_tui.tests.none")
    registry.register("steady", SteadyPlugin)  # type: ignore[arg-type]
    registry.register("faulty", cls)  # type: ignore[arg-type]
    return registry, cls


def fault_engine(registry: PluginRegistry) -> Engine:
    text = (
        f'refresh = "{INTERVAL * 1000:g}ms"\nevents = {EVENTS}\nhistory = 10\n'
        '[sources.healthy]\nplugin = "steady"\n'
        f'[sources.faulty]\nplugin = "faulty"\ntimeout = "{TIMEOUT * 1000:g}ms"\n'
    )
    return Engine(parse_config(text, Path("."), registry=registry), registry=registry, seed=1)


def recovered(engine: Engine) -> bool:
    """The faulty source ok again, nothing to say, its own three signals ok."""
    state = engine.store.source("faulty")
    signals = engine.store.signals
    return (
        state.ok is True
        and state.error == ""
        and state.note == ""
        and all(
            f"faulty/r{i}" in signals and signals[f"faulty/r{i}"].status is Status.OK
            for i in range(CountConfig().count)
        )
    )


def _threads() -> list[threading.Thread]:
    """This process's threads, but for the request handlers of the loopback servers
    other tests left running in it (a session's exporter that a real Prometheus scrapes
    spawns one per scrape): the engine never serves HTTP, and with pytest-xdist any of
    them may share a worker with this test."""
    return [t for t in threading.enumerate() if not t.name.endswith("(process_request_thread)")]


def started_since(alive: set[threading.Thread]) -> list[str]:
    """Names of the threads alive now that were not in `alive`. By Thread object, not
    ident: a thread that ends frees its ident for the next one started (a full run saw
    a source's own thread take the ident of one that had just ended, and counted no
    new thread)."""
    return [thread.name for thread in _threads() if thread not in alive]


async def run_fault(fault: str, *, window: int = WINDOW) -> FaultRun:
    """Run the healthy and the faulty source together: wait for the fault to show,
    count the healthy source over `window` intervals, switch the fault off, wait for
    recovery. The probe runs throughout."""
    if fault == "million":
        Million.prepare()
    registry, cls = fault_registry(fault)
    engine = fault_engine(registry)
    healthy = engine.runners["healthy"].plugin
    runner = engine.runners["faulty"]
    assert isinstance(healthy, SteadyPlugin)
    threads_before = len(_threads())
    alive_before = set(_threads())
    probe = LagProbe()
    probe.start()
    engine.start()
    run = FaultRun(fault, reason="")
    try:
        state = engine.store.source

        def showing() -> str:
            return state("faulty").error or state("faulty").note

        def watch() -> str:
            shown = showing()
            if shown and shown not in run.reasons:
                run.reasons.append(shown)
            return shown

        await wait_until_async(watch, what=f"{fault} to show")
        run.reason = showing()
        # Lag from here on: the fault's steady cost, not its first collection's (the
        # probe may only now be reporting a stall that just ended).
        reported = len(probe.lags)
        await wait_until_async(lambda: len(probe.lags) >= reported + 2, what="two probe wakes")
        settled_from = len(probe.lags)
        started, counted = time.monotonic(), healthy.collections
        queued = run_queue_wait()
        end = started + window * INTERVAL
        while time.monotonic() < end:
            watch()
            run.summaries.update(
                signal.summary
                for i in range(CountConfig().count)
                if (signal := engine.store.signals.get(f"faulty/r{i}")) is not None
            )
            run.most_failures = max(run.most_failures, runner.failures)
            await asyncio.sleep(0.01)  # sampling a window of fixed length: time is the test
        run.settled_lag = max(probe.lags[settled_from:], default=0.0)
        run.settled_cpu = max(probe.stretches[settled_from:], default=0.0)
        run.healthy_counted = healthy.collections - counted
        run.window = time.monotonic() - started
        # Reported with a failure: on a shared machine the loop's thread also waits for
        # a CPU, which no engine can make up for.
        run.waited = run_queue_wait() - queued
        run.healthy_expected = run.window / INTERVAL
        run.threads_added = len(_threads()) - threads_before
        run.new_threads = started_since(alive_before)
        run.faulty_collections = runner.collections
        run.healthy_ok = bool(engine.store.source("healthy").ok) and all(
            signal.status is Status.OK
            for key, signal in engine.store.signals.items()
            if key.startswith("healthy/")
        )
        run.events = len(engine.store.events)
        cls.switch.off()
        stopped = time.monotonic()
        # Backoff after a few failures at 100 ms is well under 2 s; 10 s is generous.
        await wait_until_async(lambda: recovered(engine), what=f"{fault}: recovery")
        run.recovered_after = time.monotonic() - stopped
    finally:
        cls.switch.off()  # never leave a thread blocked
        await engine.stop()
        await probe.stop()
    run.worst_lag, run.p99_lag = probe.worst, probe.p99
    run.worst_own_lag = probe.worst_own
    return run
