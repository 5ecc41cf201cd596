"""What one reading costs the engine as a board grows: from readings in to the store
applied and the probable cause named, in microseconds per reading.

A platform grows; the cost of one collection must grow with the readings it brings,
not faster. For demo boards of about 100, 1,000 and 10,000 signals (10% of the values
moving per collection, as the steady-state benchmark), each round hands the store one
collection of the demo (collected beforehand, so the plugin's own cost is not counted)
and asks for the diagnosis, as the dashboard does after every change. Printed per size:
the median round, its split (store apply, diagnosis), and µs per reading; the last
column is the growth of µs per reading against the smallest board (1.0 = linear).

Times are CPU time of this process (`time.process_time`), not wall time: on a shared
machine another process's load must not count as the engine's cost.

Usage: python bench/engine_scale.py [--rounds 30]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from oncall_tui.core.signals.model import Reading, SourceState
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology
from oncall_tui_demo import DemoPlugin

SIZES = {"~100": (10, 20, 6), "~1,000": (100, 180, 60), "~10,000": (1000, 1800, 600)}
"""Demo counts (services, rules, dependencies) giving about that many signals."""


async def collections(counts: tuple[int, int, int], rounds: int) -> list[list[Reading]]:
    services, rules, dependencies = counts
    config = DemoPlugin.Config(
        services=services,
        rules=rules,
        dependencies=dependencies,
        incident="none",
        change_rate=0.1,
    )
    plugin = DemoPlugin(config, SourceContext("demo", Path("."), 1.0, 3.0))
    return [list(await plugin.collect()) for _ in range(rounds + 1)]


def measure(batches: list[list[Reading]]) -> tuple[float, float, int]:
    """Median seconds of apply and of diagnosis per round, and the signals held."""
    store = SignalStore()
    store.add_source(SourceState("demo", "demo", frozenset({"health", "risk_rule"})))
    store.apply("demo", batches[0], at=0.0)  # the first collection: every signal is new
    topology = Topology({})  # built once, as the dashboard's cause line holds it
    applies, diagnoses = [], []
    for index, batch in enumerate(batches[1:], start=1):
        started = time.process_time()
        store.apply("demo", batch, at=float(index))
        applied = time.process_time()
        store_diagnosis(store, topology, 3600.0)
        applies.append(applied - started)
        diagnoses.append(time.process_time() - applied)
    return statistics.median(applies), statistics.median(diagnoses), len(store.signals)


async def main(rounds: int) -> None:
    print(
        f"{'board':>8} {'signals':>8} {'apply ms':>9} {'triage ms':>9} {'µs/reading':>10} "
        f"{'growth':>7}"
    )
    first: float | None = None
    for name, counts in SIZES.items():
        batches = await collections(counts, rounds)
        apply, diagnosis, held = measure(batches)
        per_reading = (apply + diagnosis) / len(batches[-1]) * 1e6
        first = first or per_reading
        print(
            f"{name:>8} {held:>8} {apply * 1000:>9.2f} {diagnosis * 1000:>9.2f} "
            f"{per_reading:>10.2f} {per_reading / first:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(parser.parse_args().rounds))
