"""Regenerate the README's pictures: docs/dashboard.svg, the demo during a risk-rule
incident (services green, one rule blocking far above its baseline), and
docs/cause-line.svg, the demo's cascade (the credit bureau down, its symptoms louder)
with the probable-cause line under the header.

    .venv/bin/python scripts/screenshot.py
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from oncall_tui.core.config.loader import parse_config
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


CASCADE = """
title = "Credit payments on-call (demo)"
refresh = "1s"
change_window = "10m"

[topology]
"loan-api" = ["credit-bureau", "risk-engine"]
"cashloan/credit-limit" = ["credit-bureau"]

[sources.demo]
plugin = "demo"
incident = "cascade"
seed = 3
"""


async def shoot(config: str, name: str, size: tuple[int, int]) -> None:
    engine = Engine(parse_config(config, DOCS))
    app = OncallApp(engine)
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(engine.store.signals) < 30:
            await pilot.pause(0.2)
        await pilot.pause(4.0)  # the launch selection settles after every source answered
        app.save_screenshot(filename=name, path=str(DOCS))
        print(f"wrote {DOCS / name}")


async def main() -> None:
    await shoot(CONFIG, "dashboard.svg", (160, 44))
    await shoot(CASCADE, "cause-line.svg", (120, 30))


if __name__ == "__main__":
    asyncio.run(main())
