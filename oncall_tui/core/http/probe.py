"""One health check of one URL: status, latency, a look at the body, the TLS expiry.

For a probe a failure is the answer, not an error (DESIGN.md): "connection refused"
or "TLS: certificate has expired" is exactly what the on-call engineer needs to see on
the dependency's row, while the source itself stays healthy. So `probe` never raises
for anything the server or the network did; it returns a `ProbeResult` whose `error`
says in words what failed. Only cancellation from outside (the engine's deadline)
propagates, so give the probe a `deadline` shorter than the source's timeout.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.sources.errors import SourceError

from .client import NO_RETRY
from .decode import read_prefix
from .errors import describe_error, finish, redirect_target, safe_url

DEFAULT_PROBE_BODY = 64 * 1024
"""How much of the body a probe keeps: enough for `body_contains` or a JSON status."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one check observed. `error` is empty when a response arrived whole (its
    status may still be bad: judging it is the caller's job)."""

    url: str
    """The URL checked, fit to show (no credentials, no query string)."""
    status_code: int | None
    """The HTTP status, or None when no response arrived."""
    error: str
    """Why the check failed, in words ("cannot connect to host:443 (connection
    refused)", "timed out after 2s"), or "" when it got an answer."""
    latency: float | None
    """Seconds from sending the request to the response headers; None without them."""
    elapsed: float
    """Seconds the whole check took, body included."""
    body: bytes | None = None
    """The start of the decoded body (up to `max_body`), None for HEAD or when not read."""
    body_truncated: bool = False
    """True when the body was longer than what `body` holds."""
    content_type: str = ""
    cert_not_after: datetime | None = None
    """When the server's TLS certificate expires (https only, UTC)."""
    redirect: str = ""
    """Where a 3xx answer points (credentials and query removed), "" otherwise:
    redirects are never followed, so a check can say where it was sent."""

    @property
    def answered(self) -> bool:
        """True when a whole response arrived (whatever its status)."""
        return self.status_code is not None and not self.error

    def cert_days_left(self, now: datetime | None = None) -> float | None:
        if self.cert_not_after is None:
            return None
        now = now or datetime.now(UTC)
        return (self.cert_not_after - now).total_seconds() / 86400


async def probe(
    client: httpx.AsyncClient,
    url: str,
    method: Literal["GET", "HEAD"] = "GET",
    *,
    deadline: float,
    read_body: bool = True,
    max_body: int = DEFAULT_PROBE_BODY,
) -> ProbeResult:
    """Check `url` once (never retried: a probe measures the server as it is).

    `deadline` bounds the whole check, body included; a server dripping its answer is
    reported as "timed out after ...", not left to the engine's deadline.
    """
    shown = safe_url(url)
    started = time.perf_counter()
    latency: float | None = None
    status: int | None = None
    content_type = ""
    not_after: datetime | None = None
    redirect = ""
    body: bytes | None = None
    truncated = False
    try:
        async with asyncio.timeout(deadline):
            request = client.build_request(method, url, extensions={NO_RETRY: True})
            response = await client.send(request, stream=True)
            try:
                latency = time.perf_counter() - started
                status = response.status_code
                content_type = response.headers.get("content-type", "")
                not_after = _cert_not_after(response)
                if response.is_redirect:
                    redirect = redirect_target(response)
                if read_body and method != "HEAD":
                    body, truncated = await read_prefix(response, max_body)
            finally:
                await response.aclose()
    except TimeoutError:
        error = f"timed out after {format_duration(deadline)}"
    except httpx.HTTPError as exc:
        error = finish(describe_error(exc, client))
    except SourceError as exc:  # refused by the client (read-only), or an undecodable body
        error = finish(str(exc))
    else:
        error = ""
    return ProbeResult(
        url=shown,
        status_code=status,
        error=error,
        latency=latency,
        elapsed=time.perf_counter() - started,
        body=body,
        body_truncated=truncated,
        content_type=content_type,
        cert_not_after=not_after,
        redirect=redirect,
    )


def _cert_not_after(response: httpx.Response) -> datetime | None:
    """The expiry of the certificate the server presented, read from the connection
    (works with `verify_tls = false` too, where `getpeercert()` returns nothing)."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        ssl_object = stream.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    except (AttributeError, ValueError):
        return None
    return cert_not_after(der) if der else None


def cert_not_after(der: bytes) -> datetime | None:
    """notAfter of a DER X.509 certificate, or None if it cannot be read.

    Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
    serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... } }
    A few lines of DER walking instead of a dependency on a crypto library.
    """
    try:
        certificate = _children(_tlv(der, 0)[1])
        tbs = _children(certificate[0][1])
        fields = tbs[1:] if tbs[0][0] == 0xA0 else tbs
        validity = _children(fields[3][1])
        tag, value = validity[1]
        text = value.decode("ascii")
        if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ: years 50-99 are 19xx (RFC 5280)
            year = int(text[:2])
            text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
        elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
            return None
        return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


def _tlv(data: bytes, offset: int) -> tuple[int, bytes, int]:
    """(tag, value, offset after) of the DER element at `offset`."""
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("bad DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    value = data[offset : offset + length]
    if len(value) != length:
        raise ValueError("truncated DER")
    return tag, value, offset + length


def _children(data: bytes) -> list[tuple[int, bytes]]:
    children = []
    offset = 0
    while offset < len(data):
        tag, value, offset = _tlv(data, offset)
        children.append((tag, value))
    return children
