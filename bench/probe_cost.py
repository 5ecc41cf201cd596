"""What one collection of the `openmetrics` and `command` sources costs.

openmetrics: parsing an exposition of N series with prometheus_client's parser (the
CPU work the plugin moves off the event loop) and the selection after it, for sizes up
to the 10 MB body cap. command: wall time of running `/bin/true` as a check (process
group, pipes, kill), which bounds how many checks a bastion can run per second.

Usage: python bench/probe_cost.py [--series 1000,10000,50000] [--runs 20]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugins")]

from oncall_tui.core.sources.contract import SourceContext  # noqa: E402
from oncall_tui_command import CommandConfig, CommandPlugin  # noqa: E402
from oncall_tui_openmetrics.scrape import parse  # noqa: E402


def exposition(series: int) -> str:
    lines = [
        "# HELP risk_rule_hits_total Decisions refused by a risk rule",
        "# TYPE risk_rule_hits_total counter",
    ]
    for index in range(series):
        lines.append(
            f'risk_rule_hits_total{{product="p{index % 7}",rule="rule_{index}",'
            f'instance="10.0.{index % 250}.{index % 200}:9100"}} {index * 1.5}'
        )
    return "\n".join(lines) + "\n"


def bench_parse(sizes: list[int]) -> None:
    print("openmetrics: parse + select (one scrape, CPU in the source's thread)")
    print(f"  {'series':>8}  {'body':>8}  {'seconds':>8}  {'µs/series':>9}")
    wanted = frozenset({"risk_rule_hits_total"})
    for size in sizes:
        text = exposition(size)
        started = time.perf_counter()
        parsed = parse(text, "text/plain; version=0.0.4", wanted)
        took = time.perf_counter() - started
        assert len(parsed.samples["risk_rule_hits_total"]) == size
        print(f"  {size:>8}  {len(text) / 1e6:>6.1f}MB  {took:>8.3f}  {took / size * 1e6:>9.1f}")


async def bench_command(runs: int) -> None:
    config = CommandConfig.model_validate({"argv": ["true"]})
    context = SourceContext(name="bench", config_dir=Path("."), interval=5.0, timeout=5.0)
    plugin = CommandPlugin(config, context)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await plugin.collect()
        times.append(time.perf_counter() - started)
    print(f"command: `true` as a check, {runs} runs")
    print(f"  median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bench_parse([int(size) for size in args.series.split(",")])
    asyncio.run(bench_command(args.runs))


if __name__ == "__main__":
    main()
