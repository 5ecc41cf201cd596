"""A loopback server that speaks the Prometheus query API and answers what a real
Prometheus never would: `data: null`, numbers that are not numbers, duplicate series,
sample times decades off. One canned answer per query text, so one config can hold
every case side by side.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from quiet_handler import QuietHandler
from servers_http import HTTPTestServer, serve_http

YEAR = 365 * 86400.0


def vector(*series: tuple[dict[str, str], object, object]) -> dict[str, object]:
    """A successful instant-vector answer: (labels, timestamp, value) per series."""
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": labels, "value": [at, value]} for labels, at, value in series],
        },
    }


def answers(now: float) -> dict[str, object]:
    """The canned answers, by query text; `now` dates the samples that should be fresh."""
    odd_values: list[tuple[str, object]] = [
        ("nan", "NaN"),
        ("plus_inf", "+Inf"),
        ("minus_inf", "-Inf"),
        ("overflow", "1e309"),
        ("minus_overflow", "-1e309"),
        ("word", "abc"),
        ("empty", ""),
        ("hex", "0x1A"),
        ("underscores", "1_000"),
        ("padded", " 12 "),
        ("arabic_digits", "\u0661\u0662"),
        ("json_null", None),
        ("json_list", [1]),
        ("json_object", {"v": 1}),
        ("json_true", True),
        ("json_false", False),
        ("json_overflow", float("inf")),  # written as the JSON token Infinity
    ]
    return {
        "data_null": {"status": "success", "data": None},
        "odd_values": vector(*(({"case": case}, now, value) for case, value in odd_values)),
        "real_values": vector(
            ({"case": "zero"}, now, "0"),
            ({"case": "quarter"}, now, "0.25"),
            ({"case": "json_number"}, now, 0.5),
            ({"case": "underflow"}, now, "1e-400"),
        ),
        "duplicates": vector(
            ({"service": "ledger"}, now, "0.1"),
            ({"service": "ledger"}, now, "0.9"),
            ({"service": "payments"}, now, "0.2"),
        ),
        "surrogates": vector(
            ({"rule": "A\ud800B"}, now, "0.3"),
            ({"rule": "velocity"}, now, "0.01"),
        ),
        "times": vector(
            ({"when": "now"}, now, "0.1"),
            ({"when": "far_future"}, now + 10 * YEAR, "0.1"),
            ({"when": "far_past"}, now - 20 * YEAR, "0.1"),
            ({"when": "epoch"}, 0, "0.1"),
            ({"when": "not_a_time"}, "yesterday", "0.1"),
            ({"when": "huge_time"}, 1e300, "0.1"),
        ),
    }


class FakePrometheusHandler(QuietHandler):
    bodies: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query).get("query", [""])[0]
        body = self.bodies.get(query) if parts.path == "/api/v1/query" else None
        status = 200
        if body is None:
            status, body = (
                400,
                json.dumps(
                    {
                        "status": "error",
                        "errorType": "bad_data",
                        "error": f"unknown query {query!r}",
                    }
                ).encode(),
            )
        self.send_body(status, body)


@contextmanager
def fake_prometheus(now: float | None = None) -> Iterator[HTTPTestServer]:
    """Serve `answers(now)` (default: the current time) until the block ends."""
    canned = answers(time.time() if now is None else now)
    handler = type(
        "Handler",
        (FakePrometheusHandler,),
        {"bodies": {query: json.dumps(body).encode() for query, body in canned.items()}},
    )
    with serve_http(handler) as server:
        yield server
