"""A day of a 10,000-signal board on a fake clock: does memory stay flat?

The store and the probable cause, fed one demo collection per simulated second (about
10,000 signals, 10% of the values moving each time), as a wallboard left up for a day
would be. Every collection costs real CPU whatever the clock says, so the first
`--real-minutes` run at the real 1 s step (long enough to fill every ring: 360 samples
of history per signal, the event log); the rest of the day steps 5 minutes per
collection, running the same code over the day's span (ages, staleness, retirement).
Prints RSS every simulated hour, and its slope (KiB per simulated hour) after the
rings are full, which must be about 0.

`bench/soak.py --minutes 60 --config FILE` is the real hour: the real dashboard in a
pty, its RSS slope and CPU.

Usage: python bench/memory_day.py [--hours 24] [--real-minutes 10]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from pathlib import Path

from oncall_tui.core.signals.model import SourceState
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui_demo import DemoPlugin

STEP = 300.0
"""Simulated seconds per collection once the rings are full."""


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def slope(samples: list[tuple[float, int]]) -> float:
    """Least-squares KiB per simulated hour."""
    if len(samples) < 2:
        return 0.0
    xs = [at / 3600 for at, _ in samples]
    ys = [float(kib) for _, kib in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


async def main(hours: float, real_minutes: float) -> None:
    config = DemoPlugin.Config(
        services=1000, rules=1800, dependencies=600, incident="none", change_rate=0.1
    )
    plugin = DemoPlugin(config, SourceContext("demo", Path("."), 1.0, 3.0))
    store = SignalStore()
    store.add_source(SourceState("demo", "demo", plugin.kinds()))
    start = time.time()
    now = 0.0
    samples: list[tuple[float, int]] = []
    next_sample = 0.0
    real_span = real_minutes * 60
    began = time.monotonic()
    print(f"{'sim h':>6} {'signals':>8} {'events':>7} {'rss MiB':>8} {'real s':>7}")
    while now <= hours * 3600:
        store.apply("demo", await plugin.collect(), at=start + now)
        store_diagnosis(store, {}, 3600.0)
        if now >= next_sample:
            gc.collect()
            samples.append((now, rss_kib()))
            if now % 3600 < (1.0 if now < real_span else STEP):
                print(
                    f"{now / 3600:>6.1f} {len(store.signals):>8} {len(store.events):>7} "
                    f"{samples[-1][1] / 1024:>8.1f} {time.monotonic() - began:>7.0f}",
                    flush=True,
                )
            next_sample += 60.0 if now < real_span else STEP
        now += 1.0 if now < real_span else STEP
    full = [sample for sample in samples if sample[0] >= real_span]
    print(
        f"rss slope after the rings filled ({real_minutes:g} min): "
        f"{slope(full):+.1f} KiB per simulated hour over {len(full)} samples; "
        f"whole run {slope(samples):+.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--real-minutes", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.hours, args.real_minutes))
