"""What the dashboard costs in a real terminal: CPU, bytes to the terminal, memory.

Runs each program in a pseudo-terminal through the shared `ptymeter.py` and prints
one row per program:

  bare        a minimal Textual app with a 1 Hz clock: the floor of any Textual UI
  engine      the engine alone on the same demo, no UI: what collecting costs
  idle        the dashboard on the demo, ~1,100 signals, nothing changing
  dashboard   the same with 10% of the values changing every second (1 s refresh)

dashboard minus engine is what the UI costs.

Usage: python bench/ui_cost.py [--seconds 20] [--warmup 5] [--cols 120] [--rows 40]
       [--only bare,dashboard] [--ptymeter PATH]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

BARE_APP = """
from datetime import datetime
from textual.app import App, ComposeResult
from textual.widgets import Static

class Clock(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="clock")

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"))

Clock().run()
"""

DEMO_CONFIG = """
title = "ui_cost bench"
refresh = "1s"

[sources.demo]
plugin = "demo"
services = 200
rules = 500
dependencies = 100
change_rate = {change_rate}
seed = 7
"""

LAUNCHER = """
import sys
from pathlib import Path
from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.app import OncallApp

OncallApp(Engine(load_config(Path(sys.argv[1])))).run()
"""

ENGINE_ONLY = """
import asyncio, sys
from pathlib import Path
from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine

async def main() -> None:
    Engine(load_config(Path(sys.argv[1]))).start()
    await asyncio.Event().wait()

asyncio.run(main())
"""


def find_ptymeter(given: str | None) -> Path:
    candidates = [Path(given)] if given else []
    # Next to the repository, or next to the folder of worktrees it sits in.
    candidates += [REPO.parent / "shared" / "tools" / "ptymeter.py"]
    candidates += [REPO.parent.parent / "shared" / "tools" / "ptymeter.py"]
    if env := os.environ.get("ONCALL_PTYMETER"):
        candidates.insert(0, Path(env))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise SystemExit("ptymeter.py not found: pass --ptymeter PATH or set ONCALL_PTYMETER")


def dashboard_command(config: Path) -> list[str]:
    """`python -m oncall_tui --config F` when the CLI is there, else a tiny launcher
    building Engine + OncallApp, so the bench does not depend on the CLI."""
    probe = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "--help"], capture_output=True, check=False
    )
    if probe.returncode == 0 and b"--config" in probe.stdout:
        return [sys.executable, "-m", "oncall_tui", "--config", str(config)]
    return [sys.executable, "-c", LAUNCHER, str(config)]


def measure(meter: Path, command: list[str], args: argparse.Namespace) -> dict[str, object]:
    completed = subprocess.run(
        [
            sys.executable,
            str(meter),
            "--cols",
            str(args.cols),
            "--rows",
            str(args.rows),
            "--warmup",
            str(args.warmup),
            "--seconds",
            str(args.seconds),
            "--json",
            "--",
            *command,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"ptymeter failed:\n{completed.stdout}\n{completed.stderr}")
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--only", default="bare,engine,idle,dashboard")
    parser.add_argument("--ptymeter")
    args = parser.parse_args()
    meter = find_ptymeter(args.ptymeter)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]

    with tempfile.TemporaryDirectory(prefix="oncall-ui-cost-") as tmp:
        folder = Path(tmp)
        bare = folder / "bare.py"
        bare.write_text(BARE_APP)
        programs: dict[str, list[str]] = {"bare": [sys.executable, str(bare)]}
        for name, rate in (("idle", 0.0), ("dashboard", 0.1)):
            config = folder / f"{name}.toml"
            config.write_text(DEMO_CONFIG.format(change_rate=rate))
            programs[name] = dashboard_command(config)
        programs["engine"] = [sys.executable, "-c", ENGINE_ONLY, str(folder / "dashboard.toml")]

        print(f"{args.cols}x{args.rows}, warm-up {args.warmup:g}s, window {args.seconds:g}s")
        print(f"{'program':<10} {'cpu %':>7} {'bytes/s':>9} {'rss MiB':>8} {'first byte':>11}")
        for name in wanted:
            result = measure(meter, programs[name], args)
            first = result.get("first_byte_s")
            alive = "" if result.get("alive_through_window") else "  (exited early!)"
            print(
                f"{name:<10} {result['cpu_pct']:>7} {result['bytes_per_s']:>9} "
                f"{result['rss_mb']:>8} {first if first is not None else '-':>10}s{alive}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
