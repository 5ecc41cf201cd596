"""What many `http` sources cost: N checks of one loopback server, through the engine.

A board may hold dozens of health checks. Each mode runs the real engine on a config of
N `http` sources (one URL each, same options) against one loopback server in another
process, for a window after a warm-up, and reports:

- CPU of the oncall-tui process (% of one core; the server's CPU is not counted),
- resident memory (VmRSS at the end),
- sockets the process holds (mean and max of one sample per 100 ms),
- TCP connections the server accepted during the window (new connections per second:
  what a handshake, or a TLS handshake, costs both sides).

Modes:
- `shipped`: the plugin as it is: a client per source, one TLS context shared by all
  clients trusting the same CAs;
- `one-client`: every source sends through one shared client (one connection pool);
- `own-tls`: a client per source, each loading its own TLS context (before the
  context was shared).
With `--tls` the server speaks https with a throw-away certificate given as `ca_file`.
The latency column is the mean value of the checks' signals (what the board shows).

Usage: python bench/http_checks.py [--sources 50] [--seconds 20] [--interval 1s] [--tls]

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugins")]

SERVER = r"""
import json, socketserver, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    connections = 0
    requests = 0
    lock = threading.Lock()
    def get_request(self):
        request = super().get_request()
        with self.lock:
            Server.connections += 1
        return request
    def handle_error(self, request, address):
        pass

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        with Server.lock:
            Server.requests += 1
        stats = {"connections": Server.connections, "requests": Server.requests}
        body = (json.dumps(stats) if self.path == "/stats"
                else '{"status": "UP"}').encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = Server(("127.0.0.1", 0), Handler)
if len(sys.argv) > 1:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def make_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def config_text(base: str, sources: int, interval: str, ca_file: Path | None) -> str:
    lines = [f'refresh = "{interval}"']
    for index in range(sources):
        lines += [
            f"[sources.check-{index:03d}]",
            'plugin = "http"',
            f'url = "{base}/health?n={index}"',
        ]
        if ca_file is not None:
            lines.append(f'ca_file = "{ca_file}"')
    return "\n".join(lines) + "\n"


def sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_connections(base: str, ca_file: Path | None) -> int:
    import httpx

    verify: Any = str(ca_file) if ca_file else True
    with httpx.Client(verify=verify, trust_env=False) as client:
        return int(client.get(f"{base}/stats").json()["connections"])


def patch(mode: str) -> None:
    """Turn the plugin as shipped into the design a mode measures."""
    import httpx

    from oncall_tui.core.http import client as client_module
    from oncall_tui.core.http import options as options_module
    from oncall_tui_http import HTTPPlugin

    if mode == "own-tls":
        client_module.shared_tls_context = client_module.tls_context  # type: ignore[assignment]
        options_module.shared_tls_context = client_module.tls_context  # type: ignore[assignment]
    elif mode == "one-client":
        built = HTTPPlugin.http
        one: list[httpx.AsyncClient] = []

        def shared(self: HTTPPlugin) -> httpx.AsyncClient:
            if not one:
                one.append(built(self))
            return one[0]

        HTTPPlugin.http = shared  # type: ignore[method-assign]
        HTTPPlugin.aclose = lambda self: one[0].aclose() if one else asyncio.sleep(0)  # type: ignore[method-assign,assignment]
    elif mode != "shipped":
        raise SystemExit(f"unknown mode {mode!r}")


async def measure(
    config_path: Path, mode: str, warmup: float, seconds: float, base: str, ca_file: Path | None
) -> dict[str, Any]:
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine
    from oncall_tui.core.signals.model import Status

    patch(mode)
    config = load_config(config_path)
    engine = Engine(config, read_only=True)
    engine.start()
    await asyncio.sleep(warmup)
    ok = sum(1 for s in engine.store.signals.values() if s.status is Status.OK)
    # Asked from a thread: a blocking request would stall the engine's loop and skew
    # the figures.
    connections0 = await asyncio.to_thread(server_connections, base, ca_file)
    collections0 = sum(runner.collections for runner in engine.runners.values())
    cpu0 = time.process_time()
    wall0 = time.monotonic()
    samples: list[int] = []
    latencies: list[float] = []
    while time.monotonic() - wall0 < seconds:
        samples.append(sockets())
        latencies += [s.value for s in engine.store.signals.values() if s.value is not None]
        await asyncio.sleep(0.1)
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - wall0
    collections = sum(runner.collections for runner in engine.runners.values()) - collections0
    connections = await asyncio.to_thread(server_connections, base, ca_file) - connections0 - 1
    result = {
        "mode": mode,
        "cpu_pct": 100 * cpu / wall,
        "rss_mib": rss_mib(),
        "sockets_mean": sum(samples) / len(samples),
        "sockets_max": max(samples),
        "ok_signals": ok,
        "latency_ms": 1000 * sum(latencies) / max(len(latencies), 1),
        "checks_per_s": collections / wall,
        "new_connections_per_s": connections / wall,
    }
    await engine.stop()
    return result


def child(args: argparse.Namespace) -> None:
    ca_file = Path(args.ca) if args.ca else None
    result = asyncio.run(
        measure(Path(args.config), args.child, args.warmup, args.seconds, args.base, ca_file)
    )
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--interval", default="1s")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--modes", default="shipped,one-client,own-tls")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--ca", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-bench-http-"))
    server: subprocess.Popen[str] | None = None
    try:
        ca_file: Path | None = None
        server_args = [sys.executable, "-c", SERVER]
        if args.tls:
            cert, key = make_cert(workdir)
            ca_file = cert
            server_args += [str(cert), str(key)]
        server = subprocess.Popen(server_args, stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = f"{'https' if args.tls else 'http'}://127.0.0.1:{port}"
        config = workdir / "oncall.toml"
        config.write_text(config_text(base, args.sources, args.interval, ca_file))
        print(
            f"{args.sources} http sources, interval {args.interval}, {base.split(':')[0]}, "
            f"{args.seconds:g} s window after {args.warmup:g} s warm-up"
        )
        print(
            f"  {'mode':<11} {'cpu %':>6} {'rss MiB':>8} {'sockets':>12} {'new conn/s':>11} "
            f"{'latency':>8} {'checks/s':>9} {'ok':>4}"
        )
        for mode in args.modes.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--config", str(config),
                 "--seconds", str(args.seconds), "--warmup", str(args.warmup),
                 "--base", base, "--ca", str(ca_file or "")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            rate = figures["new_connections_per_s"]
            checks = figures["checks_per_s"]
            print(
                f"  {mode:<11} {figures['cpu_pct']:>6.1f} {figures['rss_mib']:>8.1f} "
                f"{figures['sockets_mean']:>5.1f} (≤{figures['sockets_max']:>3}) "
                f"{rate:>11.1f} {figures['latency_ms']:>6.1f}ms {checks:>9.1f} "
                f"{figures['ok_signals']:>4}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
