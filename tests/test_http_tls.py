"""The http plugin over TLS: a self-signed certificate refused unless its CA is
given, expired certificates, days to expiry, and each check keeping its connection
while all share one TLS context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from faults import PKI, FaultServer, serve_faults
from http_plugin_support import (
    check,
    make,
    reset_faults,  # noqa: F401  (the fixture `faults`)
    status_of,
)
from oncall_tui.core.signals.model import Status
from servers_http import self_signed_cert

pytestmark = pytest.mark.usefixtures("direct")


async def test_self_signed_fails_by_default_and_passes_with_its_ca_file(tmp_path: Path) -> None:
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        refused = await check(f"{tls.url}/json")
        (tmp_path / "certs").mkdir()
        (tmp_path / "certs" / "bureau.pem").write_bytes(cert.cert.read_bytes())
        trusted = await check(f"{tls.url}/json", tmp_path, ca_file="certs/bureau.pem")
        unverified = await check(f"{tls.url}/json", verify_tls=False)
    assert refused.status is Status.CRITICAL
    assert refused.summary == "TLS: self-signed certificate"
    assert status_of(trusted) is Status.OK
    assert status_of(unverified) is Status.OK


async def test_expired_certificate(pki: PKI) -> None:
    with serve_faults(pki.context(pki.expired)) as tls:
        reading = await check(f"{tls.url}/json", ca_file=str(pki.ca))
    assert reading.status is Status.CRITICAL
    assert reading.summary == "TLS: certificate has expired"


async def test_certificate_expiry_days(pki: PKI) -> None:
    # The private CA's server certificate is valid for two days.
    url_options = {"ca_file": str(pki.ca)}
    with serve_faults(pki.context(pki.valid)) as tls:
        url = f"{tls.url}/json"
        unjudged = await check(url, **url_options)
        far = await check(url, cert_expiry_warning_days=1, **url_options)
        warning = await check(url, cert_expiry_warning_days=7, **url_options)
        critical = await check(
            url, cert_expiry_warning_days=7, cert_expiry_critical_days=3, **url_options
        )
    assert status_of(unjudged) is Status.OK and status_of(far) is Status.OK
    assert unjudged.labels["cert_expires"].endswith(" UTC")
    expires = datetime.strptime(unjudged.labels["cert_expires"], "%Y-%m-%d %H:%M UTC")
    left = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=1.5) < left < timedelta(days=2.5)
    assert warning.status is Status.WARNING
    assert warning.summary.startswith("status 200, TLS: certificate expires in ")
    assert warning.summary.endswith(" days")
    assert critical.status is Status.CRITICAL


async def test_certificate_expiry_without_verification(tmp_path: Path) -> None:
    # verify_tls = false still reads the expiry: a self-signed cert that runs out soon.
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        reading = await check(f"{tls.url}/json", verify_tls=False, cert_expiry_critical_days=5)
    assert reading.status is Status.CRITICAL
    assert "TLS: certificate expires in" in reading.summary


def ssl_context_of(client: Any) -> object:
    """The TLS context a client's pool connects with (httpx internals, for this test)."""
    return client._transport._pool._ssl_context


async def test_each_check_keeps_its_connection_and_shares_the_tls_context(
    faults: FaultServer, pki: PKI
) -> None:
    plugins = [make(f"{faults.url}/json?n={i}") for i in range(5)]
    for _ in range(3):
        for plugin in plugins:
            [reading] = await plugin.collect()
            assert status_of(reading) is Status.OK
    # Five checks, three rounds: five keep-alive connections, no handshake per check.
    assert faults.state.connections == 5
    contexts = {id(ssl_context_of(plugin.http())) for plugin in plugins}
    assert len(contexts) == 1, "the trust store is loaded once, not per source"
    with_ca = make(f"{faults.url}/json", ca_file=str(pki.ca))
    assert ssl_context_of(with_ca.http()) is not ssl_context_of(plugins[0].http())
    for plugin in [*plugins, with_ca]:
        client = plugin.http()
        await plugin.aclose()
        assert client.is_closed
