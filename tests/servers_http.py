"""Plain loopback HTTP servers for tests: a threaded http.server per handler, a
throw-away TLS certificate, and bodies rendered once for bulk sources."""

from __future__ import annotations

import contextlib
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from servers import require_binary

# --------------------------------------------------------------------------- plain HTTP


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up (size caps, timeouts, closed pools) are what the tests
        # provoke; anything else is still printed.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackAddress:
    """The port and URL of a test server listening on 127.0.0.1."""

    server: ThreadingHTTPServer
    scheme: str

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


@dataclass
class HTTPTestServer(LoopbackAddress):
    """A threaded http.server on a free loopback port (https when given a TLS context)."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    scheme: str


@contextlib.contextmanager
def serve_http(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[HTTPTestServer]:
    """Serve `handler` until the block ends; for health-check and HTTP-helper tests.

    Handlers should set `protocol_version = "HTTP/1.1"` to exercise keep-alive like a
    real server does.
    """
    server = _QuietHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="test-http", daemon=True
    )
    thread.start()
    try:
        yield HTTPTestServer(server, thread, "https" if tls else "http")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class SelfSignedCert:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@contextlib.contextmanager
def self_signed_cert() -> Iterator[SelfSignedCert]:
    """A throw-away certificate for 127.0.0.1, made with the openssl command line (no
    extra Python dependency)."""
    openssl = require_binary("openssl", "openssl")
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-tls-"))
    try:
        cert, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", str(key), "-out", str(cert), "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )  # fmt: skip
        yield SelfSignedCert(cert, key)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def start_bulk_exporter(series: int, metric: str = "bulk_series") -> Iterator[HTTPTestServer]:
    """A /metrics endpoint exposing `series` series of one gauge (`{s="000042"}`, value
    the index modulo 100), rendered once: a source of 100,000 series for the real
    Prometheus without a Python collector working at every scrape."""
    lines = [f"# TYPE {metric} gauge"]
    lines += [f'{metric}{{s="{index:06d}"}} {index % 100}' for index in range(series)]
    body = ("\n".join(lines) + "\n").encode()
    with serve_body(body, "text/plain; version=0.0.4") as server:
        yield server


@contextlib.contextmanager
def serve_body(body: bytes, content_type: str) -> Iterator[HTTPTestServer]:
    """Every GET answered with `body`, rendered once by the caller: a bulk source
    (100,000 series, 27,000 alerts) without Python work at every request."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_http(Handler) as server:
        yield server
