"""Many `http` sources, some hanging: does every healthy one keep its cadence?

Runs the real engine on N `http` sources (default 500) against two loopback servers in
another process: one answers at once, the other never answers in time (it holds each
request past the sources' timeout); a share of the sources (default 10%) point at it.
Prints:

- the first round: seconds until every source had finished one collection, against
  the timeout (a hanging source must cost its own timeout, not delay the others);
- per healthy source, collections in the window against window / interval: the
  median, the worst, and how many made under 90% of theirs;
- CPU of the oncall-tui process (% of one core, and per collection: the figure that
  compares between runs), its RSS, and its file descriptors
  (mean and max of one sample per 100 ms), and the CPU of the loopback servers' process:
  when the machine is loaded that process, not the engine, can be what holds the
  cadence down, so the same window without hanging sources is the comparison to read.

`--hanging` takes a comma-separated list of shares, measured one after the other and
`--rounds` times over (interleaved), so "unaffected by hanging sources" is read against
the same machine in the same minutes.

Usage: python bench/fanout.py [--sources 500] [--hanging 0.1,0] [--rounds 1]
       [--interval 1s] [--timeout 2s] [--seconds 20]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from http_checks import rss_mib  # the same VmRSS reading, beside this script

from oncall_tui.core.config.durations import parse_duration

SERVER = r"""
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOLD = float(sys.argv[1])

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    def handle_error(self, request, address):
        pass

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        if self.path.startswith("/hang"):
            time.sleep(HOLD)
        body = b'{"status": "UP"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def config_text(base: str, sources: int, hanging: int, interval: str, timeout: str) -> str:
    lines = [f'refresh = "{interval}"']
    for index in range(sources):
        path = "hang" if index < hanging else "health"
        lines += [
            f"[sources.check-{index:03d}]",
            'plugin = "http"',
            f'timeout = "{timeout}"',
            f'url = "{base}/{path}?n={index}"',
        ]
    return "\n".join(lines) + "\n"


def descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    config_path: Path, hanging: int, interval: float, limit: float, seconds: float, server: int
) -> None:
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine

    engine = Engine(load_config(config_path), read_only=True)
    started = time.monotonic()
    engine.start()
    runners = dict(engine.runners)
    # Done once its source has a duration: a collection counts when it starts.
    while any(engine.store.source(name).duration_ms is None for name in runners):
        if time.monotonic() - started > 10 * limit + 30:
            break
        await asyncio.sleep(0.01)
    first_round = time.monotonic() - started
    healthy = [name for index, name in enumerate(sorted(runners)) if index >= hanging]
    before = {name: runners[name].collections for name in healthy}
    total_before = sum(runner.collections for runner in runners.values())
    cpu0, wall0, server0 = time.process_time(), time.monotonic(), cpu_seconds(server)
    fds: list[int] = []
    while time.monotonic() - wall0 < seconds:
        fds.append(descriptors())
        await asyncio.sleep(0.1)
    wall = time.monotonic() - wall0
    cpu = time.process_time() - cpu0
    server_cpu = cpu_seconds(server) - server0
    expected = wall / interval
    total = sum(runner.collections for runner in runners.values()) - total_before
    made = sorted((runners[name].collections - before[name]) / expected for name in healthy)
    await engine.stop()
    print(
        f"first round: every source done after {first_round:.2f} s "
        f"(timeout {limit:g} s, interval {interval:g} s)"
    )
    print(
        f"healthy sources ({len(healthy)}): collections / expected: median "
        f"{statistics.median(made):.2f}, worst {made[0]:.2f}, "
        f"{sum(1 for m in made if m < 0.9)} under 0.90"
    )
    print(
        f"cpu {100 * cpu / wall:.1f}% of one core ({1000 * cpu / max(total, 1):.2f} ms "
        f"per collection), rss {rss_mib():.0f} MiB, "
        f"fds mean {statistics.mean(fds):.0f} max {max(fds)}; "
        f"the servers' process {100 * server_cpu / wall:.1f}%"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--hanging", default="0.1,0")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--interval", default="1s")
    parser.add_argument("--timeout", default="2s")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    interval, timeout = parse_duration(args.interval), parse_duration(args.timeout)
    shares = [float(share) for share in args.hanging.split(",")]
    for _ in range(args.rounds):
        for share in shares:
            run(args.sources, round(args.sources * share), interval, timeout, args)
    return 0


def run(
    sources: int, hanging: int, interval: float, timeout: float, args: argparse.Namespace
) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(timeout * 3)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory(prefix="oncall-fanout-") as tmp:
            path = Path(tmp) / "fanout.toml"
            path.write_text(config_text(base, sources, hanging, args.interval, args.timeout))
            print(
                f"{sources} http sources, {hanging} hanging, {os.cpu_count()} cores, "
                f"load {os.getloadavg()[0]:.1f}"
            )
            asyncio.run(measure(path, hanging, interval, timeout, args.seconds, server.pid))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
