"""Requests that change something (POST, PUT, DELETE): a silence created or expired.

The client's read-only guard refuses these before any byte leaves (`ReadOnlyError`),
so a plugin calls `send_json` the same way whatever the mode; only a client built with
`client_for(..., writes=True)` in a context that is not read-only sends them. Failures
read as `get_json`'s do: an `HTTPStatusError` (with the server's JSON explanation in
`payload`) or a `SourceError`, never with credentials in the message. Never retried:
a POST that timed out may have been applied.
"""

from __future__ import annotations

import json

import httpx

from oncall_tui.core.sources.errors import SourceError

from .decode import read_body
from .errors import HTTPStatusError, failures_worded, redirect_message, status_line
from .fetch import _error_payload

MAX_ANSWER_BYTES = 1024 * 1024
"""Largest answer read after a write: an id, a confirmation."""


async def send_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    body: object = None,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> object:
    """Send `body` as JSON with `method` and return the parsed answer (None when the
    server answers with an empty body)."""
    content = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if content is not None:
        headers["Content-Type"] = "application/json"
    with failures_worded(client):
        async with client.stream(method, url, content=content, headers=headers) as response:
            if 300 <= response.status_code < 400:
                raise SourceError(redirect_message(response))
            if not 200 <= response.status_code < 300:
                payload = await _error_payload(response)
                raise HTTPStatusError(
                    status_line(response), status_code=response.status_code, payload=payload
                )
            answer = await read_body(response, max_bytes)
    if not answer.strip():
        return None
    try:
        return json.loads(answer)
    except (ValueError, RecursionError):
        raise SourceError("invalid JSON in the answer") from None
