"""What the prometheus source's feature tests share: a store fed by one source, and a
loopback proxy in front of the real Prometheus that counts requests and
in-flight requests, or plays a results cache that ignores the evaluation time: faults
a bare Prometheus does not make."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from oncall_tui.core.signals.model import SourceState
from oncall_tui.core.signals.store import SignalStore
from quiet_handler import QuietHandler
from servers import no_proxy
from servers_http import serve_http
from servers_platform import Platform

UP = {"kind": "health", "name": "{service} up", "query": "service_up", "unit": "bool"}


def store_for(
    plugin_kinds: frozenset[Any], *, interval: float = 5.0, max_age: float | None = None
) -> SignalStore:
    store = SignalStore()
    store.add_source(
        SourceState("prom", "prometheus", plugin_kinds, interval=interval), max_age=max_age
    )
    return store


@dataclass
class Proxy:
    """A loopback HTTP proxy to the real Prometheus that watches and misbehaves."""

    upstream: str
    url: str = ""
    delay: float = 0.0
    """Seconds each request is held before it is forwarded."""
    cache: bool = False
    """Answer a query seen before with its first answer, whatever its `time`: a
    results cache keyed on the query alone."""
    fail_range: bool = False
    """Answer every query_range with a 500."""
    range_delay: float = 0.0
    """Seconds each query_range is held on top of `delay`."""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: dict[str, bytes] = field(default_factory=dict)

    def paths(self, suffix: str) -> list[dict[str, str]]:
        return [params for path, params in self.requests if path.endswith(suffix)]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with proxy.lock:
                    proxy.requests.append((parts.path, params))
                    proxy.in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy.in_flight)
                try:
                    slow = proxy.range_delay if parts.path.endswith("/query_range") else 0.0
                    time.sleep(proxy.delay + slow)  # a slow server: the behaviour under test
                    status, body = self._answer(parts.path, parts.query, params)
                finally:
                    with proxy.lock:
                        proxy.in_flight -= 1
                self.send_body(status, body)

            def _answer(self, path: str, query: str, params: dict[str, str]) -> tuple[int, bytes]:
                if proxy.fail_range and path.endswith("/query_range"):
                    error = {"status": "error", "errorType": "internal", "error": "cache down"}
                    return 500, json.dumps(error).encode()
                key = params.get("query", "")
                if proxy.cache and key in proxy.answers:
                    return 200, proxy.answers[key]
                with httpx.Client(trust_env=False, timeout=10) as client:
                    response = client.get(f"{proxy.upstream}{path}?{query}")
                proxy.answers.setdefault(key, response.content)
                return response.status_code, response.content

        return Handler


@pytest.fixture(name="proxy")
def counting_proxy(platform: Platform) -> Iterator[Proxy]:
    watcher = Proxy(platform.prometheus.url)
    with serve_http(watcher.handler()) as server, no_proxy():
        watcher.url = server.url
        yield watcher
