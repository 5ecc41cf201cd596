"""Regenerate docs/dashboard.svg, the README's picture: the demo during a risk-rule
incident (services green, one rule blocking far above its baseline).

    .venv/bin/python scripts/screenshot.py
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from oncall_tui.core.config import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.app import OncallApp

DOCS = Path(__file__).resolve().parent.parent / "docs"
CONFIG = """
title = "Credit payments on-call (demo)"
refresh = "1s"

[sources.demo]
plugin = "demo"
services = 8
rules = 12
dependencies = 4
incident = "risk_rule"
seed = 3

[sources.host]
plugin = "host"
"""


async def main() -> None:
    engine = Engine(parse_config(CONFIG, DOCS))
    app = OncallApp(engine)
    async with app.run_test(size=(160, 44)) as pilot:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(engine.store.signals) < 40:
            await pilot.pause(0.2)
        await pilot.pause(4.0)  # the launch selection settles after every source answered
        app.save_screenshot(filename="dashboard.svg", path=str(DOCS))
        print(f"wrote {DOCS / 'dashboard.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
