"""What the http plugin's tests share: a health endpoint of our own on loopback (JSON,
slow answers, hostile text), the fault server of tests/faults.py reset for each test,
and the plugin built and run once as the engine would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faults import FaultServer
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_http import HTTPCheckConfig, HTTPPlugin
from quiet_handler import QuietHandler
from servers_http import HTTPTestServer, serve_http

HOSTILE = "\x1b[2J\x1b]52;c;aGk=\x07\u202eDOWN"

HEALTH = {
    "status": "UP",
    "checks": {"db": {"status": "UP", "latency_ms": 3}, "cache": {"status": "DOWN"}},
    "items": [{"status": "ok"}],
    "ready": True,
    "version": 2,
}


class HealthHandler(QuietHandler):
    """/health (JSON), /slow/MS (200 after MS milliseconds), /hostile (a JSON status
    carrying escape sequences and a bidi override), /text (plain text in latin-1)."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_body(status, body, content_type)

    def do_GET(self) -> None:
        parts = [part for part in self.path.split("?", 1)[0].split("/") if part]
        if parts == ["health"]:
            self._send(200, json.dumps(HEALTH).encode())
        elif parts[:1] == ["slow"]:
            time.sleep(int(parts[1]) / 1000)  # a slow server: the behaviour under test
            self._send(200, b'{"status": "UP"}')
        elif parts == ["hostile"]:
            self._send(200, json.dumps({"status": HOSTILE}).encode())
        elif parts == ["text"]:
            self._send(200, "état: prêt".encode("latin-1"), "text/plain; charset=iso-8859-1")
        else:
            self._send(404, b"not found", "text/plain")

    do_HEAD = do_GET


@pytest.fixture(scope="module", name="health")
def health_server() -> Iterator[HTTPTestServer]:
    """The fixture `health`: the health endpoint, one per module that imports this."""
    with serve_http(HealthHandler) as server:
        yield server


@pytest.fixture(name="faults")
def reset_faults(module_server: FaultServer) -> FaultServer:
    """The fixture `faults`: conftest's fault server of the module, reset for each test."""
    module_server.reset()
    return module_server


def make(
    url: str, config_dir: Path | None = None, timeout: float = 3.0, **options: Any
) -> HTTPPlugin:
    config = HTTPCheckConfig.model_validate({"url": url, **options})
    context = SourceContext(
        name="bureau", config_dir=config_dir or Path("/nonexistent"), interval=5.0, timeout=timeout
    )
    return HTTPPlugin(config, context)


async def check(url: str, config_dir: Path | None = None, **options: Any) -> Reading:
    plugin = make(url, config_dir, **options)
    try:
        [reading] = await plugin.collect()
    finally:
        await plugin.aclose()
    return reading


def status_of(reading: Reading) -> Status:
    """The status the board shows (the store applies the latency thresholds)."""
    store = SignalStore()
    store.add_source(SourceState(name="s", plugin="http", kinds=frozenset({reading.kind})))
    store.apply("s", [reading])
    return store.signals["s/check"].status
