"""The shared HTTP helper against a real loopback HTTP(S) server.

A mocked transport is used only for faults a local server cannot produce (DNS failure).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest

from oncall_tui.core.http import (
    HTTPStatusError,
    build_client,
    format_size,
    get_json,
    safe_url,
    scrub,
)
from oncall_tui.core.sources.errors import SourceError
from quiet_handler import QuietHandler
from servers import closed_port
from servers_http import HTTPTestServer, SelfSignedCert, self_signed_cert, serve_http

SECRET = "s3cr3t-token-value"

# Released when the module's server stops, so stalled handlers end.
_release = threading.Event()


class Handler(QuietHandler):
    """Routes for each behaviour under test. HTTP/1.1 so connections are kept alive."""

    peers: list[int] = []

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_body(status, body, content_type)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        Handler.peers.append(self.client_address[1])
        if path == "/json":
            self._send(200, json.dumps({"ok": True, "path": self.path}).encode())
        elif path == "/big-declared":
            self._send(200, b"[" + b"1," * 600_000 + b"1]")
        elif path == "/big-chunked":
            # No Content-Length: only counting while streaming catches this one.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"1," * 32_768
            try:
                for _ in range(64):  # 4 MB, well over the 1 MB cap used below
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client hung up once over the cap: expected
        elif path == "/gzip-bomb":
            body = gzip.compress(b" " * (4 * 1024 * 1024))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/html":
            self._send(200, b"<html><body>Login</body></html>", "text/html; charset=utf-8")
        elif path == "/bad-json":
            self._send(200, b'{"status": "success", "data": ')
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://admin:{SECRET}@evil.example/x?token={SECRET}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/unavailable":
            self._send(503, b"overloaded", "text/plain")
        elif path == "/api-error":
            self._send(
                400,
                json.dumps(
                    {"status": "error", "errorType": "bad_data", "error": "parse error"}
                ).encode(),
            )
        elif path == "/evil-reason":
            self.send_response(500, "Oops \x1b[2J")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/stall":
            # Headers now, body never: the read timeout must fire.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            _release.wait(timeout=30)
        elif path == "/drip":
            # One byte every 50 ms: never trips a read timeout, only an overall deadline.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    if _release.wait(timeout=0.05):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                pass
        elif path == "/whoami":
            self._send(
                200, json.dumps({"authorization": self.headers.get("Authorization")}).encode()
            )
        elif self.path.startswith("http://"):
            # An absolute URI: we are being used as a forward proxy.
            self._send(200, json.dumps({"proxied": self.path}).encode())
        else:
            self._send(404, b"404 page not found", "text/plain")


pytestmark = pytest.mark.usefixtures("direct")


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPTestServer]:
    _release.clear()
    with serve_http(Handler) as running:
        yield running
        _release.set()


async def test_json_ok(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        body = await get_json(client, f"{server.url}/json", params={"query": "up == 1"})
    assert body == {"ok": True, "path": "/json?query=up+%3D%3D+1"}


async def test_size_cap_from_content_length(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError, match=r"^response larger than 1 MB$"):
            await get_json(client, f"{server.url}/big-declared", max_bytes=1024 * 1024)


async def test_size_cap_while_streaming(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError, match=r"^response larger than 1 MB$"):
            await get_json(client, f"{server.url}/big-chunked", max_bytes=1024 * 1024)


async def test_size_cap_counts_decompressed_bytes(server: HTTPTestServer) -> None:
    # 4 KB on the wire, 4 MB once inflated.
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError, match=r"^response larger than 1 MB$"):
            await get_json(client, f"{server.url}/gzip-bomb", max_bytes=1024 * 1024)


async def test_invalid_json_names_the_content_type(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as html:
            await get_json(client, f"{server.url}/html")
        with pytest.raises(SourceError) as truncated:
            await get_json(client, f"{server.url}/bad-json")
    assert str(html.value) == "invalid JSON in response (got text/html; is the URL right?)"
    assert str(truncated.value).startswith("invalid JSON in response (Expecting value")


async def test_redirect_refused_without_leaking_credentials(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/redirect")
    message = str(caught.value)
    assert message.startswith("HTTP 302 redirect to http://evil.example/x?…")
    assert "not followed" in message
    assert SECRET not in message
    assert "admin" not in message


async def test_http_status_error(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(HTTPStatusError) as unavailable:
            await get_json(client, f"{server.url}/unavailable")
        with pytest.raises(HTTPStatusError) as missing:
            await get_json(client, f"{server.url}/nope")
    assert str(unavailable.value) == "HTTP 503 Service Unavailable"
    assert unavailable.value.status_code == 503
    assert unavailable.value.payload is None
    assert str(missing.value) == "HTTP 404 Not Found"


async def test_http_error_keeps_json_explanation(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await get_json(client, f"{server.url}/api-error")
    assert caught.value.status_code == 400
    assert caught.value.payload == {
        "status": "error",
        "errorType": "bad_data",
        "error": "parse error",
    }


async def test_server_text_in_messages_is_sanitised(server: HTTPTestServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await get_json(client, f"{server.url}/evil-reason")
    assert "\x1b" not in str(caught.value)
    assert str(caught.value) == "HTTP 500 Oops \\x1b[2J"


async def test_connection_refused_is_readable() -> None:
    port = closed_port()
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"http://127.0.0.1:{port}/api")
    assert str(caught.value) == f"cannot connect to 127.0.0.1:{port} (connection refused)"


async def test_read_timeout_is_readable(server: HTTPTestServer) -> None:
    async with build_client(timeout=0.3) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/stall")
    assert str(caught.value) == f"timed out after 300ms waiting for 127.0.0.1:{server.port}"


async def test_overall_deadline_still_applies(server: HTTPTestServer) -> None:
    # A drip feed never trips the read timeout; the engine's asyncio.timeout must still
    # be able to cancel the request, and the cancellation must not become a SourceError.
    async with build_client(timeout=2.0) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await get_json(client, f"{server.url}/drip")


async def test_credentials_never_in_error_messages(server: HTTPTestServer) -> None:
    port = closed_port()
    headers = {"Authorization": f"Bearer {SECRET}", "X-Api-Key": "key-0123456789"}
    async with build_client(timeout=2.0, headers=headers) as client:
        for url in (
            f"http://admin:{SECRET}@127.0.0.1:{port}/api?token={SECRET}",
            f"http://admin:{SECRET}@{server.url.removeprefix('http://')}/redirect",
            f"http://admin:{SECRET}@{server.url.removeprefix('http://')}/unavailable",
        ):
            with pytest.raises(SourceError) as caught:
                await get_json(client, url)
            assert SECRET not in str(caught.value)
            assert "key-0123456789" not in str(caught.value)
            assert "admin" not in str(caught.value)


async def test_userinfo_is_sent_as_basic_auth(server: HTTPTestServer) -> None:
    # URL credentials are how many people configure basic auth; they must work.
    async with build_client(timeout=2.0) as client:
        body = await get_json(client, f"http://user:pw@127.0.0.1:{server.port}/whoami")
    assert body == {"authorization": "Basic dXNlcjpwdw=="}


async def test_connections_are_reused(server: HTTPTestServer) -> None:
    Handler.peers.clear()
    async with build_client(timeout=2.0) as client:
        for _ in range(3):
            await get_json(client, f"{server.url}/json")
    assert len(Handler.peers) == 3
    assert len(set(Handler.peers)) == 1, "each request opened a new connection"


async def test_proxy_from_environment(
    server: HTTPTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test server doubles as a forward proxy: it answers absolute-URI requests.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with build_client(timeout=2.0) as client:
        body = await get_json(client, "http://metrics.internal.example/api/v1/query")
    assert body == {"proxied": "http://metrics.internal.example/api/v1/query"}


@pytest.fixture(scope="module")
def cert() -> Iterator[SelfSignedCert]:
    with self_signed_cert() as made:
        yield made


async def test_tls_verified_by_default_and_readable(cert: SelfSignedCert) -> None:
    with serve_http(Handler, cert.server_context()) as tls:
        async with build_client(timeout=2.0) as client:
            with pytest.raises(SourceError) as caught:
                await get_json(client, f"{tls.url}/json")
        assert str(caught.value) == (
            f"cannot connect to 127.0.0.1:{tls.port} "
            "(TLS certificate not trusted: self-signed certificate)"
        )
        async with build_client(timeout=2.0, verify=False) as client:
            assert await get_json(client, f"{tls.url}/json") == {"ok": True, "path": "/json"}


async def test_private_ca_from_ssl_cert_file(
    cert: SelfSignedCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fix for an internal CA is the system store or SSL_CERT_FILE, not verify=False.
    with serve_http(Handler, cert.server_context()) as tls:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert.cert))
        async with build_client(timeout=2.0) as client:
            assert await get_json(client, f"{tls.url}/json") == {"ok": True, "path": "/json"}


async def test_dns_failure_is_readable() -> None:
    # Name resolution depends on the machine's resolver; simulate the error httpx raises.
    import socket

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from (
            socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, "https://prometheus.example.com/api/v1/query")
    assert str(caught.value) == "cannot connect to prometheus.example.com:443 (host name not found)"


def test_httpx_logs_no_urls() -> None:
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING


def test_build_client_settings() -> None:
    client = build_client(timeout=30.0, headers={"X-Scope-OrgID": "tenant-7f3a"})
    assert client.timeout.connect == 5.0
    assert client.timeout.read == 30.0
    assert client.follow_redirects is False
    assert client.headers["X-Scope-OrgID"] == "tenant-7f3a"
    assert client.headers["User-Agent"].startswith("oncall-tui/")
    short = build_client(timeout=2.0)
    assert short.timeout.connect == 2.0
    with pytest.raises(ValueError):
        build_client(timeout=0)


def test_message_helpers() -> None:
    assert safe_url("https://u:p@host:8443/path?token=x#frag") == "https://host:8443/path?…"
    assert scrub("GET http://u:pw@h/x failed", {"Authorization": "Bearer abcdefgh1234"}) == (
        "GET http://h/x failed"
    )
    assert scrub("token abcdefgh1234 leaked", {"Authorization": "Bearer abcdefgh1234"}) == (
        "token *** leaked"
    )
    assert format_size(10 * 1024 * 1024) == "10 MB"
    assert format_size(512 * 1024) == "512 KB"
    assert format_size(100) == "100 bytes"
