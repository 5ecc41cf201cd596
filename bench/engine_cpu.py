"""What the headless side of a demo board costs: the engine running the demo's source on
the real clock (1 s refresh), its staleness sweep, and the probable cause asked once a
second as the cause line does; no screen.

The board's CPU is this plus the screen's: run it beside `board_vs_clock.py` to tell
the two apart. Printed per size ("1k": services 300, rules 500, dependencies 200,
~2,800 signals; "10k": ten times each count, the store keeps 10,000): CPU % of one core
over the window, collections made, CPU milliseconds per collection (the figure that
stays comparable on a loaded machine: a starved process makes fewer collections), RSS.

Usage: python bench/engine_cpu.py [--seconds 20] [--warmup 8] [--sizes 1k,10k]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology

CONFIG = """
title = "engine_cpu"
refresh = "1s"
[sources.demo]
plugin = "demo"
services = {0}
rules = {1}
dependencies = {2}
incident = "none"
change_rate = 0.1
seed = 7
"""
SIZES = {"1k": (300, 500, 200), "10k": (3000, 5000, 2000)}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


async def measure(size: str, seconds: float, warmup: float) -> str:
    engine = Engine(parse_config(CONFIG.format(*SIZES[size]), Path(".")), seed=1)
    topology = Topology({})

    async def cause_line() -> None:
        version = -1
        while True:
            await asyncio.sleep(1.0)
            if engine.store.version != version:
                version = engine.store.version
                store_diagnosis(engine.store, topology, 600.0)

    engine.start()
    task = asyncio.create_task(cause_line())
    await asyncio.sleep(warmup)
    runner = engine.runners["demo"]
    cpu, wall, count = time.process_time(), time.monotonic(), runner.collections
    await asyncio.sleep(seconds)
    used, wall = time.process_time() - cpu, time.monotonic() - wall
    done = runner.collections - count
    task.cancel()
    await engine.stop()
    return (
        f"{size:>4} {len(engine.store.signals):6d} signals  cpu {used / wall * 100:5.2f}%  "
        f"{done} collections in {wall:.0f} s, {used / max(done, 1) * 1000:6.1f} ms each  "
        f"rss {rss_mib():.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--sizes", default="1k,10k")
    args = parser.parse_args()
    for size in args.sizes.split(","):
        print(asyncio.run(measure(size, args.seconds, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
