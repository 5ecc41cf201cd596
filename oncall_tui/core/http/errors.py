"""Errors of the HTTP layer and the short, credential-free words that describe them.

Every message here may quote a server (a reason phrase, a Location header, an
exception's text): `finish` escapes control characters and removes secrets, so no
caller can forget to.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.sanitize import MAX_LINE, redactor, sanitize, secret_header
from oncall_tui.core.sources.errors import SourceError

"""Headers httpx or this layer set, which carry nothing secret."""


class HTTPStatusError(SourceError):
    """A non-2xx response. Carries the status and, when the body was JSON, the parsed
    body: APIs such as Prometheus explain a 400 in it ("parse error at char 5"), which is
    far more useful to the engineer than the bare status line."""

    def __init__(self, message: str, *, status_code: int, payload: object = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.payload = payload


def finish(message: str) -> str:
    """A message fit to show: secrets removed, then control characters escaped and the
    length capped (redaction first, so a cut cannot leave a prefix of a secret)."""
    return sanitize(redactor.redact(message), MAX_LINE)


@contextmanager
def failures_worded(client: httpx.AsyncClient) -> Iterator[None]:
    """Around one request: whatever fails leaves as a `SourceError` (an
    `HTTPStatusError` keeps its status and payload) in finished words, credentials
    removed. Cancellation passes through untouched."""
    try:
        yield
    except HTTPStatusError as exc:
        raise HTTPStatusError(
            finish(str(exc)), status_code=exc.status_code, payload=exc.payload
        ) from None
    except SourceError as exc:
        raise type(exc)(finish(str(exc))) from None
    except httpx.HTTPError as exc:
        raise SourceError(finish(describe_error(exc, client))) from None


def scrub(text: str, secrets: Mapping[str, str] | httpx.Headers | None = None) -> str:
    """`text` without URL credentials, registered secrets, or the values of `secrets`
    (headers known only to the caller). The process-wide redactor does the work: this is
    its name in the HTTP layer, kept for plugins that already call it."""
    extra = [value for name, value in (secrets or {}).items() if secret_header(name)]
    return redactor.redact(text, extra)


def status_line(response: httpx.Response, wait: float | None = None) -> str:
    """ "HTTP 503 Service Unavailable", with how long the server asked to be left alone
    when it said (`wait`, from Retry-After): the next poll may well get the same."""
    reason = response.reason_phrase or ""
    line = f"HTTP {response.status_code} {reason}".strip()
    if wait is not None and wait >= 1:
        after = format_duration(wait) if wait < 86400 * 365 else "more than a year"
        line += f" (the server asks to retry after {after})"
    return line


def redirect_target(response: httpx.Response) -> str:
    """Where a redirect points, fit to show (no credentials, no query), "" without a
    Location header."""
    location = response.headers.get("location", "")
    if not location:
        return ""
    try:
        return safe_url(str(response.url.join(location)))
    except (httpx.InvalidURL, ValueError):
        return "an invalid location"


def redirect_message(response: httpx.Response) -> str:
    target = redirect_target(response)
    where = f" to {target}" if target else ""
    return (
        f"HTTP {response.status_code} redirect{where}; redirects are not followed, "
        "configure the final URL"
    )


def too_large(max_bytes: int) -> SourceError:
    return SourceError(f"response larger than {format_size(max_bytes)}")


def describe_error(exc: httpx.HTTPError, client: httpx.AsyncClient | None = None) -> str:
    """A short reason for a transport failure, from the root cause httpx wraps.

    httpx says "All connection attempts failed" for a refused connection; the cause chain
    holds the words an engineer needs ("connection refused", "host name not found").
    """
    where = _where(exc)
    if isinstance(exc, httpx.TimeoutException):
        seconds = _timeout_of(exc, client)
        after = f" after {format_duration(seconds)}" if seconds else ""
        if isinstance(exc, httpx.ConnectTimeout):
            return f"cannot connect to {where} (timed out{after})"
        if isinstance(exc, httpx.PoolTimeout):
            return f"timed out{after} waiting for a free connection to {where}"
        return f"timed out{after} waiting for {where}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme (use http:// or https://)"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {_root_reason(exc) or str(exc)}"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {where} ({_root_reason(exc) or 'connection failed'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke the HTTP protocol ({_root_reason(exc) or str(exc)})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"connection to {where} failed ({_root_reason(exc) or 'connection lost'})"
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decode the response from {where} ({str(exc) or 'bad encoding'})"
    if isinstance(exc, httpx.InvalidURL):
        return "invalid URL"
    return f"request to {where} failed ({type(exc).__name__}: {str(exc) or 'no detail'})"


def _where(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised before a request existed
        return "the server"
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}" if port else host or "the server"


def _timeout_of(exc: httpx.TimeoutException, client: httpx.AsyncClient | None) -> float | None:
    timeout: Any = None
    try:
        timeout = exc.request.extensions.get("timeout")
    except RuntimeError:
        timeout = None
    if not isinstance(timeout, dict) and client is not None:
        timeout = client.timeout.as_dict()
    if not isinstance(timeout, dict):
        return None
    key = {
        httpx.ConnectTimeout: "connect",
        httpx.ReadTimeout: "read",
        httpx.WriteTimeout: "write",
        httpx.PoolTimeout: "pool",
    }.get(type(exc), "read")
    value = timeout.get(key)
    return float(value) if isinstance(value, int | float) else None


def root_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in `exc`'s cause chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
    return None


def _root_reason(exc: BaseException) -> str:
    """The most specific OS/TLS reason in the cause chain, in plain words."""
    seen: set[int] = set()
    current: BaseException | None = exc
    reason = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        specific = _reason_of(current)
        if specific:
            reason = specific
        current = current.__cause__ or current.__context__
    return reason


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or "unknown reason"
        return f"TLS certificate not trusted: {detail}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed: {exc.reason or exc.strerror or 'unknown reason'}"
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
            return "host name not found"
        if exc.errno == socket.EAI_AGAIN:
            return "DNS lookup failed, try again"
        return f"DNS lookup failed: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return ""


def safe_url(url: str) -> str:
    """`url` fit for a message: no `user:password@`, no query string (API keys often
    travel as `?token=`), no fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "an invalid URL"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    query = "…" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def format_size(size: int) -> str:
    """Binary units written the way people say them: 10 MB, 512 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"
