"""Partial answers are never silently ok: a real Prometheus whose remote read fails
(it answers with `warnings`), and a loopback server speaking the documented fields of
what is not packaged here (VictoriaMetrics' `isPartial`, Mimir's 422 and Cortex's 429
limit refusals), through `oncall-tui check`; and the partial mark on the board, the
detail and the wallboard.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.core.signals.model import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import screen_lines
from scenario_monitoring import run_cli
from servers import closed_port, no_proxy
from servers_http import serve_http
from servers_prometheus import start_prometheus
from ui_support import T0, demo_readings, make_engine, make_store
from waiting import pilot_until

CONFIG = """\
[sources.prom]
plugin = "prometheus"
url = "{url}"
timeout = "5s"
backfill = "0s"

  [[sources.prom.queries]]
  kind = "health"
  name = "absent up"
  query = 'absent(up)'

  [[sources.prom.queries]]
  kind = "health"
  name = "one"
  query = 'vector(1)'
"""


def _check(url: str, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(url=url))
    result = run_cli(["check", "--config", str(config), "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    text = run_cli(["check", "--config", str(config)]).stdout
    return result.returncode, json.loads(result.stdout), text


def test_prometheus_warnings_make_signals_partial(tmp_path: Path) -> None:
    with (
        no_proxy(),
        start_prometheus(remote_read=f"http://127.0.0.1:{closed_port()}/api/v1/read") as prom,
    ):
        code, document, text = _check(prom.url, tmp_path)
    signals = {s["name"]: s for s in document["signals"]}
    assert signals["absent up"]["partial"] is True
    assert "partial" not in signals["one"]  # said only when true, as the note
    (source,) = document["sources"]
    assert source["status"] == "ok"
    assert source["note"].startswith("partial: 1 of 2 signals: server warning: remote_read")
    assert code == 0  # the values are ok; partial is a mark, never a fifth status
    assert "CANNOT FULLY SEE  absent up (partial answers)" in text
    assert "partial: " in text


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answer: tuple[int, str, bytes] = (200, "application/json", b"")

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        status, content_type, body = self.answer
        if "query=vector" in self.path:  # the second query always answers whole
            status, content_type = 200, "application/json"
            body = json.dumps(
                {"status": "success", "data": {"resultType": "vector", "result": [
                    {"metric": {}, "value": [time.time(), "1"]}]}}
            ).encode()  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[Any]:
    with no_proxy(), serve_http(_Server) as running:
        yield running


def test_victoriametrics_is_partial(server: Any, tmp_path: Path) -> None:
    _Server.answer = (200, "application/json", json.dumps({
        "status": "success", "isPartial": True,
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [time.time(), "1"]}]},
    }).encode())  # fmt: skip
    _, document, _ = _check(server.url, tmp_path)
    signals = {s["name"]: s for s in document["signals"]}
    assert signals["absent up"]["partial"] is True
    assert "isPartial" in document["sources"][0]["note"]


@pytest.mark.parametrize(
    ("status", "content_type", "body", "said"),
    [
        (422, "application/json", json.dumps({
            "status": "error", "errorType": "execution",
            "error": "the query exceeded the maximum number of series (limit: 10) "
                     "(err-mimir-max-series-per-query)",
        }).encode(), "err-mimir-max-series-per-query"),
        (429, "text/plain; charset=utf-8", b"too many outstanding requests\n",
         "too many outstanding requests"),
    ],
    ids=["mimir-422", "cortex-429"],
)  # fmt: skip
def test_limit_refusals_say_partial_with_their_message(
    server: Any, tmp_path: Path, status: int, content_type: str, body: bytes, said: str
) -> None:
    _Server.answer = (status, content_type, body)
    code, document, _ = _check(server.url, tmp_path)
    (source,) = document["sources"]
    assert source["error"].startswith("partial: queries[0] (absent up): refused by a server limit")
    assert said in source["error"]
    signals = {s["name"]: s for s in document["signals"]}
    assert signals["one"]["status"] == "ok"  # what answered is kept
    assert "absent up" not in signals  # it never answered: nothing to show but the error
    assert code == 3  # a failing source counts as unknown


def test_a_plain_422_execution_error_is_no_limit(server: Any, tmp_path: Path) -> None:
    _Server.answer = (422, "application/json", json.dumps({
        "status": "error", "errorType": "execution",
        "error": "found duplicate series for the match group",
    }).encode())  # fmt: skip
    _, document, _ = _check(server.url, tmp_path)
    error = document["sources"][0]["error"]
    assert "partial" not in error and "duplicate series" in error


def _partial_store() -> Any:
    readings = demo_readings("critical")
    marked = [
        replace(r, partial="server warning: remote_read: connection refused")
        if r.status is None and r.kind == "health"
        else r
        for r in readings
    ]
    return make_store(readings=marked)


def _text(app: OncallApp) -> str:
    return "\n".join(screen_lines(app.screen))


async def test_the_mark_on_the_board_and_the_detail() -> None:
    store = _partial_store()
    partial = [s for s in store.signals.values() if s.partial]
    assert partial
    app = OncallApp(make_engine(store), clock=lambda: T0, start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = _text(app)
        assert f"◌ {partial[0].name}" in text
        app.open_detail(partial[0].key)
        await pilot_until(pilot, lambda: "the source answered only partly" in _text(app))
        assert f"◌ {partial[0].name}" in _text(app)


async def test_the_mark_on_the_wallboard() -> None:
    store = _partial_store()
    worst = [s for s in store.signals.values() if s.partial and s.status is Status.CRITICAL]
    app = OncallApp(make_engine(store), clock=lambda: T0, start_engine=False, wallboard=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        text = _text(app)
    if worst:
        assert f"◌ {worst[0].name}" in text
    else:
        assert "◌ " in text
