"""The one HTTP client a source keeps, created on first use and closed with the source.

Every HTTP plugin wants the same thing: a client built by `client_for` (so its secrets
are registered with the redactor before the first request), created inside the running
event loop rather than in `__init__` (which runs before there is one), reused across
collections (one pool of keep-alive connections instead of a TCP and TLS handshake per
request), rebuilt if something closed it, and closed once when the engine stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from oncall_tui.core.http.options import HTTPOptions, client_for
from oncall_tui.core.sources.contract import SourceContext


class HTTPClientMixin:
    """Mix into a plugin (before `Plugin[...]`) whose config is `HTTPOptions`: `self.http()`
    is its client, `aclose()` closes it. Override `client_options` for a timeout or
    headers of the plugin's own."""

    config: Any
    context: SourceContext
    _client: httpx.AsyncClient | None = None

    def client_options(self) -> Mapping[str, Any]:
        """Keyword arguments for `client_for` besides the config and context (`timeout`,
        `headers`): none by default."""
        return {}

    def http(self) -> httpx.AsyncClient:
        """The source's client, built on first use (and again if it was closed)."""
        client = self._client
        if client is None or client.is_closed:
            options: HTTPOptions = self.config
            client = self._client = client_for(options, self.context, **self.client_options())
        return client

    async def aclose(self) -> None:
        """Close the client (the next `http()` would build a new one)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
