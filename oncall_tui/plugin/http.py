"""Helpers for plugins that read (or, for an action, write) over HTTP.

    from oncall_tui.plugin import Plugin, PluginConfig
    from oncall_tui.plugin.http import BaseURL, HTTPClientMixin, HTTPOptions, get_json

    class StatusConfig(PluginConfig, HTTPOptions):
        url: BaseURL

    class StatusPlugin(HTTPClientMixin, Plugin[StatusConfig]):
        async def collect(self):
            body = await get_json(self.http(), f"{self.config.url}/api/status")
            ...

`HTTPOptions` gives the config `url`, headers, tokens, basic auth and TLS options, spelled
and checked as every HTTP source's; `HTTPClientMixin` keeps the one client per source
(`client_for` registers its secrets with the redactor first); `get_json`, `get_text` and
`get_bytes` read with bounded size and decompression and errors worded for a panel;
`send_json` writes (only through a client built with `writes=True`, never in read-only
mode); `probe` times a request and reads the certificate.
"""

from __future__ import annotations

from oncall_tui.core.gate import ReadOnlyError
from oncall_tui.core.http.client import build_client
from oncall_tui.core.http.errors import HTTPStatusError
from oncall_tui.core.http.fetch import Body, Text, get_bytes, get_json, get_text, json_of
from oncall_tui.core.http.options import BaseURL, HTTPOptions, base_url, client_for
from oncall_tui.core.http.probe import ProbeResult, probe
from oncall_tui.core.http.send import send_json
from oncall_tui.core.http.source_client import HTTPClientMixin

__all__ = [
    "BaseURL",
    "Body",
    "HTTPClientMixin",
    "HTTPOptions",
    "HTTPStatusError",
    "ProbeResult",
    "ReadOnlyError",
    "Text",
    "base_url",
    "build_client",
    "client_for",
    "get_bytes",
    "get_json",
    "get_text",
    "json_of",
    "probe",
    "send_json",
]
