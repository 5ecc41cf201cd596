"""A day of a 10,000-signal board on a fake clock: does memory stay flat?

The store and the probable cause, fed one demo collection per simulated second (about
10,000 signals, 10% of the values moving each time), as a wallboard left up for a day
would be. Every collection costs real CPU whatever the clock says, so the first
`--real-minutes` run at the real 1 s step (long enough to fill every ring: 360 samples
of history per signal, the event log); the rest of the day steps 5 minutes per
collection, running the same code over the day's span (ages, staleness, retirement).
Prints RSS every simulated hour with the samples all the rings hold, and the slope of
RSS (KiB per simulated hour) once that count stops growing, which must be about 0. The
SLO budget rings take a sample per collection here (5 minutes apart: their spacing is a
minute), so they fill only after 30 simulated hours: before that, a slope is their
filling, not a leak. Hence the default of 48 hours.

`bench/soak.py --minutes 60 --config FILE` is the real hour: the real dashboard in a
pty, its RSS slope and CPU.

Usage: python bench/memory_day.py [--hours 48] [--real-minutes 10]

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


def ring_samples(store: SignalStore) -> int:
    """Samples held by every signal's value and budget rings: growing while they fill."""
    return sum(
        len(signal.history) + (len(signal.budget) if signal.budget is not None else 0)
        for signal in store.signals.values()
    )


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
    held: list[int] = []
    next_sample = 0.0
    real_span = real_minutes * 60
    began = time.monotonic()
    print(
        f"{'sim h':>6} {'signals':>8} {'events':>7} {'ring samples':>12} {'rss MiB':>8} "
        f"{'real s':>7}"
    )
    while now <= hours * 3600:
        store.apply("demo", await plugin.collect(), at=start + now)
        store_diagnosis(store, {}, 3600.0)
        if now >= next_sample:
            gc.collect()
            samples.append((now, rss_kib()))
            held.append(ring_samples(store))
            if now % 3600 < (1.0 if now < real_span else STEP):
                print(
                    f"{now / 3600:>6.1f} {len(store.signals):>8} {len(store.events):>7} "
                    f"{held[-1]:>12} {samples[-1][1] / 1024:>8.1f} "
                    f"{time.monotonic() - began:>7.0f}",
                    flush=True,
                )
            next_sample += 60.0 if now < real_span else STEP
        now += 1.0 if now < real_span else STEP
    filled = next((i for i, count in enumerate(held) if count == held[-1]), len(held))
    full = samples[filled:]
    since = f"{full[0][0] / 3600:.1f} h" if full else "never"
    print(
        f"rss slope once every ring was full (from {since}): {slope(full):+.1f} KiB per "
        f"simulated hour over {len(full)} samples; after the first {real_minutes:g} min "
        f"{slope([s for s in samples if s[0] >= real_span]):+.1f}; whole run "
        f"{slope(samples):+.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=48.0)
    parser.add_argument("--real-minutes", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.hours, args.real_minutes))
