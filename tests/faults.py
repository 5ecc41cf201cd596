"""A misbehaving loopback HTTP server, one mode per fault, for fault-injection tests.

Every fault a hostile or broken server can produce on its own is produced here by a
real socket, so the client code under test runs exactly as it would in production
(httpx, httpcore, h11, TLS). Modes are paths:

    with serve_faults() as server:
        await get_json(client, f"{server.url}/gzip-bomb")

| path                | what the server does |
|---------------------|----------------------|
| /json               | `{"ok": true}` |
| /echo               | the request's method, path and headers as JSON |
| /gzip-bomb          | `gzip`: a small JSON, then 1 GiB of spaces (~1 MB on the wire) |
| /deflate-bomb       | the same as zlib-wrapped deflate (`Content-Encoding: deflate`) |
| /raw-deflate-bomb   | the same as raw deflate without a zlib header (sent as `deflate`) |
| /nested-bomb        | `gzip, gzip`: a gzip of the gzip bomb (~3 KB on the wire) |
| /stacked            | `Content-Encoding: deflate, gzip` of a small JSON: legal, must decode |
| /triple             | `gzip, gzip, gzip` of a small JSON: more layers than accepted |
| /zstd               | `Content-Encoding: zstd` (never asked for) |
| /br                 | `Content-Encoding: br` with bytes that are not brotli |
| /big                | 50 MB body with Content-Length |
| /big-chunked        | 50 MB body, chunked, no Content-Length |
| /big-close          | 50 MB body, no length at all, ended by closing the connection |
| /false-length       | Content-Length 1000, 20 bytes sent, connection closed |
| /truncated-json     | a JSON document cut in the middle |
| /html               | a login page with status 200 |
| /deep-json          | 100,000 nested arrays |
| /status/N           | status N with a short text body (401 and 403 count their requests) |
| /retry-after/V      | 429 with `Retry-After: V` |
| /flaky/K/N          | status N for the first request of key K, then `{"ok": true}` |
| /redirect-away      | 302 to another host, credentials in the Location |
| /redirect-echo      | 302 whose Location path quotes the request's Authorization header |
| /drip-headers       | the status line and headers one byte every 50 ms |
| /drip-body          | headers at once, then the body one byte every 50 ms |
| /metrics            | a small Prometheus text exposition |

Every request is recorded (`server.requests`) and every accepted TCP connection
counted (`server.connections`), so a test can prove that something was never sent.
`blackhole()` gives a port whose connects hang; the bombs come from tests/bombs.py and
the certificates (`private_ca()`) from tests/pki.py.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import ssl
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bombs import BOMB_HEAD, MB, GiB, gzip_bomb, nested_bomb, raw_deflate_bomb, zlib_bomb
from pki import PKI, private_ca
from quiet_handler import QuietHandler
from servers_http import LoopbackAddress, _QuietHTTPServer

__all__ = [
    "BOMB_HEAD",
    "MB",
    "PKI",
    "GiB",
    "gzip_bomb",
    "nested_bomb",
    "private_ca",
    "raw_deflate_bomb",
    "zlib_bomb",
]
"""Re-exported: bombs and TLS material come with the fault server."""

DRIP_INTERVAL = 0.05
"""Seconds between two bytes of a drip."""
BIG_BODY = 50 * MB


# --------------------------------------------------------------------------- server


@dataclass
class FaultState:
    """What the server saw; reset per test with `server.reset()`."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request that reached a handler, in order."""
    headers: list[dict[str, str]] = field(default_factory=list)
    """The headers of each of those requests."""
    connections: int = 0
    """TCP connections accepted (a refused request must not even open one)."""
    counts: Counter[str] = field(default_factory=Counter)
    """Requests per key, for the flaky and counting modes."""
    release: threading.Event = field(default_factory=threading.Event)
    """Set when the server stops, so a dripping handler ends."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class _FaultHTTPServer(_QuietHTTPServer):
    state: FaultState

    def get_request(self) -> tuple[Any, Any]:
        request = super().get_request()
        with self.state.lock:
            self.state.connections += 1
        return request


Route = Callable[["FaultHandler", list[str]], None]


class FaultHandler(QuietHandler):
    server: _FaultHTTPServer

    # -- plumbing

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_body(status, body, content_type, headers)

    def _encoded(self, body: bytes, encoding: str) -> None:
        self._send(200, body, headers={"Content-Encoding": encoding})

    def _stream(self, total: int, *, chunked: bool, length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(total))
        elif chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        piece = b" " * (256 * 1024)
        sent = 0
        with contextlib.suppress(OSError):
            while sent < total and not self.server.state.release.is_set():
                part = piece[: total - sent]
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                else:
                    self.wfile.write(part)
                sent += len(part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")

    def _drip(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            for byte in data:
                if self.server.state.release.wait(DRIP_INTERVAL):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

    # -- dispatch

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        state = self.server.state
        with state.lock:
            state.requests.append((self.command, self.path))
            state.headers.append(dict(self.headers))
        parts = [part for part in path.split("/") if part]
        route = ROUTES.get(parts[0] if parts else "")
        if route is None:
            self._send(404, b"404 page not found", "text/plain")
            return
        route(self, parts[1:])

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _route


def _json(handler: FaultHandler, _: list[str]) -> None:
    handler._send(200, b'{"ok": true}')


def _echo(handler: FaultHandler, _: list[str]) -> None:
    body = json.dumps(
        {"method": handler.command, "path": handler.path, "headers": dict(handler.headers)}
    )
    handler._send(200, body.encode())


def _status(handler: FaultHandler, args: list[str]) -> None:
    status = int(args[0]) if args else 500
    with handler.server.state.lock:
        handler.server.state.counts[f"status/{status}"] += 1
    handler._send(status, f"status {status}".encode(), "text/plain")


def _retry_after(handler: FaultHandler, args: list[str]) -> None:
    with handler.server.state.lock:
        handler.server.state.counts["retry-after"] += 1
    value = args[0] if args else "1"
    handler._send(429, b"slow down", "text/plain", {"Retry-After": value})


def _flaky(handler: FaultHandler, args: list[str]) -> None:
    key, status = args[0], int(args[1])
    with handler.server.state.lock:
        handler.server.state.counts[f"flaky/{key}"] += 1
        first = handler.server.state.counts[f"flaky/{key}"] == 1
    if first:
        handler._send(status, b"try again", "text/plain", {"Retry-After": "0"})
    else:
        handler._send(200, b'{"ok": true}')


def _redirect_away(handler: FaultHandler, _: list[str]) -> None:
    handler.send_response(302)
    handler.send_header("Location", "http://admin:hunter2-redirect@evil.example/steal?t=1")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _redirect_echo(handler: FaultHandler, _: list[str]) -> None:
    # A misconfigured gateway that reflects credentials: only the redactor can catch it.
    echoed = (handler.headers.get("Authorization") or "none").replace(" ", "/")
    handler.send_response(302)
    handler.send_header("Location", f"/login/{echoed}")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _false_length(handler: FaultHandler, _: list[str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(b'{"status": "success"')
    handler.close_connection = True


def _drip_headers(handler: FaultHandler, _: list[str]) -> None:
    body = b'{"ok": true}'
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"X-Padding: " + b"x" * 200 + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    handler._drip(head + body)
    handler.close_connection = True


def _drip_body(handler: FaultHandler, _: list[str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "2000")
    handler.end_headers()
    handler.wfile.flush()
    handler._drip(b" " * 2000)
    handler.close_connection = True


METRICS = b"""\
# HELP risk_decisions_total Decisions taken by the risk engine.
# TYPE risk_decisions_total counter
risk_decisions_total{product="paylater"} 1027
"""

ROUTES: dict[str, Route] = {
    "json": _json,
    "echo": _echo,
    "gzip-bomb": lambda h, _: h._encoded(gzip_bomb(), "gzip"),
    "deflate-bomb": lambda h, _: h._encoded(zlib_bomb(), "deflate"),
    "raw-deflate-bomb": lambda h, _: h._encoded(raw_deflate_bomb(), "deflate"),
    "nested-bomb": lambda h, _: h._encoded(nested_bomb(), "gzip, gzip"),
    "stacked": lambda h, _: h._encoded(
        gzip.compress(zlib.compress(b'{"stacked": true}'), mtime=0), "deflate, gzip"
    ),
    "triple": lambda h, _: h._encoded(
        gzip.compress(gzip.compress(gzip.compress(b'{"triple": true}'))), "gzip, gzip, gzip"
    ),
    "zstd": lambda h, _: h._encoded(b"\x28\xb5\x2f\xfd" + b"\0" * 20, "zstd"),
    "br": lambda h, _: h._encoded(b"not brotli at all", "br"),
    "big": lambda h, _: h._stream(BIG_BODY, chunked=False, length=True),
    "big-chunked": lambda h, _: h._stream(BIG_BODY, chunked=True, length=False),
    "big-close": lambda h, _: h._stream(BIG_BODY, chunked=False, length=False),
    "false-length": _false_length,
    "truncated-json": lambda h, _: h._send(200, b'{"status": "success", "data": {"resu'),
    "html": lambda h, _: h._send(
        200, b"<!doctype html><title>Sign in</title>", "text/html; charset=utf-8"
    ),
    "deep-json": lambda h, _: h._send(200, b"[" * 100_000 + b"]" * 100_000),
    "status": _status,
    "retry-after": _retry_after,
    "flaky": _flaky,
    "redirect-away": _redirect_away,
    "redirect-echo": _redirect_echo,
    "drip-headers": _drip_headers,
    "drip-body": _drip_body,
    "metrics": lambda h, _: h._send(200, METRICS, "text/plain; version=0.0.4; charset=utf-8"),
}


@dataclass
class FaultServer(LoopbackAddress):
    server: _FaultHTTPServer
    scheme: str

    @property
    def state(self) -> FaultState:
        return self.server.state

    def reset(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.headers.clear()
            self.state.counts.clear()
            self.state.connections = 0


@contextlib.contextmanager
def serve_faults(tls: ssl.SSLContext | None = None, port: int = 0) -> Iterator[FaultServer]:
    """The fault server on a loopback port (free unless given) until the block ends
    (https with `tls`).

    The bombs it serves are built first (once per process, 0.7 s of CPU at rest): built
    by the first request for one, they were timed as that request's, and a loaded
    machine took the HTTP check's 3 s deadline with them (12 of 40 runs at load 7)."""
    gzip_bomb(), nested_bomb(), zlib_bomb(), raw_deflate_bomb()
    server = _FaultHTTPServer(("127.0.0.1", port), FaultHandler)
    server.state = FaultState()
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="fault-http", daemon=True
    )
    thread.start()
    try:
        yield FaultServer(server, "https" if tls else "http")
    finally:
        server.state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- sockets


@contextlib.contextmanager
def blackhole() -> Iterator[int]:
    """A loopback port whose TCP handshakes never complete.

    A socket listening with a backlog of 0 that never accepts: once its queue is full
    (filled here by connections nobody accepts), Linux drops further SYNs, so a client's
    connect hangs exactly as it would against a firewalled host, without leaving
    loopback.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
