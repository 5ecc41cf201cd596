"""The HTTP layer every HTTP-based plugin shares.

Plugins (prometheus, alertmanager, http, openmetrics) talk to servers the on-call
engineer does not control, often while those servers are failing. Doing it in one place
means every plugin gets the same hardening (timeouts, size cap counted while inflating,
TLS verified, no silent redirects, proxies from the environment, read-only guard,
bounded retries) and the same short, credential-free error messages, instead of each
plugin rediscovering httpx's traps.

    client        build_client, tls_context, shared_tls_context: the client and its guards
    options       HTTPOptions (the config mixin), client_for
    fetch         get_json, get_bytes, get_text, json_of
    send          send_json: POST/PUT/DELETE, refused by a read-only client before any I/O
    probe         probe: one health check, failures returned as observations
    decode        bounded Content-Encoding inflation
    errors        HTTPStatusError, ReadOnlyError, describe_error and message helpers
"""

from oncall_tui.core.gate import ReadOnlyError
from oncall_tui.core.sources.errors import SourceError

from .client import (
    DEFAULT_RETRIES,
    MAX_CONNECT_TIMEOUT,
    MAX_RETRY_AFTER,
    NO_RETRY,
    GuardedClient,
    build_client,
    retry_after,
    shared_tls_context,
    tls_context,
)
from .decode import STEP, accept_encoding
from .errors import HTTPStatusError, describe_error, format_size, safe_url, scrub
from .fetch import DEFAULT_MAX_BYTES, Body, Text, get_bytes, get_json, get_text, json_of
from .options import BasicAuth, HTTPOptions, check_http_url, client_for
from .probe import ProbeResult, cert_not_after, probe
from .send import send_json

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRIES",
    "MAX_CONNECT_TIMEOUT",
    "MAX_RETRY_AFTER",
    "NO_RETRY",
    "STEP",
    "BasicAuth",
    "Body",
    "GuardedClient",
    "HTTPOptions",
    "HTTPStatusError",
    "ProbeResult",
    "ReadOnlyError",
    "SourceError",
    "Text",
    "accept_encoding",
    "build_client",
    "cert_not_after",
    "check_http_url",
    "client_for",
    "describe_error",
    "format_size",
    "get_bytes",
    "get_json",
    "get_text",
    "json_of",
    "probe",
    "retry_after",
    "safe_url",
    "scrub",
    "send_json",
    "shared_tls_context",
    "tls_context",
]
