"""The one HTTP client setup every HTTP-based plugin shares.

Plugins talk to servers the on-call engineer does not control, often while those
servers are failing. One client class gives every plugin the same hardening: timeouts,
TLS verified against the system's CAs, proxies from the environment, no redirects,
only the encodings this layer can inflate safely, a read-only guard that refuses a
write before any byte leaves, and a few polite retries that cannot become a storm.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import logging
import math
import os
import socket
import ssl
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import certifi
import httpx

from oncall_tui import __version__
from oncall_tui.core.gate import ReadOnlyError
from oncall_tui.core.named_files import UnreadableFile, read_named_file
from oncall_tui.core.sanitize import redactor, secret_header

from .decode import accept_encoding
from .errors import root_cause, safe_url

# httpx logs every request at INFO with the full URL, `user:password@` included; a user
# who turns on debug logging must not leak credentials into a log file.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

MAX_CONNECT_TIMEOUT = 5.0
"""A server that has not accepted a TCP connection in 5 s is down for practical purposes;
waiting the whole collection deadline to say so only delays the verdict."""

SAFE_METHODS = frozenset({"GET", "HEAD"})
"""What a read-only client sends; anything else could change something."""

DEFAULT_RETRIES = 1
"""Extra attempts after a transient failure. One absorbs a blip (a restarting pod, a
full accept queue); more would multiply the load on a server that is already failing,
once per query and source."""
MAX_RETRIES = 2
RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Statuses that say "not now": overloaded, or a proxy in front of a restarting server.
Never 401/403 (the token will not improve) nor other 5xx (a bug will not go away)."""
MAX_RETRY_AFTER = 2.0
"""Longest wait honoured before a retry. A server asking for more is not retried: the
answer is reported now and the next collection asks again."""
RETRY_BACKOFF = 0.2
"""Wait before the first retry when the server gives no Retry-After (doubled after)."""

NO_RETRY = "oncall_tui.no_retry"
"""Request extension: set to True for a request that must be tried exactly once (a
health probe measures the server, not the server plus retries)."""

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class GuardedClient(httpx.AsyncClient):
    """An AsyncClient that enforces read-only and retries transient failures.

    Both live in `send`, which every request passes (including those going through a
    proxy from the environment, which a transport wrapper would miss).
    """

    def __init__(self, *, read_only: bool, retries: int, budget: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.read_only = read_only
        self.retries = retries
        self.budget = budget
        """Seconds one request may take with its retries (the collection deadline): a
        retry that would not finish in time is not started."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        method = request.method.upper()
        if self.read_only and method not in SAFE_METHODS:
            raise ReadOnlyError(
                f"{method} {safe_url(str(request.url))} refused before sending: read-only "
                "(only GET and HEAD are sent)"
            )
        retries = self.retries
        if method not in SAFE_METHODS or request.extensions.get(NO_RETRY):
            retries = 0
        started = time.monotonic()
        attempt = 0
        while True:
            attempt_started = time.monotonic()
            try:
                response = await super().send(request, **kwargs)
            except httpx.TransportError as exc:
                delay = _error_delay(exc, attempt) if attempt < retries else None
                if delay is None or not self._in_budget(started, attempt_started, delay):
                    raise
            else:
                status = response.status_code
                delay = None
                if attempt < retries and status in RETRY_STATUSES:
                    delay = _response_delay(response, attempt)
                if delay is None or not self._in_budget(started, attempt_started, delay):
                    return response
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    def _in_budget(self, started: float, attempt_started: float, delay: float) -> bool:
        """Whether a retry after `delay` could finish in time, guessing that it takes as
        long as the attempt that just failed."""
        now = time.monotonic()
        return (now - started) + delay + (now - attempt_started) <= self.budget


def _error_delay(exc: httpx.TransportError, attempt: int) -> float | None:
    """Wait before retrying a transport failure, or None when retrying cannot help.

    Only failures to connect are retried: nothing reached the server, so nothing is
    repeated. A name that does not resolve or a certificate that is not trusted will
    not change in a second.
    """
    if not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return None
    if isinstance(exc, httpx.ProxyError):
        return None
    if root_cause(exc, ssl.SSLError) is not None or root_cause(exc, socket.gaierror) is not None:
        return None
    return RETRY_BACKOFF * 2.0**attempt


def _response_delay(response: httpx.Response, attempt: int) -> float | None:
    header = response.headers.get("retry-after")
    if header is None:
        return RETRY_BACKOFF * 2.0**attempt
    seconds = retry_after(header)
    if seconds is None or seconds > MAX_RETRY_AFTER:
        return None
    return seconds


def retry_after(value: str) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or None
    when it cannot be read. `1e9`, `inf` and `nan` are read as numbers (huge or
    invalid), never trusted as a wait."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
        return max(seconds, 0.0)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def build_client(
    *,
    timeout: float,
    headers: Mapping[str, str] = _NO_HEADERS,
    verify: bool | ssl.SSLContext = True,
    auth: httpx.Auth | None = None,
    read_only: bool = True,
    retries: int = DEFAULT_RETRIES,
    budget: float | None = None,
) -> GuardedClient:
    """An AsyncClient with the safety defaults every source needs.

    `timeout` bounds the TCP connect (at most `MAX_CONNECT_TIMEOUT`) and each gap between
    received chunks; a server dripping one byte at a time never trips a read timeout,
    so the caller must still put an overall deadline (`asyncio.timeout`) around a
    request. Redirects are not followed: a redirect can move the request, and the
    credentials in its headers, to another host, so it is reported instead.

    Read-only unless asked otherwise: a plugin that writes (a silence) passes
    `read_only=False` only when the app is not read-only. Every header value (except
    httpx's own) is registered with the process's redactor, so a server echoing it never
    puts it on screen. `budget` (default `timeout`) bounds a request with its retries.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    if not 0 <= retries <= MAX_RETRIES:
        raise ValueError(f"retries must be between 0 and {MAX_RETRIES}")
    for name, value in headers.items():
        if secret_header(name):
            redactor.add_credential(value)
    all_headers = {
        "User-Agent": f"oncall-tui/{__version__}",
        "Accept-Encoding": accept_encoding(),
        **headers,
    }
    if isinstance(verify, ssl.SSLContext):
        context: ssl.SSLContext | bool = verify
    else:
        context = shared_tls_context() if verify else False
    return GuardedClient(
        read_only=read_only,
        retries=retries,
        budget=timeout if budget is None else budget,
        timeout=httpx.Timeout(timeout, connect=min(timeout, MAX_CONNECT_TIMEOUT)),
        headers=all_headers,
        verify=context,
        auth=auth,
        trust_env=True,
        follow_redirects=False,
    )


MAX_CA_FILE = 4 * 1024 * 1024
"""Largest CA bundle read (the system's whole store is ~200 KiB)."""


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Certificate verification against the system's trust store (plus `ca_file`).

    httpx alone trusts only certifi's public CAs, so a Prometheus behind the company's
    internal CA (installed in /etc/ssl/certs, the usual fix) would fail verification
    and push people to `verify_tls = false`. OpenSSL's defaults also honour
    SSL_CERT_FILE / SSL_CERT_DIR; when neither is set, certifi is added for systems
    without a populated store (python.org builds on macOS). `ca_file` (a PEM file of one
    or more CA certificates) is trusted in addition; its errors propagate (OSError,
    ssl.SSLError) for the caller to word.
    """
    context = ssl.create_default_context()
    if not (os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")):
        with contextlib.suppress(OSError, ssl.SSLError):
            context.load_verify_locations(certifi.where())
    if ca_file is not None:
        # Read here rather than by OpenSSL: a FIFO or /dev/zero named as the CA file
        # would hang it or fill memory.
        try:
            pem = read_named_file(ca_file, MAX_CA_FILE)
        except UnreadableFile as exc:
            raise OSError(0, exc.reason) from None
        context.load_verify_locations(cadata=pem.decode("ascii", errors="replace"))
    return context


def shared_tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """`tls_context(ca_file)`, built once and shared by every client that trusts the
    same CAs.

    Loading the trust store costs ~0.8 MB and a few milliseconds of CPU per context: 50
    health checks with a context each held 40 MB more than with one (bench/
    http_checks.py). A context is safe to share between connections and clients; never
    change one obtained here. The key is the CA file's path, size and modification time
    and the trust-store variables, so a replaced file or a changed environment gets a
    new context. Errors propagate as from `tls_context` (and are not cached).
    """
    stamp: tuple[str, int, int] | None = None
    if ca_file is not None:
        info = ca_file.stat()
        stamp = (str(ca_file.resolve()), info.st_mtime_ns, info.st_size)
    return _tls_context_for(stamp, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=32)
def _tls_context_for(
    stamp: tuple[str, int, int] | None, cert_file: str | None, cert_dir: str | None
) -> ssl.SSLContext:
    del cert_file, cert_dir  # part of the key only: tls_context reads the environment
    return tls_context(Path(stamp[0]) if stamp is not None else None)
