"""The probable cause holds through slow answers and a failed scrape:
examples/prometheus.toml against a real Prometheus and Alertmanager watching the
cascade of tests/scenarios.py, collected by the engine as the dashboard's is.

- Answers slower than the refresh (each query held by a proxy in front of Prometheus,
  as a loaded server answers): the bureau never turns stale, the cause stays the bureau.
- One failed scrape of the exporter: Prometheus has no `dependency_up` until the next
  scrape; the bureau keeps its status over that answer, the cause stays the bureau.

Both moved the cause line to the risk engine for a moment on a loaded machine
(tests/test_store_answers.py has the same on a hand-set clock).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Status
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology
from prometheus_features_support import Proxy
from scenario_monitoring import (
    Monitoring,
    module_platform,  # noqa: F401  (the fixture `platform`)
    prometheus_config,
    settle,
    start_monitoring,
    write_config,
)
from scenarios import EXPECTED, ScenarioPlatform
from servers_http import serve_http
from servers_prometheus import query
from waiting import wait_until, wait_until_async

pytestmark = pytest.mark.servers

CAUSE = EXPECTED["cascade"].cause
COLLECTIONS = 4
"""Collections watched after the cause is first named."""
SLOW = 2.6
"""Seconds the proxy holds each query: over the 2 s refresh, so each answer's data is
2.6 + 2.6 s old when the next one comes, past the 4 s after which data is stale."""
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def monitoring(platform: ScenarioPlatform) -> Iterator[Monitoring]:
    with start_monitoring(platform) as running:
        platform.switch("cascade")
        settle(running, "cascade", prometheus_config(running))
        yield running


class Watch:
    """Every change of the engine's store, as triage reads it: the causes named, and
    the prom signals not known, from the first moment both sources answered and the
    cause was the bureau."""

    def __init__(self, engine: Engine, topology: Topology, window: float) -> None:
        self.engine, self.topology, self.window = engine, topology, window
        self.named: list[list[str]] = []
        self.unknown: set[str] = set()
        self.started_at: int | None = None
        """The prom source's collections when the bureau was first named."""

    def __call__(self, _changed: set[str]) -> None:
        store = self.engine.store
        causes = [c.component for c in store_diagnosis(store, self.topology, self.window).causes]
        if self.started_at is None:
            answered = all(s.last_attempt is not None for s in store.sources)
            if not (answered and causes == [CAUSE]):
                return
            self.started_at = self.collections
        self.named.append(causes)
        self.unknown |= {
            s.key
            for s in store.signals.values()
            if s.source == "prom" and s.status is Status.UNKNOWN
        }

    @property
    def collections(self) -> int:
        return self.engine.runners["prom"].collections

    def watched(self) -> bool:
        return self.started_at is not None and self.collections > self.started_at + COLLECTIONS


@contextlib.asynccontextmanager
async def watching(config_text: str, directory: Path) -> AsyncIterator[Watch]:
    config = load_config(write_config(config_text, directory))
    engine = Engine(config, read_only=True)
    watch = Watch(engine, Topology(config.topology or {}), config.change_window)
    engine.store.subscribe(watch)
    engine.start()
    try:
        yield watch
    finally:
        await engine.stop()


def example(monitoring: Monitoring, refresh: str, prometheus_url: str | None = None) -> str:
    """The example pointed at the servers, its deadline 8 s (the second collection
    backfills history: two slow rounds of requests in a row)."""
    text = prometheus_config(monitoring, prometheus_url, refresh=refresh)
    assert 'timeout = "3s"' in text
    # Every request of a collection at once: one round of SLOW seconds each.
    return text.replace('timeout = "3s"', 'timeout = "8s"\nmax_concurrency = 64', 1)


async def test_answers_slower_than_the_refresh_keep_the_cause(
    monitoring: Monitoring, tmp_path: Path
) -> None:
    proxy = Proxy(monitoring.prometheus.url, delay=SLOW)
    with serve_http(proxy.handler()) as server:
        proxy.url = server.url
        async with watching(example(monitoring, "2s", proxy.url), tmp_path) as watch:
            await wait_until_async(watch.watched, TIMEOUT, what="collections through the proxy")
    assert all(named == [CAUSE] for named in watch.named), watch.named
    assert watch.unknown == set()


async def test_one_failed_scrape_keeps_the_cause(
    platform: ScenarioPlatform, monitoring: Monitoring, tmp_path: Path
) -> None:
    # Polled every 3 s: the scrape after the stall is in before the next collection.
    async with watching(example(monitoring, "3s"), tmp_path) as watch:
        await wait_until_async(lambda: watch.started_at is not None, TIMEOUT, what="the cause")
        await asyncio.to_thread(one_failed_scrape, platform, monitoring, watch)
        await wait_until_async(watch.watched, TIMEOUT, what="collections after the scrape")
    assert all(named == [CAUSE] for named in watch.named), watch.named
    # The error ratios may go unknown for real: their 5 s windows emptied during the
    # stall. The bureau's gauge was missing from one answer only.
    assert not [key for key in watch.unknown if CAUSE in key], watch.unknown


def one_failed_scrape(platform: ScenarioPlatform, monitoring: Monitoring, watch: Watch) -> None:
    """The exporter answers no scrape until Prometheus has dropped `dependency_up` and
    the engine has collected once without it; then it answers again."""

    def absent() -> bool:
        return not query(monitoring.prometheus.url, "dependency_up")["result"]

    (bureau,) = [
        s
        for s in watch.engine.store.signals.values()
        if s.kind == "dependency" and s.component == CAUSE
    ]
    with platform.collector.stalled():
        wait_until(absent, TIMEOUT, what="dependency_up gone after a failed scrape")
        # Taken in: the answer without it has come (a signal left out keeps the time).
        wait_until(lambda: bureau.missing_since is not None, TIMEOUT, what="an answer without it")
