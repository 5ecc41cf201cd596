"""`probe`: one health check whose failures are observations, against real loopback
HTTP(S) servers (the fault server, a private CA, a self-signed certificate)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from faults import PKI, FaultServer, blackhole, serve_faults
from oncall_tui.core.http import build_client, cert_not_after, probe, tls_context
from servers import closed_port
from servers_http import self_signed_cert

pytestmark = pytest.mark.usefixtures("direct")


def not_after_by_openssl(cert: Path) -> datetime:
    """The expiry as openssl reads it, to check our DER walk against."""
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-enddate", "-in", str(cert)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(out.split("=", 1)[1].strip()), UTC)


async def test_a_healthy_endpoint(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        result = await probe(client, f"{server.url}/json?token=abc", deadline=2.0)
    assert result.answered and result.error == ""
    assert result.status_code == 200
    assert result.body == b'{"ok": true}' and not result.body_truncated
    assert result.content_type == "application/json"
    assert result.latency is not None and 0 < result.latency <= result.elapsed
    assert result.url == f"{server.url}/json?…"
    assert result.cert_not_after is None  # plain http
    assert result.redirect == ""


async def test_head_reads_no_body(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        result = await probe(client, f"{server.url}/json", "HEAD", deadline=2.0)
    assert result.status_code == 200 and result.body is None
    assert server.state.requests == [("HEAD", "/json")]


async def test_a_bad_status_is_an_answer_and_is_not_retried(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        result = await probe(client, f"{server.url}/flaky/p/503", deadline=2.0)
    assert result.answered and result.status_code == 503
    assert result.body == b"try again"
    assert server.state.counts["flaky/p"] == 1, "a probe measures the server, once"


async def test_redirect_is_reported_as_its_status(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        result = await probe(client, f"{server.url}/redirect-away", deadline=2.0)
    assert result.status_code == 302 and result.error == ""
    assert result.redirect == "http://evil.example/steal?…", "no credentials, no query"
    assert len(server.state.requests) == 1


async def test_the_body_is_capped_not_refused(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        big = await probe(client, f"{server.url}/big-chunked", deadline=2.0, max_body=1000)
        bomb = await probe(client, f"{server.url}/nested-bomb", deadline=5.0, max_body=1000)
    assert big.answered and big.body == b" " * 1000 and big.body_truncated
    assert bomb.answered and bomb.body is not None and bomb.body.startswith(b'{"status"')
    assert len(bomb.body) == 1000 and bomb.body_truncated


async def test_refused_is_an_observation() -> None:
    port = closed_port()
    async with build_client(timeout=2.0) as client:
        result = await probe(client, f"http://127.0.0.1:{port}/health", deadline=2.0)
    assert not result.answered and result.status_code is None and result.latency is None
    assert result.error == f"cannot connect to 127.0.0.1:{port} (connection refused)"


async def test_blackholed_connect_is_an_observation() -> None:
    with blackhole() as port:
        async with build_client(timeout=0.3) as client:
            result = await probe(client, f"http://127.0.0.1:{port}/health", deadline=2.0)
    assert result.error == f"cannot connect to 127.0.0.1:{port} (timed out after 300ms)"


@pytest.mark.parametrize("path", ["drip-headers", "drip-body"])
async def test_a_drip_times_out_as_an_observation(server: FaultServer, path: str) -> None:
    async with build_client(timeout=2.0) as client:
        async with asyncio.timeout(20.0):  # the engine's deadline: must not be the one firing
            result = await probe(client, f"{server.url}/{path}", deadline=0.3)
    assert result.error == "timed out after 300ms"
    # Ended, not dripping on (a drip lasts 100 s). The same drips under a 0.3 s deadline
    # took 0.30-0.66 s at load 7-9 on 2 cores (test_http_faults); a full collection of
    # the worker's heap (0.3-0.8 s) can come on top, so neither this bound nor the
    # engine's deadline above is within 2x of that.
    assert result.elapsed < 10


async def test_outer_cancellation_still_propagates(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await probe(client, f"{server.url}/drip-body", deadline=5.0)


async def test_tls_expiry_is_read(pki: PKI) -> None:
    with serve_faults(pki.context(pki.valid)) as tls:
        async with build_client(timeout=2.0, verify=tls_context(pki.ca)) as client:
            result = await probe(client, f"{tls.url}/json", deadline=2.0)
    assert result.answered
    assert result.cert_not_after == not_after_by_openssl(pki.valid[0])
    days = result.cert_days_left()
    assert days is not None and 1.5 < days < 2.5  # made valid for two days


async def test_tls_errors_are_observations(pki: PKI) -> None:
    with (
        serve_faults(pki.context(pki.expired)) as expired,
        serve_faults(pki.context(pki.valid)) as unknown_ca,
    ):
        async with build_client(timeout=2.0, verify=tls_context(pki.ca)) as client:
            result = await probe(client, f"{expired.url}/json", deadline=2.0)
        async with build_client(timeout=2.0) as client:
            untrusted = await probe(client, f"{unknown_ca.url}/json", deadline=2.0)
    assert result.error == (
        f"cannot connect to 127.0.0.1:{expired.port} "
        "(TLS certificate not trusted: certificate has expired)"
    )
    assert untrusted.error.endswith(
        "(TLS certificate not trusted: unable to get local issuer certificate)"
    )


async def test_expiry_is_read_without_verification_too() -> None:
    # verify_tls = false: the check still says when the certificate runs out.
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        async with build_client(timeout=2.0) as client:
            refused = await probe(client, f"{tls.url}/json", deadline=2.0)
        async with build_client(timeout=2.0, verify=False) as client:
            result = await probe(client, f"{tls.url}/json", deadline=2.0)
        expected = not_after_by_openssl(cert.cert)
    assert refused.error.endswith("(TLS certificate not trusted: self-signed certificate)")
    assert result.answered and result.cert_not_after == expected


async def test_dns_failure_is_an_observation() -> None:
    # The machine's resolver decides what an unknown name does (and may need a network):
    # the one fault here simulated, with the exception httpx raises.
    import socket

    import httpx

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from (
            socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as client:
        result = await probe(client, "https://bureau.example.com/health", deadline=2.0)
    assert result.error == "cannot connect to bureau.example.com:443 (host name not found)"
    assert result.status_code is None


def _der(tag: int, value: bytes) -> bytes:
    length = len(value)
    encoded = bytes([length]) if length < 128 else b"\x82" + length.to_bytes(2, "big")
    return bytes([tag]) + encoded + value


def _certificate(not_after: bytes, tag: int) -> bytes:
    validity = _der(0x30, _der(0x17, b"200101000000Z") + _der(tag, not_after))
    tbs = _der(0xA0, _der(0x02, b"\x02")) + _der(0x02, b"\x01") + _der(0x30, b"")
    tbs += _der(0x30, b"") + validity + _der(0x30, b"x" * 200)  # long form length
    return _der(0x30, _der(0x30, tbs) + _der(0x30, b""))


def test_der_walk() -> None:
    # UTCTime years below 50 are 20xx, from 50 on 19xx (RFC 5280); GeneralizedTime as is.
    assert cert_not_after(_certificate(b"490101120000Z", 0x17)) == datetime(
        2049, 1, 1, 12, tzinfo=UTC
    )
    assert cert_not_after(_certificate(b"500101000000Z", 0x17)) == datetime(1950, 1, 1, tzinfo=UTC)
    assert cert_not_after(_certificate(b"20510203040506Z", 0x18)) == datetime(
        2051, 2, 3, 4, 5, 6, tzinfo=UTC
    )
    assert cert_not_after(b"") is None
    assert cert_not_after(b"\x30\x82\xff\xff") is None  # longer than the data
    assert cert_not_after(b"\x30\x03\x02\x01\x01") is None  # no tbsCertificate
    assert cert_not_after(_certificate(b"not a time", 0x17)) is None
