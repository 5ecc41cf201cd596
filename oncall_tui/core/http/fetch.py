"""GET a body under the size cap: as JSON (APIs), or as bytes or text (`/metrics`).

Every failure becomes a `SourceError` (an `HTTPStatusError` for non-2xx statuses) whose
message names what went wrong in words an engineer can act on and never contains
credentials. Cancellation (the engine's deadline) is never swallowed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import NamedTuple

import httpx

from oncall_tui.core.sources.errors import SourceError

from .client import retry_after
from .decode import read_body
from .errors import (
    HTTPStatusError,
    failures_worded,
    finish,
    redirect_message,
    status_line,
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest response body read; a misconfigured URL must not fill the memory of a
wallboard that runs for weeks."""

_ERROR_BODY_BYTES = 64 * 1024
"""How much of an error response is read looking for a JSON explanation."""

_ACCEPT_JSON = {"Accept": "application/json"}


class Body(NamedTuple):
    """A response body and what the server says it is."""

    content: bytes
    content_type: str
    """The Content-Type header as sent ("" when absent)."""


class Text(NamedTuple):
    """A response body decoded to text: `text, content_type = await get_text(...)`."""

    text: str
    content_type: str


async def get_bytes(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Body:
    """GET `url`; the body (inflated in bounded steps, refused past `max_bytes`) and its
    content type. Non-2xx raises `HTTPStatusError`, 3xx is reported, not followed."""
    with failures_worded(client):
        async with client.stream("GET", url, params=params, headers=headers) as response:
            if 300 <= response.status_code < 400:
                raise SourceError(redirect_message(response))
            if not 200 <= response.status_code < 300:
                payload = await _error_payload(response)
                wait = retry_after(response.headers.get("retry-after", ""))
                raise HTTPStatusError(
                    status_line(response, wait), status_code=response.status_code, payload=payload
                )
            content = await read_body(response, max_bytes)
            return Body(content, response.headers.get("content-type", ""))


async def get_text(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Text:
    """`get_bytes` decoded with the charset the Content-Type names (UTF-8 otherwise);
    undecodable bytes become U+FFFD rather than failing a whole scrape."""
    body = await get_bytes(client, url, params=params, headers=headers, max_bytes=max_bytes)
    return Text(body.content.decode(charset(body.content_type), "replace"), body.content_type)


def charset(content_type: str) -> str:
    """The charset parameter of a Content-Type if Python knows it, else "utf-8"."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"')
            try:
                return codecs.lookup(value).name
            except LookupError:
                break
    return "utf-8"


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> object:
    """GET `url` and parse its JSON body (see `get_bytes` for the failures)."""
    body = await get_bytes(client, url, params=params, headers=_ACCEPT_JSON, max_bytes=max_bytes)
    return json_of(body)


def json_of(body: Body) -> object:
    """The parsed JSON of a body from `get_bytes`, or SourceError saying why not. Apart
    from `get_json` so a large body can be parsed off the event loop (megabytes of JSON
    cost a third of a second and more)."""
    try:
        return json.loads(body.content)
    except (ValueError, RecursionError) as exc:
        raise SourceError(_invalid_json_message(exc, body.content_type)) from None


async def _error_payload(response: httpx.Response) -> object:
    """The parsed JSON body of an error response, or None. Best effort: the status
    line alone is already a complete error, so failures here are ignored.

    A plain-text body of a 422 or 429 is returned as text: a query-limit refusal
    (Cortex, Mimir: "too many outstanding requests") says which limit only there."""
    content_type = response.headers.get("content-type", "")
    if response.status_code in (422, 429) and content_type.startswith("text/plain"):
        try:
            return (await read_body(response, _ERROR_BODY_BYTES)).decode("utf-8", "replace")
        except (SourceError, httpx.HTTPError):
            return None
    if "json" not in content_type:
        return None
    try:
        return json.loads(await read_body(response, _ERROR_BODY_BYTES))
    except (SourceError, httpx.HTTPError, ValueError, RecursionError):
        return None


def _invalid_json_message(exc: Exception, content_type: str) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and "json" not in media_type:
        # The usual cause: the URL points at a web page or a /metrics endpoint.
        return finish(f"invalid JSON in response (got {media_type[:60]}; is the URL right?)")
    if isinstance(exc, RecursionError):
        return "invalid JSON in response (nested too deeply)"
    if isinstance(exc, json.JSONDecodeError):
        # json says "Unterminated string starting at": no second "at".
        at = "" if exc.msg.endswith(" at") else " at"
        return f"invalid JSON in response ({exc.msg}{at} byte {exc.pos})"
    return "invalid JSON in response (not UTF-8)"
