"""An Alertmanager that refuses, stops, is the wrong server, sits behind TLS or
answers oddly: each is a source error that says why, never zero alerts, and never
quotes a secret."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from alertmanager_api import post_alerts
from alertmanager_plugin_support import (
    board,
    engine_for,
    inhibiting_manager,  # noqa: F401  (the fixture `manager`)
    plugin_for,
    recording_proxy,
)
from oncall_cli import run_oncall
from oncall_tui.core.signals.model import Reason, Status
from oncall_tui.core.sources.errors import SourceError
from quiet_handler import QuietHandler
from servers import ServerProcess, closed_port, no_proxy
from servers_alertmanager import start_alertmanager
from servers_http import self_signed_cert, serve_http
from servers_platform import Platform

pytestmark = pytest.mark.servers


async def test_filter_alertmanager_rejects_is_a_source_error(manager: ServerProcess) -> None:
    store = await board(manager.url, filter=['service=~"[unclosed"'])
    state = store.source("alerts")
    assert state.ok is False
    assert state.error.startswith("HTTP 400 Bad Request: ")
    assert "error parsing regexp" in state.error


async def test_stopped_alertmanager_is_a_source_error_never_zero_alerts(case: str) -> None:
    with no_proxy(), start_alertmanager() as server:
        engine = engine_for(server.url)
        runner = engine.runners["alerts"]
        try:
            post_alerts(server, case, {"labels": {"alertname": "Kept", "severity": "critical"}})
            await runner.collect()
            assert engine.store.overall() is Status.CRITICAL
            server.stop()
            assert await runner.collect() is False
        finally:
            await engine.stop()
    state = engine.store.source("alerts")
    assert state.ok is False
    assert state.error == f"cannot connect to 127.0.0.1:{server.port} (connection refused)"
    assert state.note == ""
    [signal] = engine.store.signals.values()
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.SOURCE_ERROR)
    assert engine.store.overall() is Status.UNKNOWN


def test_unreachable_alertmanager_in_check_text(tmp_path: Path) -> None:
    config = tmp_path / "oncall.toml"
    port = closed_port()
    config.write_text(
        f'[sources.alerts]\nplugin = "alertmanager"\nurl = "http://127.0.0.1:{port}"\n'
    )
    result = run_oncall("check", "--config", str(config))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"ERROR cannot connect to 127.0.0.1:{port} (connection refused)" in result.stdout


async def test_wrong_server_is_explained(platform: Platform) -> None:
    store = await board(platform.prometheus.url)
    error = store.source("alerts").error
    assert error == "HTTP 404 Not Found (is this an Alertmanager with API v2 at that URL?)"
    store = await board(platform.prometheus.url + "/api/v1/query")
    assert store.source("alerts").ok is False


async def test_headers_are_sent_and_tls_is_verified(manager: ServerProcess, case: str) -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    post_alerts(manager, case, {"labels": {"alertname": "Tls", "severity": "critical"}})
    with (
        self_signed_cert() as cert,
        serve_http(recording_proxy(manager.url, seen), cert.server_context()) as proxy,
    ):
        options: dict[str, Any] = {
            "filter": [f'case="{case}"'],
            "headers": {"X-Scope-OrgID": "tenant-7f3a9c"},
        }
        refused = await board(proxy.url, **options)
        assert refused.source("alerts").ok is False
        assert "TLS certificate not trusted" in refused.source("alerts").error
        store = await board(proxy.url, verify_tls=False, **options)
    assert [signal.name for signal in store.signals.values()] == ["Tls"]
    assert seen and all(headers.get("X-Scope-OrgID") == "tenant-7f3a9c" for _, headers in seen)


async def test_error_text_quoting_a_secret_is_left_out(manager: ServerProcess) -> None:
    token = "tok_abcdef123456"
    async with plugin_for(
        manager.url,
        headers={"Authorization": f"Bearer {token}"},
        filter=[f'service=~"[{token}"'],
    ) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "HTTP 400 Bad Request"


def _odd_server(alerts: object, silences_status: int = 200) -> type[BaseHTTPRequestHandler]:
    """A loopback server answering like a broken or foreign Alertmanager would: what no
    healthy Alertmanager sends, but a wrong URL or a proxy in between can."""

    class Odd(QuietHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/api/v2/alerts"):
                status, body = 200, json.dumps(alerts).encode()
            else:
                status, body = silences_status, b'"boom"'
            self.send_body(status, body)

    return Odd


async def test_odd_answers_are_explained_and_what_can_be_read_is_kept() -> None:
    good = {
        "labels": {"alertname": "Good", "severity": "critical"},
        "fingerprint": "abc123",
        "status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": ["gone"]},
    }
    with no_proxy():
        with serve_http(_odd_server({"data": []})) as server:
            store = await board(server.url)
        assert store.source("alerts").error == (
            "not an Alertmanager API v2 response (is the URL right?)"
        )
        with serve_http(_odd_server([good, 7, {"labels": "x"}], silences_status=500)) as server:
            store = await board(server.url)
    state = store.source("alerts")
    assert (state.ok, state.error) == (False, "2 items in the response not an alert")
    [signal] = store.signals.values()
    # The silences could not be fetched: the alert is still suppressed, only the words
    # are fewer; the inhibiting alert is not on the board.
    assert (signal.name, signal.status, signal.reason) == ("Good", Status.OK, None)
    assert signal.summary == (
        "silenced (who and until when unavailable); also inhibited by another alert"
    )
