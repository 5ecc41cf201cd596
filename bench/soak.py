"""The real dashboard, left running: does it grow?

Starts `oncall-tui` on the embedded demo (HOME and XDG_CONFIG_HOME in a temporary
directory, so no user config is read) in a 120x40 pseudo-terminal whose output is
drained as a terminal emulator would, samples the process's resident memory and CPU
time every `--every` seconds for `--minutes`, then quits it with ctrl+q and prints:

- RSS at start, end and peak, and its slope (KB/min, least squares) over the whole run
  and after the warm-up: the demo refreshes every second and each signal keeps 360
  values, so the history rings grow for the first 6 minutes; the slope after 7 minutes
  (70% of the run if that is shorter) is the one that must be flat;
- CPU % of one core, average and per-interval worst;
- bytes written to the terminal per second;
- how ctrl+q went (exit code, time to exit).

Usage: python bench/soak.py [--minutes 10] [--every 10] [--config FILE]

Prints figures; it never passes or fails on them. `tests/test_soak.py` is the
assertion: a simulated week of the engine and store on a fake clock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from pty_app import PtyApp  # noqa: E402

WARM_UP = 420.0
"""Seconds until the demo's history rings are surely full (360 values at a 1 s refresh,
plus a minute)."""


def slope_kb_per_min(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time, in KB per minute."""
    if len(samples) < 2:
        return 0.0
    times = [t / 60 for t, _ in samples]
    sizes = [rss / 1024 for _, rss in samples]
    return statistics.linear_regression(times, sizes).slope


def main(minutes: float, every: float, config: Path | None = None) -> int:
    home = Path(tempfile.mkdtemp(prefix="oncall-tui-soak-"))
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "xdg"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
    )
    argv = [sys.executable, "-m", "oncall_tui"]
    if config is not None:  # e.g. 10,000 signals at 1 s for the memory slope of a big board
        argv += ["--config", str(config.resolve())]
    app = PtyApp(argv, env, rows=40, cols=120)
    try:
        app.wait_for(lambda text: "Risk rules" in text, 30, "the first screen")
        process = psutil.Process(app.process.pid)
        started = time.monotonic()
        cpu_start = sum(process.cpu_times()[:2])
        bytes_start = len(app.raw)
        samples: list[tuple[float, int]] = []
        cpu_worst = 0.0
        last_cpu, last_at = cpu_start, started
        print(f"pid {process.pid}: sampling every {every:g} s for {minutes:g} min", flush=True)
        print(f"{'minute':>7} {'rss MiB':>8} {'cpu %':>6}", flush=True)
        while True:
            now = time.monotonic()
            cpu = sum(process.cpu_times()[:2])
            rss = process.memory_info().rss
            samples.append((now - started, rss))
            if now > last_at:
                interval_cpu = 100 * (cpu - last_cpu) / (now - last_at)
                cpu_worst = max(cpu_worst, interval_cpu) if samples[1:] else 0.0
                print(
                    f"{(now - started) / 60:7.2f} {rss / 2**20:8.1f} {interval_cpu:6.2f}",
                    flush=True,
                )
            last_cpu, last_at = cpu, now
            if now - started >= minutes * 60:
                break
            time.sleep(max(0.0, every - (time.monotonic() - now)))
        elapsed = time.monotonic() - started
        cpu_avg = 100 * (sum(process.cpu_times()[:2]) - cpu_start) / elapsed
        written = (len(app.raw) - bytes_start) / elapsed
        warm_up = min(WARM_UP, elapsed * 0.7)
        warm = next(i for i, (t, _) in enumerate(samples) if t >= warm_up)
        quit_at = time.monotonic()
        app.send(b"\x11")
        code = app.wait_exit(10)
        took = time.monotonic() - quit_at
    finally:
        app.close()

    rss = [value for _, value in samples]
    print()
    print(f"run            {elapsed / 60:.1f} min, {len(samples)} samples")
    print(f"rss            start {rss[0] / 2**20:.1f} MiB, end {rss[-1] / 2**20:.1f} MiB, "
          f"peak {max(rss) / 2**20:.1f} MiB")  # fmt: skip
    settled = slope_kb_per_min(samples[warm:])
    print(f"rss slope      {slope_kb_per_min(samples):+.1f} KB/min (whole run), "
          f"{settled:+.1f} KB/min (after {samples[warm][0] / 60:.1f} min)")  # fmt: skip
    print(f"cpu            {cpu_avg:.2f}% of one core on average, worst interval {cpu_worst:.2f}%")
    print(f"terminal       {written:.0f} bytes/s written")
    print(f"ctrl+q         exit code {code}, gone after {took:.2f} s")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--config", type=Path, help="a config instead of the embedded demo")
    args = parser.parse_args()
    sys.exit(main(args.minutes, args.every, args.config))
