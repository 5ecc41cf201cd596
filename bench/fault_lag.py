"""What a misbehaving plugin costs the rest of the process, measured.

Runs each fault of tests/engine_faults.py (the same code tests/test_faults_engine.py
asserts on) through the real engine next to a healthy source, both at a 100 ms
interval, and prints per fault:

- the healthy source's collections over a 10-interval window, against the ideal;
- event-loop lag seen by a probe coroutine sleeping 5 ms in a loop: worst, 99th
  percentile, and worst once the fault had shown (the million-reading source's first
  collection is a one-off cost: 10,000 new signals entering the store);
- how long after the fault stopped the source was ok again;
- threads the fault left (one, for a blocking call stuck for good).

Usage: python bench/fault_lag.py [--runs 3] [--only raises,million]

Prints figures; it never passes or fails on them (machines differ). The test's bounds
are set from these with at least 5x margin.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugins"), str(REPO / "tests")]

from engine_faults import FAULTS, FaultRun, run_fault  # noqa: E402


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


async def main(runs: int, only: list[str]) -> None:
    print(f"{'fault':14} {'healthy':>9} {'lag max':>8} {'p99':>5} {'settled':>8} "
          f"{'recover':>8} {'threads':>7}  reason")  # fmt: skip
    print(f"{'':14} {'n/ideal':>9} {'ms':>8} {'ms':>5} {'ms':>8} {'ms':>8}")
    worst: dict[str, float] = {}
    for fault in only:
        for _ in range(runs):
            run: FaultRun = await run_fault(fault)
            worst[fault] = max(worst.get(fault, 0.0), run.worst_lag)
            print(
                f"{fault:14} {run.healthy_counted:>4}/{run.healthy_expected:<4.1f} "
                f"{_ms(run.worst_lag):>8} {_ms(run.p99_lag):>5} {_ms(run.settled_lag):>8} "
                f"{_ms(run.recovered_after):>8} {run.threads_added:>7}  {run.reason[:60]}"
            )
    print()
    print("worst lag per fault over all runs (ms): "
          + ", ".join(f"{k} {v * 1000:.0f}" for k, v in worst.items()))  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per fault")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults")
    args = parser.parse_args()
    asyncio.run(main(args.runs, [name for name in args.only.split(",") if name]))
