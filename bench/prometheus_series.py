"""What a Prometheus query returning 100,000 series costs the event loop.

A real Prometheus scrapes a static exporter of N series; the prometheus plugin queries
`sum without (instance, job) (bulk_series)` (one signal per series) while a probe
coroutine sleeps 5 ms at a time and records how late it wakes up: the freeze a screen
sharing the loop would show. Then the store ingests the readings (on the loop, as the
engine does), timed apart.

    .venv/bin/python bench/prometheus_series.py                 # 100,000 series
    .venv/bin/python bench/prometheus_series.py --series 20000 --rounds 5

Figures and what they mean: bench/README.md (before: stalls of 1.7-2.4 s per poll;
after: 20-60 ms). The second case is `max_series` = 10,000 (its highest
value: the most signals the store keeps of one source). Prints figures; never passes
or fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from oncall_tui.core.signals.model import SourceState  # noqa: E402
from oncall_tui.core.signals.store import SignalStore  # noqa: E402
from oncall_tui.core.sources.contract import SourceContext  # noqa: E402
from oncall_tui.core.sources.errors import SourceError  # noqa: E402
from oncall_tui_prometheus import PrometheusConfig, PrometheusPlugin  # noqa: E402
from servers import no_proxy, wait_until  # noqa: E402
from servers_http import start_bulk_exporter  # noqa: E402
from servers_prometheus import query, start_prometheus  # noqa: E402

QUERY = "sum without (instance, job) (bulk_series)"
PROBE_STEP = 0.005


async def _probe(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(PROBE_STEP)
        lags.append(loop.time() - before - PROBE_STEP)


async def _round(url: str, max_series: int, deadline: float) -> dict[str, float]:
    config = PrometheusConfig.model_validate(
        {
            "url": url,
            "queries": [
                {"kind": "health", "name": "s{s}", "query": QUERY, "max_series": max_series}
            ],
        }
    )
    context = SourceContext(name="bulk", config_dir=ROOT, interval=5.0, timeout=deadline)
    plugin = PrometheusPlugin(config, context)
    # The HTTP client (its TLS context loads the CA bundle: ~60 ms here) is made once
    # per source, not per poll: made before the probe starts, as a dashboard has it.
    plugin.http()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(lags, stop))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    error = ""
    try:
        readings = list(await asyncio.wait_for(plugin.collect(), deadline))
    except (SourceError, TimeoutError) as exc:
        readings, error = [], str(exc) or type(exc).__name__
    collect_s = time.perf_counter() - started
    stop.set()
    await probe
    await plugin.aclose()
    store = SignalStore(history=360)
    store.add_source(SourceState("bulk", "prometheus", frozenset({"health"}), interval=5.0))
    started = time.perf_counter()
    store.apply("bulk", readings)
    first_apply_s = time.perf_counter() - started
    started = time.perf_counter()
    store.apply("bulk", readings)
    again_apply_s = time.perf_counter() - started
    if error:
        print(f"    collection failed: {error}")
    return {
        "readings": len(readings),
        "collect_s": collect_s,
        "max_lag_ms": max(lags, default=0.0) * 1000,
        "p99_lag_ms": _quantile(lags, 0.99) * 1000,
        "store_first_s": first_apply_s,
        "store_again_s": again_apply_s,
    }


async def _idle(seconds: float) -> float:
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(lags, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await probe
    return max(lags, default=0.0)


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    with (
        no_proxy(),
        start_bulk_exporter(args.series) as exporter,
        start_prometheus([f"127.0.0.1:{exporter.port}"], scrape_interval="15s") as prom,
    ):

        def scraped() -> bool:
            result = query(prom.url, "count(bulk_series)")["result"]
            return bool(result) and float(result[0]["value"][1]) == args.series  # type: ignore[index]

        wait_until(scraped, timeout=60, what=f"{args.series} series scraped")
        print(f"{args.series} series, query {QUERY!r}, {args.rounds} rounds each")
        idle = asyncio.run(_idle(2.0))
        print(f"  idle loop (the machine's own noise): max lag {idle * 1000:.1f} ms")
        for max_series in (500, min(args.series, 10_000)):
            print(f"  max_series = {max_series}")
            rounds = [
                asyncio.run(_round(prom.url, max_series, args.timeout)) for _ in range(args.rounds)
            ]
            # Apart: tracing every allocation slows the parse several times over.
            tracemalloc.start()
            asyncio.run(_round(prom.url, max_series, args.timeout * 10))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            for key in rounds[0]:
                values = [r[key] for r in rounds]
                print(
                    f"    {key:14} median {statistics.median(values):9.3f}   max {max(values):9.3f}"
                )
            print(f"    {'peak_traced_mb':14} {peak / 1e6:9.1f}")


if __name__ == "__main__":
    main()
