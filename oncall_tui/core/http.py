"""The one HTTP client setup and JSON fetch every HTTP-based plugin shares.

Plugins (prometheus, alertmanager, http, openmetrics) talk to servers the on-call
engineer does not control, often while those servers are failing. Doing it in one place
means every plugin gets the same hardening (timeouts, size cap, TLS verified, no silent
redirects, proxies from the environment) and the same short, credential-free error
messages, instead of each plugin rediscovering httpx's traps.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import ssl
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx

from oncall_tui import __version__
from oncall_tui.core.durations import format_duration
from oncall_tui.core.plugin_api import SourceError
from oncall_tui.core.sanitize import MAX_LINE, sanitize

# httpx logs every request at INFO with the full URL, `user:password@` included; a user
# who turns on debug logging must not leak credentials into a log file.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest response body read; a misconfigured URL must not fill the memory of a
wallboard that runs for weeks."""

MAX_CONNECT_TIMEOUT = 5.0
"""A server that has not accepted a TCP connection in 5 s is down for practical purposes;
waiting the whole collection deadline to say so only delays the verdict."""

_ERROR_BODY_BYTES = 64 * 1024
"""How much of an error response is read looking for a JSON explanation."""

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_ACCEPT_JSON = {"Accept": "application/json"}

# httpx's own default headers carry nothing secret; anything else a plugin set (tokens,
# cookies, API keys) is scrubbed from messages.
_DEFAULT_HEADER_NAMES = frozenset({"accept", "accept-encoding", "connection", "user-agent"})

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#@\s]*@")


class HTTPStatusError(SourceError):
    """A non-2xx response. Carries the status and, when the body was JSON, the parsed
    body: APIs such as Prometheus explain a 400 in it ("parse error at char 5"), which is
    far more useful to the engineer than the bare status line."""

    def __init__(self, message: str, *, status_code: int, payload: object = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.payload = payload


def build_client(
    *,
    timeout: float,
    headers: Mapping[str, str] = _NO_HEADERS,
    verify: bool = True,
) -> httpx.AsyncClient:
    """An AsyncClient with the safety defaults every source needs.

    `timeout` bounds the TCP connect (at most `MAX_CONNECT_TIMEOUT`) and each gap between
    received chunks; a server dripping one byte at a time never trips a read timeout,
    so the caller must still put an overall deadline (`asyncio.timeout`) around a
    request. Redirects are not followed: a redirect can move the request, and the
    credentials in its headers, to another host, so it is reported instead.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    all_headers = {"User-Agent": f"oncall-tui/{__version__}", **headers}
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, MAX_CONNECT_TIMEOUT)),
        headers=all_headers,
        verify=tls_context() if verify else False,
        trust_env=True,
        follow_redirects=False,
    )


def tls_context() -> ssl.SSLContext:
    """Certificate verification against the system's trust store.

    httpx alone trusts only certifi's public CAs, so a Prometheus behind the company's
    internal CA (installed in /etc/ssl/certs, the usual fix) would fail verification
    and push people to `verify_tls = false`. OpenSSL's defaults also honour
    SSL_CERT_FILE / SSL_CERT_DIR; when neither is set, certifi is added for systems
    without a populated store (python.org builds on macOS).
    """
    context = ssl.create_default_context()
    if not (os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")):
        with contextlib.suppress(OSError, ssl.SSLError):
            context.load_verify_locations(certifi.where())
    return context


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> object:
    """GET `url` and parse its JSON body.

    Every failure becomes a `SourceError` (an `HTTPStatusError` for non-2xx statuses)
    whose message names what went wrong in words an engineer can act on and never
    contains credentials. Cancellation (the engine's deadline) is never swallowed.
    """
    try:
        async with client.stream("GET", url, params=params, headers=_ACCEPT_JSON) as response:
            if 300 <= response.status_code < 400:
                raise SourceError(_redirect_message(response))
            if not 200 <= response.status_code < 300:
                payload = await _error_payload(response)
                raise HTTPStatusError(
                    _status_line(response), status_code=response.status_code, payload=payload
                )
            body = await _read_capped(response, max_bytes)
            content_type = response.headers.get("content-type", "")
    except HTTPStatusError as exc:
        raise HTTPStatusError(
            _finish(str(exc), client), status_code=exc.status_code, payload=exc.payload
        ) from None
    except SourceError as exc:
        raise SourceError(_finish(str(exc), client)) from None
    except httpx.HTTPError as exc:
        raise SourceError(_finish(describe_error(exc, client), client)) from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise SourceError(_invalid_json_message(exc, content_type)) from None


async def get_text(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[str, str]:
    """GET `url` and return its body as text with its content type (a `/metrics`
    exposition, whose parser depends on the type).

    The body is read streaming under the same cap as `get_json` and decoded with the
    charset the server declares (UTF-8 otherwise; undecodable bytes are replaced, not
    fatal). Failures become `SourceError`s exactly as in `get_json`. Send `Accept` and
    any other headers through the client.
    """
    try:
        async with client.stream("GET", url) as response:
            if 300 <= response.status_code < 400:
                raise SourceError(_redirect_message(response))
            if not 200 <= response.status_code < 300:
                raise HTTPStatusError(_status_line(response), status_code=response.status_code)
            body = await _read_capped(response, max_bytes)
            content_type = response.headers.get("content-type", "")
            charset = response.charset_encoding or "utf-8"
    except HTTPStatusError as exc:
        raise HTTPStatusError(_finish(str(exc), client), status_code=exc.status_code) from None
    except SourceError as exc:
        raise SourceError(_finish(str(exc), client)) from None
    except httpx.HTTPError as exc:
        raise SourceError(_finish(describe_error(exc, client), client)) from None
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    return text, content_type


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(f"response larger than {format_size(max_bytes)}")
    body = bytearray()
    # aiter_bytes yields decompressed data, so the cap also holds for a gzip bomb.
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise SourceError(f"response larger than {format_size(max_bytes)}")
    return bytes(body)


async def _error_payload(response: httpx.Response) -> object:
    """The parsed JSON body of an error response, or None. Best effort: the status
    line alone is already a complete error, so failures here are ignored."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    body = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > _ERROR_BODY_BYTES:
                return None
        return json.loads(body)
    except (httpx.HTTPError, ValueError, RecursionError):
        return None


def _status_line(response: httpx.Response) -> str:
    reason = response.reason_phrase or ""
    return f"HTTP {response.status_code} {reason}".strip()


def _redirect_message(response: httpx.Response) -> str:
    location = response.headers.get("location", "")
    target = ""
    if location:
        try:
            target = safe_url(str(response.url.join(location)))
        except (httpx.InvalidURL, ValueError):
            target = "an invalid location"
    where = f" to {target}" if target else ""
    return (
        f"HTTP {response.status_code} redirect{where}; redirects are not followed, "
        "configure the final URL"
    )


def _invalid_json_message(exc: Exception, content_type: str) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and "json" not in media_type:
        # The usual cause: the URL points at a web page or a /metrics endpoint.
        return f"invalid JSON in response (got {media_type[:60]}; is the URL right?)"
    if isinstance(exc, RecursionError):
        return "invalid JSON in response (nested too deeply)"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON in response ({exc.msg} at byte {exc.pos})"
    return "invalid JSON in response (not UTF-8)"


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


def scrub(text: str, secrets: Mapping[str, str] | httpx.Headers = _NO_HEADERS) -> str:
    """`text` without URL credentials and without the values of `secrets` (headers a
    plugin configured). Used on every message built from an exception, whose text the
    helper does not control."""
    text = _USERINFO.sub(r"\1", text)
    for name, value in secrets.items():
        if name.lower() in _DEFAULT_HEADER_NAMES:
            continue
        # "Bearer xyz": the token alone may appear too. Short values are left alone:
        # redacting "Basic" or "1" would mangle every message and protect nothing.
        parts = {value} if len(value) >= 4 else set()
        parts.update(part for part in value.split() if len(part) >= 8)
        for part in sorted(parts, key=len, reverse=True):
            if part in text:
                text = text.replace(part, "***")
    return text


def _finish(message: str, client: httpx.AsyncClient) -> str:
    # Reason phrases, Location headers and exception texts come from the server: escape
    # control characters here so no caller can forget to.
    return sanitize(scrub(message, client.headers), MAX_LINE)


def format_size(size: int) -> str:
    """Binary units written the way people say them: 10 MB, 512 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"
