"""The openmetrics plugin against plain loopback HTTP servers, for what an exporter
would not do: OpenMetrics without `# EOF`, HTML, auth, TLS, and no server at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest

from oncall_tui.core.sources.errors import SourceError
from openmetrics_support import UP, plugin_for
from quiet_handler import QuietHandler
from servers import closed_port, no_proxy
from servers_http import SelfSignedCert, self_signed_cert, serve_http


class FakeExporter(QuietHandler):
    """What a real exporter would not send: OpenMetrics, broken or not, HTML, 401."""

    TOKEN: ClassVar[str] = "Bearer tok-abcdef123456"
    OPENMETRICS = (
        "# TYPE bank_up gauge\n# HELP bank_up Bank core reachable.\nbank_up 1\n"
        "# TYPE bank_calls counter\nbank_calls_total 12.0\n"
    )

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/auth" and self.headers.get("Authorization") != self.TOKEN:
            return self._send(401, "denied", "text/plain")
        if path in ("/auth", "/openmetrics"):
            return self._send(200, self.OPENMETRICS + "# EOF\n")
        if path == "/no-eof":
            return self._send(200, self.OPENMETRICS)
        if path == "/accept":
            # What content negotiation would give: the text format only when asked.
            text = self.headers.get("Accept", "").startswith("text/plain;version=0.0.4")
            return self._send(200, f"asked_for_text {int(text)}\n", "text/plain; version=0.0.4")
        return self._send(200, "<html><body>login</body></html>\n", "text/html")

    def _send(
        self,
        status: int,
        body: str,
        content_type: str = "application/openmetrics-text; version=1.0.0; charset=utf-8",
    ) -> None:
        data = body.encode()
        self.send_body(status, data, content_type)


async def test_openmetrics_content_type_uses_the_openmetrics_parser() -> None:
    with no_proxy(), serve_http(FakeExporter) as server:
        async with plugin_for(server.url + "/openmetrics", UP) as plugin:
            assert (await plugin.collect())[0].value == 1.0
        async with plugin_for(server.url + "/no-eof", UP) as plugin:
            with pytest.raises(SourceError, match=r"cannot parse the OpenMetrics: .*EOF"):
                await plugin.collect()
        async with plugin_for(server.url + "/html", UP) as plugin:
            with pytest.raises(SourceError, match="cannot parse the Prometheus text format"):
                await plugin.collect()
        asked = {"name": "asked", "metric": "asked_for_text"}
        async with plugin_for(server.url + "/accept", asked) as plugin:
            assert (await plugin.collect())[0].value == 1.0


async def test_headers_are_sent_and_never_shown() -> None:
    with no_proxy(), serve_http(FakeExporter) as server:
        async with plugin_for(server.url + "/auth", UP) as plugin:
            with pytest.raises(SourceError, match="HTTP 401"):
                await plugin.collect()
        headers = {"Authorization": FakeExporter.TOKEN}
        async with plugin_for(server.url + "/auth", UP, headers=headers) as plugin:
            assert (await plugin.collect())[0].value == 1.0


@pytest.fixture(scope="module")
def cert() -> Iterator[SelfSignedCert]:
    with self_signed_cert() as made:
        yield made


async def test_verify_tls(cert: SelfSignedCert) -> None:
    with no_proxy(), serve_http(FakeExporter, cert.server_context()) as server:
        async with plugin_for(server.url + "/openmetrics", UP) as plugin:
            with pytest.raises(SourceError, match="TLS certificate not trusted"):
                await plugin.collect()
        async with plugin_for(server.url + "/openmetrics", UP, verify_tls=False) as plugin:
            assert (await plugin.collect())[0].value == 1.0


async def test_unreachable_exporter() -> None:
    with no_proxy():
        async with plugin_for(f"http://127.0.0.1:{closed_port()}", UP) as plugin:
            with pytest.raises(SourceError, match="connection refused"):
                await plugin.collect()
