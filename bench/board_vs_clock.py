"""The board against the smallest Textual app, side by side in the same run.

A board is left open all day on a bastion and on a wall TV: what it costs is read
against a floor, a Textual app showing one word and a clock, measured in the same
minutes and interleaved (clock, board, clock, board, ...), because these machines are
shared and noisy: only the ratios are comparable between runs.

Parts (`--only`, comma-separated; all by default):

  steady     CPU (% of one core, the process tree), bytes/s to the terminal and RSS
             at 120x40 and 160x50 for the demo at "1k" (services 300, rules 500,
             dependencies 200: ~2,800 signals, 10% changing every second at 1 s
             refresh) and "10k" (ten times each count: the per-source cap of 10,000),
             and the wallboard at 200x60, each against the clock (shared ptymeter.py)
  start      seconds until the first data row is on screen (a status word in a
             panel row, read through a terminal emulator), against the clock's first
             word; `check` wall time on the demo and on a Prometheus answering 10,000
             series; the slowest imports of `check` (-X importtime)
  keys       key press to repaint, p50 and p99, on the 10k board: `j`/`k` (the
             selection mark moves), Enter then Escape (the detail opens: its header,
             facts, chart and keys drawn; "runbook": until its runbook is drawn too;
             and closes),
             and `/` then typing (each letter shows in the filter), while 10% of the
             values change every second; then again while a Prometheus source answers
             100,000 series every second (beside the small demo, so the board has rows
             before the first big answer is in). A latency ends when the last byte
             of the repaint is read from the terminal; "seen" ends when this bench's
             terminal emulator has parsed it too (what earlier runs reported: up to
             tens of milliseconds more for a full frame)

Usage: python bench/board_vs_clock.py [--only steady,start,keys] [--rounds 3]
       [--warmup 10] [--seconds 20] [--presses 40]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from canned_prometheus import canned_prometheus  # noqa: E402
from ui_cost import BARE_APP, find_ptymeter, measure  # noqa: E402

from pty_app import PtyApp  # noqa: E402

DEMO = """
title = "board_vs_clock"
refresh = "1s"

[sources.demo]
plugin = "demo"
services = {services}
rules = {rules}
dependencies = {dependencies}
incident = "none"
change_rate = 0.1
seed = 7
"""
SIZES = {"1k": (300, 500, 200), "10k": (3000, 5000, 2000)}

PROMETHEUS = """
title = "board_vs_clock, a big Prometheus"
refresh = "1s"

[sources.prom]
plugin = "prometheus"
url = "{url}"
timeout = "10s"

  [[sources.prom.queries]]
  kind = "health"
  name = "{{service}} {{instance}}"
  query = "bulk"
  warning = 0.9
  critical = 0.95
  max_series = 10000

[sources.demo]
plugin = "demo"
incident = "none"
"""

MARK = "\u203a"
"""The selection mark each panel draws on its selected row."""
DATA_ROW = re.compile(r"^ *[\u203a>]? *[●▲✖?!xX*] +(OK|WARN|CRIT|UNKN) +\S", re.M)
"""A panel row with its status word and something after it, on one line. Spaces only:
a whitespace class crosses line ends, and on a blank 120x40 screen (every start-up before the
first frame) the search backtracked for seconds, which the timing then counted."""
CLOCK_WORD = re.compile(r"\d\d:\d\d:\d\d")


def ratio(ours: float, floor: float) -> str:
    """ours / floor, or "-" when the floor measured nothing (too short a window)."""
    return f"{ours / floor:.1f}" if floor > 0 else "-"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def environment(home: Path) -> dict[str, str]:
    """A clean terminal session: no user config, UTF-8, 256 colours, and bytecode kept
    as an installed copy has it. A checkout installed in editable mode, in a shell with
    PYTHONDONTWRITEBYTECODE set (as on the project's machines), compiles every module of
    ours from source at each start (~80-220 ms), while the clock's Textual runs from its
    `.pyc`: that would measure the shell, not the product. The cache goes to the
    workspace, not the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LINES", "COLUMNS", "NO_COLOR", "TEXTUAL_DRIVER", "PYTHONDONTWRITEBYTECODE"}
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        TERM="xterm-256color",
        LANG="C.UTF-8",
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
    )
    return env


def board(config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "oncall_tui", "--config", str(config), *extra]


def meter(ptymeter: Path, command: list[str], cols: int, rows: int, args: argparse.Namespace):
    """One ptymeter run, as ui_cost.py does it, at this size."""
    sized = argparse.Namespace(cols=cols, rows=rows, warmup=args.warmup, seconds=args.seconds)
    return measure(ptymeter, command, sized)


def steady(folder: Path, configs: dict[str, Path], args: argparse.Namespace) -> None:
    ptymeter = find_ptymeter(None)
    clock = [sys.executable, str(folder / "clock.py")]
    cases = [
        (120, 40, "1k", board(configs["1k"])),
        (120, 40, "10k", board(configs["10k"])),
        (160, 50, "1k", board(configs["1k"])),
        (160, 50, "10k", board(configs["10k"])),
        (200, 60, "wallboard 1k", board(configs["1k"], "--wallboard")),
    ]
    print(
        f"\n## steady state: warm-up {args.warmup:g}s, window {args.seconds:g}s, "
        f"{args.rounds} rounds interleaved with the clock"
    )
    print(
        f"{'size':>7} {'board':<13} {'cpu %':>6} {'x clock':>7} {'bytes/s':>8} "
        f"{'x clock':>7} {'rss MiB':>7} {'clock cpu':>9} {'clock B/s':>9}"
    )
    for cols, rows, name, command in cases:
        ours: dict[str, list[float]] = {"cpu_pct": [], "bytes_per_s": [], "rss_mb": []}
        floor: dict[str, list[float]] = {"cpu_pct": [], "bytes_per_s": [], "rss_mb": []}
        for _ in range(args.rounds):
            for store, program in ((floor, clock), (ours, command)):
                result = meter(ptymeter, program, cols, rows, args)
                for key in store:
                    store[key].append(float(result[key]))
        cpu, clock_cpu = median(ours["cpu_pct"]), median(floor["cpu_pct"])
        rate, clock_rate = median(ours["bytes_per_s"]), median(floor["bytes_per_s"])
        print(
            f"{cols}x{rows:<3} {name:<13} {cpu:>6.2f} {ratio(cpu, clock_cpu):>7} {rate:>8.0f} "
            f"{ratio(rate, clock_rate):>7} {median(ours['rss_mb']):>7.1f} {clock_cpu:>9.2f} "
            f"{clock_rate:>9.0f}",
            flush=True,
        )


def drawn_after(command: list[str], env: dict[str, str], seen: re.Pattern[str]) -> float:
    """Seconds from launch until `seen` is on the screen (a terminal emulator's)."""
    started = time.monotonic()
    app = PtyApp(command, env, rows=40, cols=120)
    try:
        while time.monotonic() - started < 60:
            if seen.search(app.screen):
                return time.monotonic() - started
            if app.process.poll() is not None:
                raise SystemExit(f"{command} exited:\n{app.text[-2000:]}")
            time.sleep(0.005)
        raise SystemExit(f"nothing drawn in 60 s by {command}:\n{app.screen}")
    finally:
        app.close()


def wall(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
    return time.monotonic() - started


def slowest_imports(command: list[str], env: dict[str, str], top: int = 12) -> list[str]:
    """The top-level imports of `command` that cost most, cumulative (-X importtime)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    costs: list[tuple[int, str]] = []
    for line in completed.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        if depth <= 2:  # the package, and two levels of what it imports
            costs.append((int(parts[1]), "  " * depth + name.strip()))
    costs.sort(reverse=True)
    return [f"{us / 1000:7.0f} ms  {name}" for us, name in costs[:top]]


def start(folder: Path, configs: dict[str, Path], env: dict[str, str], args) -> None:
    clock = [sys.executable, str(folder / "clock.py")]
    print(f"\n## start-up: {args.rounds} rounds interleaved, 120x40")
    times: dict[str, list[float]] = {"clock word": [], "1k first row": [], "10k first row": []}
    drawn_after(board(configs["1k"]), env, DATA_ROW)  # unmeasured: writes the bytecode
    wall([sys.executable, "-m", "oncall_tui", "check"], env)
    for _ in range(args.rounds):
        times["clock word"].append(drawn_after(clock, env, CLOCK_WORD))
        times["1k first row"].append(drawn_after(board(configs["1k"]), env, DATA_ROW))
        times["10k first row"].append(drawn_after(board(configs["10k"]), env, DATA_ROW))
    floor = median(times["clock word"])
    for name, values in times.items():
        print(
            f"{name:<15} {median(values):6.2f} s  x clock {median(values) / floor:4.2f}  "
            f"(runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    check = [sys.executable, "-m", "oncall_tui", "check"]
    with canned_prometheus(10_000) as url:
        big = folder / "prom10k.toml"
        big.write_text(PROMETHEUS.format(url=url))
        runs = {"check, demo": [], "check, 10k series": []}
        for _ in range(max(3, args.rounds)):
            runs["check, demo"].append(wall(check, env))
            runs["check, 10k series"].append(wall([*check, "--config", str(big)], env))
    for name, values in runs.items():
        print(f"{name:<18} {median(values):6.2f} s wall (median of {len(values)})")
    print("slowest imports of `check` on the demo (cumulative):")
    for line in slowest_imports(check, env):
        print("  " + line)


def marks(screen: str) -> set[tuple[int, int]]:
    """Where the selection marks are: each panel marks its selected row."""
    lines = enumerate(screen.splitlines())
    return {(row, line.index(MARK)) for row, line in lines if MARK in line}


def _footer(screen: str) -> str:
    lines = screen.splitlines()
    return lines[-1] if lines else ""


def detail_drawn(screen: str) -> bool:
    """The detail's first frame, whole: its keys, its header (the data's age), and
    the chart's axes (the runbook may still be loading)."""
    return "esc Back" in _footer(screen) and " old " in screen and "└" in screen


def runbook_drawn(screen: str) -> bool:
    """The detail's runbook in place of "loading…" (the demo's are Markdown files)."""
    return detail_drawn(screen) and "Runbook ·" in screen and "loading…" not in screen


class Latencies(dict[str, list[float]]):
    """Seconds per key: from the press to the repaint's last byte, and ("seen") to
    this process having parsed it."""

    def timed(self, name: str, app: PtyApp, keys: bytes, changed: Callable[[str], bool]) -> None:
        started = time.monotonic()
        app.send(keys)
        self.since(name, app, started, changed)

    def since(self, name: str, app: PtyApp, started: float, changed: Callable[[str], bool]) -> None:
        arrived, seen = until(app, changed)
        self.setdefault(name, []).append(arrived - started)
        self.setdefault(f"{name} seen", []).append(seen - started)


def until(app: PtyApp, changed: Callable[[str], bool], limit: float = 30) -> tuple[float, float]:
    """When the bytes that made `changed` true arrived, and when they were parsed."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        arrived = app.first_arrival(changed)
        if arrived is not None:
            return arrived, time.monotonic()
        time.sleep(0.001)
    return float("inf"), float("inf")


def key_latencies(command: list[str], env: dict[str, str], presses: int) -> dict[str, list[float]]:
    app = PtyApp(command, env, rows=40, cols=120)
    got = Latencies()
    try:
        deadline = time.monotonic() + 90
        while not DATA_ROW.search(app.screen):
            if time.monotonic() > deadline:
                raise SystemExit("the board was not drawn in 90 s")
            time.sleep(0.05)
        time.sleep(3)  # past the first collections
        for index in range(presses):
            before = marks(app.screen)
            key = b"j" if index % 2 == 0 else b"k"
            got.timed("j/k", app, key, lambda s, b=before: marks(s) != b)
            time.sleep(0.05)
        for _ in range(max(5, presses // 4)):
            pressed = time.monotonic()
            got.timed("enter", app, b"\r", detail_drawn)
            got.since("runbook", app, pressed, runbook_drawn)
            time.sleep(0.2)
            got.timed("escape", app, b"\x1b", lambda s: "Detail" in _footer(s))
            time.sleep(0.2)
        for _ in range(max(3, presses // 10)):
            got.timed("/ open", app, b"/", lambda s: "Esc clears" in s)
            typed = ""
            for letter in "pay-api":
                typed += letter
                got.timed("/ typing", app, letter.encode(), lambda s, t=f"/ {typed}": t in s)
            got.timed("esc", app, b"\x1b", lambda s: "Esc clears" not in s)
            got.timed("esc", app, b"\x1b", lambda s: "Detail" in _footer(s))
            time.sleep(0.2)
    finally:
        app.close()
    for helper in ("/ open", "/ open seen", "esc", "esc seen"):
        del got[helper]
    return got


LATER_SCREENS = [
    "oncall_tui.ui.screens.detail",
    "oncall_tui.ui.screens.events",
    "oncall_tui.ui.screens.help",
    "oncall_tui.ui.screens.silence",
    "oncall_tui.ui.screens.silences",
]
"""Imported when first opened (the detail and its Markdown, charts, Pygments...)."""


def installed_bytecode(env: dict[str, str]) -> None:
    """Write the bytecode of the screens opened later, as `pip install` compiles every
    module: the workspace's cache is new, so the first Enter (or, once the detail is
    prepared ahead, a key pressed meanwhile) compiled the detail's modules and their
    dependencies from source, 100-300 ms that an installed copy never spends."""
    code = "; ".join(f"import {module}" for module in LATER_SCREENS)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def keys(folder: Path, configs: dict[str, Path], env: dict[str, str], args) -> None:
    print(f"\n## keys: press to repaint, 120x40, {args.presses} presses of j/k")
    # The pty reader stamps each chunk when it is read: it must not wait out 5 ms
    # switch intervals behind the emulator's parsing on the main thread.
    sys.setswitchinterval(0.0005)
    installed_bytecode(env)
    with canned_prometheus(100_000) as url:
        big = folder / "prom100k.toml"
        big.write_text(PROMETHEUS.format(url=url))
        loads = {
            "10k demo, 10%/s": board(configs["10k"]),
            "100,000 series": board(big),
        }
        for load, command in loads.items():
            got = key_latencies(command, env, args.presses)
            for key, values in got.items():
                ms = [v * 1000 for v in values]
                print(
                    f"{load:<16} {key:<14} p50 {percentile(ms, 0.5):7.1f} ms  "
                    f"p99 {percentile(ms, 0.99):7.1f} ms  (n={len(ms)})",
                    flush=True,
                )


@contextmanager
def workspace() -> Iterator[tuple[Path, dict[str, Path], dict[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="oncall-vs-clock-") as tmp:
        folder = Path(tmp)
        (folder / "clock.py").write_text(BARE_APP)
        configs = {}
        for name, (services, rules, dependencies) in SIZES.items():
            configs[name] = folder / f"{name}.toml"
            configs[name].write_text(
                DEMO.format(services=services, rules=rules, dependencies=dependencies)
            )
        yield folder, configs, environment(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="steady,start,keys")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    parts = {part.strip() for part in args.only.split(",")}
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    with workspace() as (folder, configs, env):
        if "steady" in parts:
            steady(folder, configs, args)
        if "start" in parts:
            start(folder, configs, env, args)
        if "keys" in parts:
            keys(folder, configs, env, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
