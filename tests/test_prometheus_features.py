"""The complete prometheus source against the real Prometheus.

Components, change markers, baselines with ratio limits, no_data, server warnings,
sample age, the backfill and the request concurrency; the session's one Prometheus
(`platform`) serves them all. A loopback proxy in front of it counts requests and
in-flight requests, or plays a results cache that ignores the evaluation time: faults
a bare Prometheus does not make.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from oncall_tui.core.signals.model import Reason, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.errors import SourceError
from quiet_handler import QuietHandler
from servers import (
    EVIL_RULE,
    RATIO,
    Platform,
    closed_port,
    no_proxy,
    query,
    serve_http,
    start_bulk_exporter,
    start_prometheus,
    wait_for_query,
    wait_until,
)
from test_prometheus_plugin import by_name, plugin_for

pytestmark = pytest.mark.servers

UP = {"kind": "health", "name": "{service} up", "query": "service_up", "unit": "bool"}


def store_for(
    plugin_kinds: frozenset[Any], *, interval: float = 5.0, max_age: float | None = None
) -> SignalStore:
    store = SignalStore()
    store.add_source(
        SourceState("prom", "prometheus", plugin_kinds, interval=interval), max_age=max_age
    )
    return store


# --------------------------------------------------------------------------- proxy


@dataclass
class Proxy:
    """A loopback HTTP proxy to the real Prometheus that watches and misbehaves."""

    upstream: str
    url: str = ""
    delay: float = 0.0
    """Seconds each request is held before it is forwarded."""
    cache: bool = False
    """Answer a query seen before with its first answer, whatever its `time`: a
    results cache keyed on the query alone."""
    fail_range: bool = False
    """Answer every query_range with a 500."""
    range_delay: float = 0.0
    """Seconds each query_range is held on top of `delay`."""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: dict[str, bytes] = field(default_factory=dict)

    def paths(self, suffix: str) -> list[dict[str, str]]:
        return [params for path, params in self.requests if path.endswith(suffix)]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with proxy.lock:
                    proxy.requests.append((parts.path, params))
                    proxy.in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy.in_flight)
                try:
                    slow = proxy.range_delay if parts.path.endswith("/query_range") else 0.0
                    time.sleep(proxy.delay + slow)  # a slow server: the behaviour under test
                    status, body = self._answer(parts.path, parts.query, params)
                finally:
                    with proxy.lock:
                        proxy.in_flight -= 1
                self.send_body(status, body)

            def _answer(self, path: str, query: str, params: dict[str, str]) -> tuple[int, bytes]:
                if proxy.fail_range and path.endswith("/query_range"):
                    error = {"status": "error", "errorType": "internal", "error": "cache down"}
                    return 500, json.dumps(error).encode()
                key = params.get("query", "")
                if proxy.cache and key in proxy.answers:
                    return 200, proxy.answers[key]
                with httpx.Client(trust_env=False, timeout=10) as client:
                    response = client.get(f"{proxy.upstream}{path}?{query}")
                proxy.answers.setdefault(key, response.content)
                return response.status_code, response.content

        return Handler


@pytest.fixture
def proxy(platform: Platform) -> Iterator[Proxy]:
    watcher = Proxy(platform.prometheus.url)
    with serve_http(watcher.handler()) as server, no_proxy():
        watcher.url = server.url
        yield watcher


# --------------------------------------------------------------------------- component


async def test_component_is_filled_from_labels(platform: Platform) -> None:
    queries = [
        {**UP, "component": "svc:{service}"},
        {**UP, "name": "{service} up too"},
    ]
    async with plugin_for(platform.prometheus.url, *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["ledger up"].component == "svc:ledger"
    assert readings["ledger up too"].component == "", "unset: the store uses the name"
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    components = {s.name: s.component for s in store.signals.values()}
    assert components["payment-api up"] == "svc:payment-api"
    assert components["payment-api up too"] == "payment-api up too"


# --------------------------------------------------------------------------- change


async def test_change_markers_are_events_never_statuses(platform: Platform) -> None:
    collector = platform.exporter.collector
    before = dict(collector.deployed_at)
    query = {
        "kind": "change",
        "name": "{service} deployed",
        "component": "{service}",
        "query": "deploy_timestamp_seconds",
    }
    try:
        async with plugin_for(platform.prometheus.url, query) as plugin:
            readings = by_name(list(await plugin.collect()))
            assert set(readings) == {"payment-api deployed", "risk-engine deployed"}
            deployed = readings["payment-api deployed"]
            assert deployed.kind == "change" and deployed.component == "payment-api"
            assert deployed.thresholds is None, "a time is never judged"
            assert deployed.value == pytest.approx(before["payment-api"], abs=0.01)
            store = store_for(plugin.kinds())
            store.apply("prom", list(readings.values()))

            # A new deploy: a second change event, and still no status.
            redeployed = round(time.time(), 3)
            collector.deployed_at["payment-api"] = redeployed
            wait_for_query(
                platform.prometheus,
                f'deploy_timestamp_seconds{{service="payment-api"}} > {redeployed - 1}',
            )
            store.apply("prom", list(await plugin.collect()))
    finally:
        collector.deployed_at.update(before)
    changes = sorted((event.value, event.name) for event in store.events if event.change)
    assert changes == [
        (pytest.approx(before["risk-engine"], abs=0.01), "risk-engine deployed"),
        (pytest.approx(before["payment-api"], abs=0.01), "payment-api deployed"),
        (pytest.approx(redeployed, abs=0.01), "payment-api deployed"),
    ]
    assert {s.status for s in store.signals.values()} == {Status.OK}
    assert not [event for event in store.events if not event.change]


async def test_empty_change_query_is_no_marker(platform: Platform) -> None:
    query = {
        "kind": "change",
        "name": "{service} deployed",
        "query": 'deploy_timestamp_seconds{service="nope"}',
    }
    async with plugin_for(platform.prometheus.url, query) as plugin:
        assert list(await plugin.collect()) == [], "no deploy known is not an unknown signal"


# --------------------------------------------------------------------------- baseline


def _split_baseline(cashloan: float, paylater: float) -> str:
    """The usual hit rate: the current one divided by `cashloan` or `paylater`, and
    none at all for the evil rule (a missing baseline series)."""
    return (
        f'(({RATIO}) / {cashloan}) and on(product) risk_decisions_total{{product="cashloan"}}'
        f' or ((({RATIO}) / {paylater}) unless on(rule) risk_rule_hits_total{{rule=~"evil.*"}})'
    )


async def test_a_rule_at_five_times_its_baseline_is_critical(platform: Platform) -> None:
    query = {
        "kind": "risk_rule",
        "name": "{product}/{rule}",
        "query": RATIO,
        "unit": "ratio",
        "warning": 0.5,  # far above every rule: the ratio alone decides
        "critical": 0.9,
        "baseline": _split_baseline(cashloan=5, paylater=1.5),
        "warning_ratio": 2,
        "critical_ratio": 4.5,
    }
    async with plugin_for(platform.prometheus.url, query) as plugin:
        readings = by_name(list(await plugin.collect()))
    fingerprint = readings["cashloan/device_fingerprint"]
    assert fingerprint.baseline == pytest.approx(0.06, rel=0.01)
    assert readings["paylater/credit_limit"].baseline == pytest.approx(0.08 / 1.5, rel=0.01)
    assert readings[f"paylater/{EVIL_RULE}"].baseline is None, "no baseline series"
    assert fingerprint.thresholds is not None
    assert (fingerprint.thresholds.warning_ratio, fingerprint.thresholds.critical_ratio) == (2, 4.5)

    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    signals = {s.name: s for s in store.signals.values()}
    assert signals["cashloan/device_fingerprint"].status is Status.CRITICAL
    assert signals["cashloan/device_fingerprint"].summary == "critical: 5x its usual 6% (≥ 4.5x)"
    assert signals["paylater/credit_limit"].status is Status.OK, "1.5x: within its usual"
    evil = next(s for s in signals.values() if s.labels["rule"].startswith("evil"))
    assert (evil.status, evil.summary) == (Status.OK, ""), "no baseline: no ratio check"


async def test_scalar_baseline_applies_to_every_series(platform: Platform) -> None:
    query = {
        "kind": "risk_rule", "name": "{product}/{rule}", "query": RATIO,
        "baseline": "scalar(vector(0.01))", "warning_ratio": 5, "critical_ratio": 20,
    }  # fmt: skip
    async with plugin_for(platform.prometheus.url, query) as plugin:
        readings = by_name(list(await plugin.collect()))
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    status = {s.name: s.status for s in store.signals.values()}
    assert {r.baseline for r in readings.values()} == {0.01}
    assert status["cashloan/device_fingerprint"] is Status.CRITICAL  # 30x
    assert status["paylater/credit_limit"] is Status.WARNING  # 8x
    assert status["paylater/velocity_check"] is Status.OK  # 1x


async def test_broken_baseline_keeps_the_readings_and_says_so(platform: Platform) -> None:
    query = {**UP, "baseline": "service_up offset", "warning_ratio": 2}
    async with plugin_for(platform.prometheus.url, query) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value).startswith("queries[0] ({service} up): baseline: bad_data: ")
    assert caught.value.readings is not None
    assert {r.name for r in caught.value.readings} == {
        "ledger up",
        "payment-api up",
        "risk-engine up",
    }
    assert all(r.baseline is None for r in caught.value.readings)


# --------------------------------------------------------------------------- no data


async def test_no_data_ok_and_unknown(platform: Platform) -> None:
    alerting = {
        "kind": "risk_rule",
        "name": "{product}/{rule} blocking",
        "component": "{rule}",
        "query": f"({RATIO}) > 0.9",
        "no_data": "ok",
    }
    watched = {
        "kind": "business",
        "name": "approvals of {product}",
        "query": 'service_up{service="gone"}',
    }
    async with plugin_for(platform.prometheus.url, alerting, watched) as plugin:
        readings = by_name(list(await plugin.collect()))
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    signals = {s.name: s for s in store.signals.values()}
    assert set(signals) == {"blocking", "approvals of"}
    ok, unknown = signals["blocking"], signals["approvals of"]
    assert (ok.status, ok.reason, ok.value) == (Status.OK, None, None)
    assert ok.summary == "no series (nothing to report)"
    assert ok.component == "blocking"
    assert (unknown.status, unknown.reason) == (Status.UNKNOWN, Reason.NO_DATA)
    assert unknown.summary == "no series: the query returned nothing"
    assert unknown.kind == "business"


# --------------------------------------------------------------------------- warnings


async def test_server_warnings_mark_the_query_partial() -> None:
    # Remote read from a closed port: Prometheus answers, with a warning. The values
    # are kept and marked partial (test_partial.py follows it to the screen).
    with (
        no_proxy(),
        start_prometheus(remote_read=f"http://127.0.0.1:{closed_port()}/api/v1/read") as prom,
    ):
        queries = [
            {"kind": "health", "name": "absent up", "query": "absent(up)"},
            {"kind": "health", "name": "one", "query": "vector(1)"},
        ]
        async with plugin_for(prom.url, *queries) as plugin:
            readings = {r.name: r for r in await plugin.collect()}
    assert {name: r.value for name, r in readings.items()} == {"absent up": 1.0, "one": 1.0}
    partial = readings["absent up"].partial
    assert partial.startswith("server warning: remote_read: ")
    assert "connection refused" in partial
    assert readings["one"].partial == ""  # no selector: nothing read remotely


# --------------------------------------------------------------------------- sample age


async def test_sample_time_is_the_evaluation_time_sent(proxy: Proxy) -> None:
    async with plugin_for(proxy.url, UP) as plugin:
        before = time.time()
        readings = await plugin.collect()
    (params,) = proxy.paths("/api/v1/query")
    sent = float(params["time"])
    assert before - 0.01 <= sent <= time.time()
    assert [r.observed_at for r in readings] == [pytest.approx(sent, abs=0.001)] * 3


async def test_an_old_answer_turns_stale(proxy: Proxy) -> None:
    # A results cache that ignores the evaluation time serves the first answer again:
    # fetched now, but its samples are as old as that first answer.
    proxy.cache = True
    async with plugin_for(proxy.url, UP) as plugin:
        store = store_for(plugin.kinds(), max_age=1.0)
        first = await plugin.collect()
        store.apply("prom", list(first))
        assert {s.status for s in store.signals.values()} == {Status.OK}
        await asyncio.sleep(1.3)  # the first answer ages past max_age: time is the test
        second = await plugin.collect()
    assert [r.observed_at for r in second] == [r.observed_at for r in first]
    store.apply("prom", list(second))
    ledger = next(s for s in store.signals.values() if s.name == "ledger up")
    assert (ledger.status, ledger.reason) == (Status.UNKNOWN, Reason.STALE)
    # Its age is 1.3 s and the second collection's time: 2 or 3 s on a loaded machine.
    assert re.fullmatch(r"stale: last data \d+s ago", ledger.summary), ledger.summary
    assert len(proxy.paths("/api/v1/query")) == 2


# --------------------------------------------------------------------------- backfill


async def test_history_is_backfilled_once_on_the_second_collection(
    platform: Platform, proxy: Proxy
) -> None:
    # Enough history to fill: at least 6 s of samples in the 20 s asked for.
    wait_for_query(platform.prometheus, 'count_over_time(service_up{service="ledger"}[20s]) >= 6')
    query = {**UP, "max_series": 2}
    async with plugin_for(proxy.url, query, interval=1.0, backfill="20s") as plugin:
        store = store_for(plugin.kinds(), interval=1.0)
        first = await plugin.collect()
        assert proxy.paths("/query_range") == [], "the first screen never waits for it"
        store.apply("prom", list(first))
        second = await plugin.collect()
        store.apply("prom", list(second))
        third = await plugin.collect()
    assert all(r.history == () for r in first) and all(r.history == () for r in third)
    (params,) = proxy.paths("/query_range")
    assert float(params["end"]) - float(params["start"]) == pytest.approx(20.0)
    assert params["query"] == "service_up"
    filled = {r.name: r.history for r in second}
    assert set(filled) == {"ledger up", "payment-api up"}, "max_series bounds it too"
    ledger = list(filled["ledger up"])
    assert len(ledger) >= 3 and {value for _, value in ledger} == {0.0}
    history = list(next(s for s in store.signals.values() if s.name == "ledger up").history)
    assert len(history) >= 4, "backfilled samples, then the two live ones"
    assert [t for t, _ in history] == sorted(t for t, _ in history)
    assert history[0][0] < history[-2][0] - 2


async def test_backfill_off_and_failing_backfill(proxy: Proxy) -> None:
    async with plugin_for(proxy.url, UP, backfill="0s") as plugin:
        for _ in range(3):
            assert all(r.history == () for r in await plugin.collect())
    assert proxy.paths("/query_range") == []

    proxy.fail_range = True
    async with plugin_for(proxy.url, UP) as plugin:
        await plugin.collect()
        second = await plugin.collect()  # no SourceError: best effort
    assert len(second) == 3 and all(r.history == () for r in second)
    assert len(proxy.paths("/query_range")) == 1


async def test_a_slow_backfill_is_given_up_within_the_deadline(proxy: Proxy) -> None:
    proxy.range_delay = 10.0
    async with plugin_for(proxy.url, UP, deadline=3.0) as plugin:
        await plugin.collect()
        # Neither failed nor late (the plugin raises past its timeout): given up at
        # 80% of the deadline.
        second = await plugin.collect()
    assert len(second) == 3 and all(r.history == () for r in second)
    assert len(proxy.paths("/query_range")) == 1


# --------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize(("limit", "expected"), [(None, 4), (2, 2)])
async def test_one_request_per_query_concurrent_up_to_the_cap(
    proxy: Proxy, limit: int | None, expected: int
) -> None:
    proxy.delay = 0.3
    queries = [{**UP, "name": f"{{service}} {i}"} for i in range(5)]
    queries.append({**UP, "name": "{service} with baseline", "baseline": "service_up offset 1m"})
    options = {} if limit is None else {"max_concurrency": limit}
    async with plugin_for(proxy.url, *queries, **options) as plugin:
        started = time.monotonic()
        await plugin.collect()
        elapsed = time.monotonic() - started
    assert len(proxy.paths("/api/v1/query")) == 7, "six queries, one baseline"
    assert proxy.max_in_flight == expected
    assert elapsed >= 0.3 * (7 // expected), "the cap was not exceeded"


# --------------------------------------------------------------------------- 100,000 series


async def test_a_late_collection_is_not_reported_ok(platform: Platform) -> None:
    async def block_the_loop() -> None:
        await asyncio.sleep(0)  # a yield, not a wait: the collection starts first
        time.sleep(1.2)  # noqa: ASYNC251 - the stall elsewhere in the process under test

    async with plugin_for(platform.prometheus.url, UP, deadline=1.0) as plugin:
        stall = asyncio.ensure_future(block_the_loop())
        with pytest.raises(SourceError, match=r"^took 1\.\d+s, over its timeout of 1s$") as caught:
            await plugin.collect()
        await stall
    assert caught.value.readings is not None and len(caught.value.readings) == 3


BULK = 100_000


@pytest.fixture(scope="module")
def bulk_prometheus() -> Iterator[str]:
    """A Prometheus holding 100,000 series of one gauge, scraped every 3 s: its own,
    so the session's Prometheus does not carry them for every other test."""
    with (
        no_proxy(),
        start_bulk_exporter(BULK) as exporter,
        start_prometheus([f"127.0.0.1:{exporter.port}"], scrape_interval="3s") as prom,
    ):

        def scraped() -> bool:
            result = query(prom.url, "count(bulk_series)")["result"]
            return bool(result) and float(result[0]["value"][1]) == BULK  # type: ignore[index]

        wait_until(scraped, timeout=60, what=f"{BULK} series scraped", detail=prom.stderr_tail)
        yield prom.url


async def test_100k_series_never_freeze_the_loop(bulk_prometheus: str) -> None:
    """The whole answer used to be parsed on the event loop before
    the cap applied (a 2-3 s freeze per poll here, see bench/prometheus_series.py).
    Contract bound, with a wide margin: no stall of the loop above 500 ms."""
    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(0.005)  # how late this wakes IS the measurement
            lags.append(loop.time() - before - 0.005)

    query_ = {
        "kind": "health",
        "name": "s{s}",
        "query": "sum without (instance, job) (bulk_series)",
    }
    async with plugin_for(bulk_prometheus, query_, deadline=30.0) as plugin:
        watcher = asyncio.ensure_future(probe())
        try:
            readings = list(await plugin.collect())
        finally:
            done.set()
            await watcher
    assert len(readings) == 500
    assert [r.name for r in readings[:2]] == ["s000000", "s000001"], "the first by labels"
    assert "only 500 of 100000 series shown" in readings[0].summary
    assert max(lags) < 0.5, f"event loop stalled {max(lags):.2f}s"
