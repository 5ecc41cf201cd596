"""What naming the probable cause costs: `diagnose` on demo boards of growing size,
during the cascade (the most failing components) and calm.

The dashboard may ask on every store change, so the figure that matters is the time of
one call against the one-second refresh.

Usage: python bench/triage_cost.py [--repeat 20]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from importlib import resources
from pathlib import Path

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.signals.model import SourceState
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui_demo import DemoPlugin

SIZES = ((8, 12, 4), (100, 120, 40), (500, 600, 200), (1500, 2000, 500))


async def board(services: int, rules: int, dependencies: int, incident: str) -> SignalStore:
    config = DemoPlugin.Config(
        services=services, rules=rules, dependencies=dependencies, incident=incident
    )
    plugin = DemoPlugin(config, SourceContext("demo", Path("."), 1.0, 3.0))
    store = SignalStore()
    store.add_source(SourceState("demo", "demo", plugin.kinds()))
    store.apply("demo", await plugin.collect())
    return store


async def main(repeat: int) -> None:
    text = resources.files("oncall_tui.core").joinpath("demo_config.toml").read_text()
    config = parse_config(text, Path("."))
    print(f"{'signals':>8} {'incident':>9} {'causes':>6} {'ms/call':>8}")
    for size in SIZES:
        for incident in ("none", "cascade"):
            store = await board(*size, incident)
            started = time.perf_counter()
            for _ in range(repeat):
                diagnosis = store_diagnosis(store, config.topology, config.change_window)
            took = (time.perf_counter() - started) / repeat * 1000
            print(f"{len(store.signals):>8} {incident:>9} {len(diagnosis.causes):>6} {took:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(parser.parse_args().repeat))
