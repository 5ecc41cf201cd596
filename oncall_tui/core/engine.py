"""The engine: every source in its own loop, so one bad source hurts only itself.

Each source gets an asyncio task that collects, waits its interval, and repeats; polls
of one source never overlap. A collection runs under an overall deadline; a plugin that
raises, hangs, or returns garbage marks only its own signals unknown, and the source
backs off exponentially (with jitter, so many failing sources do not retry in step).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import operator
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.config.loader import AppConfig, SourceSpec
from oncall_tui.core.gate import ActionGate
from oncall_tui.core.plugin_output import (
    check_readings,
    describe_error,
    guarded,
)
from oncall_tui.core.signals.model import Reading, SourceState
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE, SignalStore
from oncall_tui.core.signals.team import notices_from_config
from oncall_tui.core.sources.blocking import BlockingRunner, BlockingStillRunning
from oncall_tui.core.sources.contract import Plugin, PluginConfig, SourceContext
from oncall_tui.core.sources.dispatch import ActionDispatcher
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.registry import PluginRegistry, default_registry

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF = 60.0
"""Longest wait after repeated failures: an on-call tool must notice recovery soon."""
SWEEP_INTERVAL = 1.0
SECOND_SAMPLE_MAX_WAIT = 10.0
"""Longest wait `check` makes for a second sample of a source that needs two (a rate):
a source polled every minute still answers within seconds."""
CANCEL_GRACE = 1.0
"""Seconds a timed-out collection gets to unwind after cancellation."""

CHECK_ON_A_THREAD = 2_000
"""New readings in one result past which they are checked on a thread, not on the
loop: 10,000 (a Prometheus answer: new objects every time) take 20-30 ms to check, in
one piece, and every key and frame waited that long once a second. Readings that are
last time's very objects cost nearly nothing to check (the demo hands back ~1,000 new
ones of 10,000 a second: checked where they are)."""


def backoff_delay(interval: float, failures: int, rng: random.Random) -> float:
    """Seconds to wait after `failures` consecutive failures: doubling from the
    interval, capped, then jittered by ±20%."""
    if failures <= 0:
        return interval
    base = min(interval * 2.0 ** (failures - 1), max(MAX_BACKOFF, interval))
    return base * rng.uniform(0.8, 1.2)


class SourceRunner:
    """One source: its plugin instance, its loop, its failure count."""

    def __init__(
        self,
        spec: SourceSpec,
        store: SignalStore,
        plugin: Plugin[PluginConfig] | None,
        error: str = "",
        *,
        rng: random.Random | None = None,
        off_loop: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
    ) -> None:
        self.spec = spec
        self.store = store
        self.plugin = plugin
        self.broken = error
        """Set when the plugin could not be created: every collection fails with it."""
        self.failures = 0
        self.collections = 0
        self.wake = asyncio.Event()
        self._rng = rng or random.Random()
        self._abandoned: asyncio.Task[Any] | None = None
        self._checked: list[Reading] = []
        self._off_loop = off_loop or BlockingRunner(f"{spec.name}-check")
        """Where a big result is checked: the source's own thread (its context's), so
        no thread more (each opens a malloc arena: ~2 MiB RSS)."""

    async def collect(self) -> bool:
        """One collection under the deadline, recorded in the store. Never raises
        (except cancellation of the runner itself)."""
        started = time.perf_counter()
        self.collections += 1
        name = self.spec.name
        try:
            try:
                self.store.collecting(name, self.spec.timeout + CANCEL_GRACE)
                readings, note = await self._collect()
            except SourceError as exc:
                if exc.readings is None:
                    raise
                partial, note = await self._check(exc.readings)
                # What worked is kept and the source polls on its cadence: backing off
                # would let the working queries go stale and flap, each flap an event.
                self.failures = 0
                await self.store.apply_in_slices(
                    name, partial, duration_ms=_ms(started), error=str(exc), note=self._note(note)
                )
                return False
            await self.store.apply_in_slices(
                name, readings, duration_ms=_ms(started), note=self._note(note)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failures += 1
            self.store.fail(name, describe_error(exc), duration_ms=_ms(started))
            return False
        self.failures = 0
        return True

    def _note(self, note: str) -> str:
        standing = self.plugin.config.source_note if self.plugin is not None else ""
        last = self._collection_note()
        return "; ".join(part for part in (standing, last, note) if part)

    def _collection_note(self) -> str:
        try:
            note = self.plugin.collection_note() if self.plugin is not None else ""
        except Exception:  # a plugin's bug costs its note, not the collection
            log.exception("collection_note() of %s failed", self.spec.name)
            return ""
        return note if isinstance(note, str) else ""

    async def _collect(self) -> tuple[list[Reading], str]:
        if self.broken or self.plugin is None:
            raise SourceError(self.broken or "plugin not loaded")
        if self._abandoned is not None and not self._abandoned.done():
            raise SourceError(
                "previous collection is still running after its deadline "
                "(the plugin ignores cancellation)"
            )
        task = asyncio.ensure_future(guarded(self.plugin.collect()))
        # asyncio.wait, not asyncio.timeout: a plugin that swallows cancellation must
        # not be able to hold the runner past its deadline.
        done, _ = await _wait_or_cancel(task, self.spec.timeout)
        if not done:
            task.cancel()
            task.add_done_callback(_consume)
            # A well-behaved plugin unwinds within moments (closing a socket); only one
            # still running after this grace ignores cancellation. Without the grace the
            # next poll, due at once when timeout = interval, would find it unwinding and
            # blame the plugin falsely, counting one failure twice.
            done, _ = await _wait_or_cancel(task, CANCEL_GRACE)
            if not done:
                self._abandoned = task
            raise SourceError(f"timed out after {format_duration(self.spec.timeout)}")
        readings, note = await self._check(task.result(), self._checked)
        self._checked = readings
        if not readings and not note:
            # Nothing returned and nothing dropped: the plugin may say what that means.
            note = self.plugin.empty_note()
        return readings, note

    async def _check(
        self, result: object, known: list[Reading] | None = None
    ) -> tuple[list[Reading], str]:
        """`check_readings`, on this source's own thread for a big result
        (CHECK_ON_A_THREAD): pure Python on readings nobody else holds yet, so the loop
        keeps its turns meanwhile; a small one is not worth the hop."""
        known = known or []
        if isinstance(result, list) and len(result) > CHECK_ON_A_THREAD:
            # Past the store's cap nothing is looked at (check_readings' limit).
            looked = min(len(result), MAX_SIGNALS_PER_SOURCE)
            fresh = looked - sum(map(operator.is_, result, known))
            if fresh > CHECK_ON_A_THREAD:
                try:
                    checked: tuple[list[Reading], str] = await self._off_loop(
                        lambda: check_readings(result, known)
                    )
                except BlockingStillRunning:
                    pass  # held by a call its plugin stopped waiting for: checked here
                else:
                    return checked
        return check_readings(result, known)

    async def run(self) -> None:
        """Collect forever at the source's interval; failures back off."""
        while True:
            started = time.monotonic()
            # Cleared before collecting, so `r` pressed during a slow poll is not lost.
            self.wake.clear()
            try:
                await self.collect()
            except asyncio.CancelledError:
                raise
            except Exception:
                # collect() handles the plugin's errors; this is a bug of ours. Log it
                # and keep the source alive.
                self.failures += 1
                log.exception("collection of %s failed", self.spec.name)
            delay = backoff_delay(self.spec.interval, self.failures, self._rng)
            remaining = delay - (time.monotonic() - started)
            if remaining > 0:
                # Not `wait_for`: on Python 3.11 it drops a cancellation (the engine
                # stopping) that lands as `wake` is set, and this loop went on for good.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self.wake.wait()


async def _wait_or_cancel(
    task: asyncio.Future[Any], deadline: float
) -> tuple[set[asyncio.Future[Any]], set[asyncio.Future[Any]]]:
    try:
        return await asyncio.wait({task}, timeout=deadline)
    except asyncio.CancelledError:
        task.cancel()
        raise


def _needs_two(plugin: Plugin[PluginConfig]) -> bool:
    try:
        return bool(plugin.needs_two_samples())
    except Exception:  # a plugin's bug must not stop `check`; one sample it is
        log.exception("needs_two_samples of %s failed", type(plugin).__name__)
        return False


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class Engine:
    """All sources of one config, feeding one store."""

    def __init__(
        self,
        config: AppConfig,
        *,
        registry: PluginRegistry | None = None,
        store: SignalStore | None = None,
        read_only: bool = False,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.gate = ActionGate(read_only=read_only)
        """Judges every action of this engine's plugins and of the app over it."""
        self.store = store or SignalStore(history=config.history, events=config.events)
        self.store.maintenance.notices = notices_from_config(config.notices)
        self.runners: dict[str, SourceRunner] = {}
        self._registry = registry or default_registry
        self._rng = random.Random(seed)
        self._tasks: list[asyncio.Task[None]] = []
        for spec in config.sources:
            self.runners[spec.name] = self._runner(spec)
        self.actions = ActionDispatcher(
            self.gate,
            {name: r.plugin for name, r in self.runners.items() if r.plugin is not None},
        )
        """Plugin actions (a silence), every one through `gate`."""

    @property
    def read_only(self) -> bool:
        """No setter: read-only is switched on by `lock_read_only`, never off."""
        return self.gate.read_only

    def lock_read_only(self) -> None:
        """Read-only for good: the gate refuses every mutating action and every plugin's
        context turns read-only, so `client_for` builds no writing client from now on."""
        self.gate.lock_read_only()
        for runner in self.runners.values():
            if runner.plugin is not None:
                runner.plugin.context.lock_read_only()

    def _runner(self, spec: SourceSpec) -> SourceRunner:
        plugin: Plugin[PluginConfig] | None = None
        error = spec.load_error
        kinds: frozenset[Any] = frozenset()
        transient = False
        if not error:
            try:
                cls = self._registry.load(spec.plugin)
                context = SourceContext(
                    name=spec.name,
                    config_dir=self.config.config_dir,
                    interval=spec.interval,
                    timeout=spec.timeout,
                    read_only=self.gate.read_only,
                )
                plugin = cls(spec.options, context)  # type: ignore[arg-type]
                kinds = plugin.kinds()
                transient = cls.transient
            except (Exception, SystemExit, GeneratorExit) as exc:
                error = f"plugin {spec.plugin!r} failed to start: {describe_error(exc)}"
                plugin = None
        state = SourceState(
            name=spec.name,
            plugin=spec.plugin,
            kinds=frozenset(kinds),
            interval=spec.interval,
            note=plugin.config.source_note if plugin is not None else "",
        )
        self.store.add_source(state, max_age=spec.max_age, transient=transient)
        return SourceRunner(
            spec,
            self.store,
            plugin,
            error,
            rng=random.Random(self._rng.random()),
            off_loop=context.run_blocking if plugin is not None else None,
        )

    async def collect_once(self) -> None:
        """One collection of every source, concurrently."""
        await asyncio.gather(*(runner.collect() for runner in self.runners.values()))

    async def collect_settled(self, max_wait: float = SECOND_SAMPLE_MAX_WAIT) -> None:
        """One collection of every source, then a second one of each source whose
        plugin needs two samples (rates), its interval after the first (at most
        `max_wait`): what `check` prints, so it says what the dashboard would."""
        await self.collect_once()

        async def again(runner: SourceRunner) -> None:
            await asyncio.sleep(min(runner.spec.interval, max_wait))
            await runner.collect()

        # A source that failed outright has no first sample to build on: its error
        # stands. One that partly worked (failures reset) gets its second sample.
        await asyncio.gather(
            *(
                again(runner)
                for runner in self.runners.values()
                if runner.failures == 0 and runner.plugin is not None and _needs_two(runner.plugin)
            )
        )

    @property
    def running(self) -> bool:
        """Whether the sources' loops are running (between `start` and `stop`)."""
        return bool(self._tasks)

    def start(self) -> None:
        """Start every source's loop and the staleness sweep on the running loop."""
        if self._tasks:
            return
        for runner in self.runners.values():
            self._tasks.append(asyncio.create_task(runner.run(), name=f"source:{runner.spec.name}"))
        self._tasks.append(asyncio.create_task(self._sweep(), name="sweep"))

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            try:
                self.store.sweep()
            except Exception:  # never let bookkeeping kill the engine
                log.exception("sweep failed")

    def refresh_now(self) -> None:
        """Collect every source now instead of at its next tick (the `r` key)."""
        for runner in self.runners.values():
            runner.wake.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        closing = [
            asyncio.ensure_future(guarded(runner.plugin.aclose()))
            for runner in self.runners.values()
            if runner.plugin is not None
        ]
        if closing:
            # All at once, and asyncio.wait rather than wait_for: an aclose() that
            # ignores cancellation must not hold up quitting.
            await asyncio.wait(closing, timeout=2.0)
            for task in closing:
                task.cancel()
                task.add_done_callback(_consume)
