"""A loopback server answering the Prometheus query API with N canned series, for
benchmarks that need a big answer without a Prometheus holding that many series.

`/api/v1/query` answers every query with the same N series (labels `service` and
`instance`, short so 100,000 fit the 10 MB body cap; values between 0 and 0.9, so every
signal is ok); `/api/v1/query_range` answers with no series (no history to backfill).
The body is built once.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STAMP = b"1000000000.0"
"""Where each answer's evaluation time goes: the body is built once, and every answer is
stamped with the time it is sent, as a Prometheus stamps an instant query with its
evaluation time (a body sent with the time it was built made every sample older than
the source's age limit two seconds later: every row stale, taken in whole each time)."""


def answer(series: int, seed: int = 7) -> bytes:
    """The body, its sample times `STAMP` (see `stamped`)."""
    rng = random.Random(seed)
    stamp = float(STAMP)
    result = [
        {
            "metric": {"service": f"s{i // 10}", "instance": str(i % 10)},
            "value": [stamp, f"{rng.random() * 0.9:.4f}"],
        }
        for i in range(series)
    ]
    body = {"status": "success", "data": {"resultType": "vector", "result": result}}
    return json.dumps(body).encode()  # the float `STAMP` is written as `STAMP`


def stamped(body: bytes) -> bytes:
    """`body` with its sample times now (~9 ms for 100,000 series)."""
    return body.replace(STAMP, f"{time.time():.3f}".encode())


EMPTY = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}).encode()


@contextmanager
def canned_prometheus(series: int) -> Iterator[str]:
    """Serve N series on a free loopback port; yields the base URL."""
    body = answer(series)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = EMPTY if self.path.startswith("/api/v1/query_range") else stamped(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # A source past its timeout hangs up mid-answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
