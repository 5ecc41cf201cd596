"""What the wallboard costs in a real terminal, at TV size and laptop size: CPU, bytes to
the terminal, memory. Same demo and meter as `ui_cost.py` (~1,100 signals, 10% of the
values changing every second); `engine` is the engine alone, so `wallboard - engine` is
what the board itself costs.

Usage: python bench/wallboard_cost.py [--seconds 20] [--warmup 5] [--ptymeter PATH]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_cost import DEMO_CONFIG, ENGINE_ONLY, find_ptymeter, measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--ptymeter")
    args = parser.parse_args()
    meter = find_ptymeter(args.ptymeter)
    with tempfile.TemporaryDirectory(prefix="oncall-wallboard-cost-") as tmp:
        config = Path(tmp) / "demo.toml"
        config.write_text(DEMO_CONFIG.format(change_rate=0.1))
        board = [sys.executable, "-m", "oncall_tui", "--wallboard", "--config", str(config)]
        runs = [
            ("engine", [sys.executable, "-c", ENGINE_ONLY, str(config)], (120, 40)),
            ("wallboard", board, (240, 67)),
            ("wallboard", board, (120, 40)),
            ("dashboard", board[:3] + board[4:], (120, 40)),
        ]
        print(f"warm-up {args.warmup:g}s, window {args.seconds:g}s")
        print(f"{'program':<10} {'size':>7} {'cpu %':>7} {'bytes/s':>9} {'rss MiB':>8}")
        for name, command, (cols, rows) in runs:
            args.cols, args.rows = cols, rows
            result = measure(meter, command, args)
            alive = "" if result.get("alive_through_window") else "  (exited early!)"
            print(
                f"{name:<10} {cols}x{rows:<4} {result['cpu_pct']:>7} "
                f"{result['bytes_per_s']:>9} {result['rss_mb']:>8}{alive}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
