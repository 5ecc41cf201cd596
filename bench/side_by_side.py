"""Two builds' boards side by side, in the same minutes: CPU and RSS of each.

One 15 s window per build, one after the other, does not separate two builds whose
boards differ by 5-10%: the shared machine's load moves more than that between
windows. Run at the same time, the load hits both alike. Each build is a checkout with
its own `.venv`; each board runs in a tmux session of its own at the given size, from
bytecode (as an installed copy does), and the order the two start in is swapped every
round.

Usage: python bench/side_by_side.py --config FILE --before DIR --after DIR
       [--size 120x40] [--seconds 60] [--rounds 2] [--warmup 12]

Prints figures; it never passes or fails on them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def stop(socket: str) -> None:
    subprocess.run(["tmux", "-L", socket, "kill-server"], stderr=subprocess.DEVNULL)


def board(build: Path, socket: str, config: Path, size: tuple[int, int], cache: Path) -> None:
    stop(socket)
    command = (
        f"PYTHONPYCACHEPREFIX={cache} {build}/.venv/bin/python -m oncall_tui --config {config}"
    )
    width, height = (str(n) for n in size)
    tmux = ["tmux", "-L", socket, "new", "-d", "-s", "board", "-x", width, "-y", height]
    subprocess.run([*tmux, command], check=True)


def process_of(build: Path) -> psutil.Process:
    python = f"{build}/.venv/bin/python"
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or [""]
        if cmdline[0] == python and "oncall_tui" in cmdline:
            return process
    raise SystemExit(f"no board of {build} running (does `{python} -m oncall_tui` start?)")


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=12.0)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("side_by_side.py needs tmux", file=sys.stderr)
        return 2
    cols, rows = (int(n) for n in args.size.split("x"))
    builds = {"before": args.before.resolve(), "after": args.after.resolve()}
    caches = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    print(f"{args.config} at {args.size}, {args.seconds:g} s windows after {args.warmup:g} s")
    for round_ in range(args.rounds):
        names = list(builds) if round_ % 2 == 0 else list(reversed(builds))
        try:
            for name in names:
                board(builds[name], f"side-{name}", args.config, (cols, rows), caches / name)
            time.sleep(args.warmup)
            processes = {name: process_of(builds[name]) for name in builds}
            start = {name: cpu_seconds(p) for name, p in processes.items()}
            began = time.monotonic()
            time.sleep(args.seconds)
            span = time.monotonic() - began
            load = Path("/proc/loadavg").read_text().split()[0]
            figures = "  ".join(
                f"{name} {100 * (cpu_seconds(p) - start[name]) / span:.2f}% "
                f"rss {p.memory_info().rss / 2**20:.1f} MiB"
                for name, p in processes.items()
            )
            print(f"round {round_} (load {load}, {names[0]} started first): {figures}", flush=True)
        finally:
            for name in builds:
                subprocess.run(
                    ["tmux", "-L", f"side-{name}", "kill-server"], stderr=subprocess.DEVNULL
                )
    shutil.rmtree(caches, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
