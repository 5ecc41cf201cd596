"""One HTTP client for every `http` source that would build the same one.

A board often holds dozens of health checks, one source each, against a handful of
hosts. A client per source would mean a connection pool, a TLS context (loading the
system's CA store costs milliseconds of CPU and ~1 MB) and, for each pool, its own
keep-alive connections per source. Sources whose options give the same client share
one, counted by leases and closed when the last lease is returned.

Clients belong to the event loop that made them (their connections are bound to it):
the cache is per running loop, so a test suite running many loops never hands a
client to the wrong one.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from oncall_tui.plugin import HTTPOptions, SourceContext, client_for

Key = tuple[object, ...]


@dataclass(eq=False)
class _Shared:
    client: httpx.AsyncClient
    leases: int = 0


@dataclass(eq=False)
class Lease:
    """One source's hold on a shared client; `release` once when the source closes."""

    key: Key
    shared: _Shared
    released: bool = field(default=False)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.shared.client


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Key, _Shared]] = (
    weakref.WeakKeyDictionary()
)


def client_key(options: HTTPOptions, context: SourceContext, timeout: float) -> Key:
    """Everything `client_for` builds the client from. The URL only counts for the
    credentials in it (registered with the redactor when the client is built): two
    checks of different paths on one host share a client, and a connection."""
    parts = urlsplit(options.url)
    base = context.config_dir

    def resolved(path: Path | None) -> Path | None:
        return None if path is None else (base / path.expanduser()).resolve()

    auth = options.basic_auth
    return (
        tuple(sorted(options.headers.items())),
        options.bearer_token,
        resolved(options.bearer_token_file),
        (auth.username, auth.password) if auth is not None else None,
        resolved(options.ca_file),
        options.verify_tls,
        timeout,
        (parts.username, parts.password),
    )


def acquire(options: HTTPOptions, context: SourceContext, timeout: float) -> Lease:
    """A lease on the client for these options, building it on first use (which may
    raise `SourceError` for an unreadable token or CA file)."""
    pool = _POOLS.setdefault(asyncio.get_running_loop(), {})
    key = client_key(options, context, timeout)
    shared = pool.get(key)
    if shared is None or shared.client.is_closed:
        shared = _Shared(client_for(options, context, timeout=timeout))
        pool[key] = shared
    shared.leases += 1
    return Lease(key, shared)


async def release(lease: Lease) -> None:
    """Return a lease; the last one closes the client."""
    if lease.released:
        return
    lease.released = True
    lease.shared.leases -= 1
    if lease.shared.leases > 0:
        return
    try:
        pool = _POOLS.get(asyncio.get_running_loop())
    except RuntimeError:
        pool = None
    if pool is not None and pool.get(lease.key) is lease.shared:
        del pool[lease.key]
    await lease.shared.client.aclose()


def open_clients() -> int:
    """Clients held for the running loop (for tests and the benchmark)."""
    return len(_POOLS.get(asyncio.get_running_loop(), {}))
