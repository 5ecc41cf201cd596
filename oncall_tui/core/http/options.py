"""The options every HTTP source takes, and the one way to turn them into a client.

A plugin's Config inherits `HTTPOptions`, so `url`, `headers`, tokens, basic auth and
TLS settings are spelled, checked and documented the same for every HTTP source, and
`client_for(options, context)` builds its client with every secret registered with the
redactor before the first request can echo it back.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

import httpx
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from oncall_tui.core.named_files import UnreadableFile, read_named_file
from oncall_tui.core.sanitize import redactor
from oncall_tui.core.sources.contract import PluginConfig, SourceContext
from oncall_tui.core.sources.errors import SourceError

from .client import build_client, shared_tls_context

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
MAX_TOKEN_FILE = 64 * 1024
"""A token file larger than this is not a token (a wrong path, a log file)."""

TLS_UNVERIFIED_NOTE = "TLS unverified"


class BasicAuth(BaseModel):
    """HTTP basic authentication."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    username: str = Field(min_length=1)
    """User name."""
    password: str
    """Password; use "${VAR}" to take it from the environment. Never shown."""


def check_http_url(url: str) -> str:
    """`url` stripped, or ValueError with a message that never quotes any part of it.

    The URL may hold a password; a parser error such as "Port could not be cast to
    integer value as 'Kq8vv7'" quotes the start of it (a password leaked that way), so
    only words of our own are used. The usual cause of a mangled authority is a password
    with `/`, `?`, `#` or `@` written as is: the message says how to percent-encode it.
    """
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        raise ValueError("not a valid URL: it contains spaces or control characters")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    encode = (
        "percent-encode a password in user:password@ ('/' as %2F, '?' as %3F, "
        "'#' as %23, '@' as %40)"
    )
    path = re.split(r"[?#]", rest, maxsplit=1)[0]
    # An '@' in the path (not the query: `?target=user@host` is common) after an
    # authority without one: a password with '/' whose start looks like a port.
    if "@" in path and "@" not in authority:
        raise ValueError(
            f"not a valid URL: '@' after the host name; {encode}, and an '@' in the path as %40"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"not a valid URL: the host or port cannot be read; {encode}") from None
    if not parts.hostname:
        raise ValueError("has no host name")
    return url


class HTTPOptions(PluginConfig):
    """Options of every HTTP source: where, how to authenticate, which TLS to trust."""

    # Headers, tokens and the URL carry secrets: a validation error must not echo them
    # (pydantic quotes the input value by default).
    model_config = ConfigDict(hide_input_in_errors=True)

    url: str
    """URL of the server, http:// or https://. A password in it (user:password@) must
    be percent-encoded if it contains '/', '?', '#' or '@'; basic_auth is clearer."""

    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers, e.g. { X-Scope-OrgID = "payments" }. Values of credential
    headers (Authorization, anything with auth, token, key, secret, password, cookie or
    session in its name) and every "${VAR}" value never appear anywhere."""

    bearer_token: str | None = None
    """Sent as "Authorization: Bearer <token>"; use "${VAR}" to take it from the
    environment. Never shown."""

    bearer_token_file: Path | None = None
    """File holding the bearer token (e.g. a Kubernetes service-account token), read
    when the source starts; relative to the config file."""

    basic_auth: BasicAuth | None = None
    """HTTP basic authentication: { username = "oncall", password = "${PROM_PASSWORD}" }."""

    ca_file: Path | None = None
    """PEM file of a CA to trust in addition to the system's (a corporate CA); relative
    to the config file."""

    verify_tls: bool = True
    """Verify the server's TLS certificate. Turn off only for a server whose
    certificate you cannot fix: without it anyone on the path can feed the board. The
    source then carries a permanent "TLS unverified" note."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        return check_http_url(url)

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if any(ch in value for ch in "\r\n\0"):
                # Never quote the value: it is usually a secret.
                raise ValueError(f"header {name!r} has a line break or NUL in its value")
        return headers

    @field_validator("bearer_token")
    @classmethod
    def _check_token(cls, token: str | None) -> str | None:
        if token is not None and (not token.strip() or any(ch in token for ch in "\r\n\0")):
            raise ValueError("must be a non-empty token without line breaks")
        return token.strip() if token is not None else None

    @field_validator("bearer_token_file", "ca_file")
    @classmethod
    def _file_exists(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        # The config loader passes the config's directory; without it (a plugin built
        # in a test) the check waits for `client_for`.
        config_dir = (info.context or {}).get("config_dir")
        if path is not None and isinstance(config_dir, Path):
            full = config_dir / path.expanduser()
            if not full.exists():
                raise ValueError(f"file not found: {full}")
            if not full.is_file():  # a FIFO would hang its reader, /dev/zero fill memory
                raise ValueError(f"not a regular file: {full}")
        return path

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Self:
        # Two ways would silently drop one (httpx lets basic auth overwrite the
        # header). An Authorization header beside URL credentials was accepted before
        # these options existed and stays accepted.
        options = [
            name
            for name in ("bearer_token", "bearer_token_file", "basic_auth")
            if getattr(self, name) is not None
        ]
        if options:
            if _has_authorization(self.headers):
                options.append("an Authorization header")
            if _has_userinfo(self.url):
                options.append("user:password@ in url")
        if len(options) > 1:
            raise ValueError(f"give one way to authenticate, not {' and '.join(options)}")
        if self.ca_file is not None and not self.verify_tls:
            raise ValueError("ca_file has no effect with verify_tls = false: remove one")
        return self

    @property
    def source_note(self) -> str:
        """ "TLS unverified" while `verify_tls = false`: the engine keeps it on the
        source for as long as it runs."""
        return TLS_UNVERIFIED_NOTE if not self.verify_tls else ""


def _has_authorization(headers: dict[str, str]) -> bool:
    return any(name.lower() == "authorization" for name in headers)


def _has_userinfo(url: str | list[str]) -> bool:
    if isinstance(url, list):  # the peers of an HA cluster
        return any(_has_userinfo(peer) for peer in url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def base_url(url: str) -> str:
    """A server's base URL (Prometheus, Alertmanager): checked as every HTTP URL, without
    a query or fragment (the plugin appends API paths to it), without a trailing slash."""
    url = check_http_url(url)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise ValueError("must not contain ?query or #fragment: give the base URL")
    return url.rstrip("/")


BaseURL = Annotated[str, AfterValidator(base_url)]
"""The type of a config's `url` that is a server's base URL (see `base_url`)."""


def client_for(
    options: HTTPOptions,
    context: SourceContext,
    *,
    writes: bool = False,
    timeout: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """The client for one source, built once by the plugin and reused (one pool of
    keep-alive connections instead of a handshake per request).

    Reads `bearer_token_file` and `ca_file` (relative to the config directory) now,
    raising `SourceError` with the path and reason if it cannot, and registers every
    secret the client will send with the redactor. Read-only unless `writes` is asked
    for and the app is not read-only. `timeout` defaults to the source's deadline.
    `headers` are the plugin's own (an Accept header), under the configured ones.
    """
    headers = {**(headers or {}), **options.headers}
    token = options.bearer_token
    if options.bearer_token_file is not None:
        token = _read_token(context.config_dir / options.bearer_token_file.expanduser())
    if token is not None:
        redactor.add(token)
        headers["Authorization"] = f"Bearer {token}"
    auth: httpx.Auth | None = None
    if options.basic_auth is not None:
        redactor.add_basic_auth(options.basic_auth.username, options.basic_auth.password)
        auth = httpx.BasicAuth(options.basic_auth.username, options.basic_auth.password)
    peers: object = options.url  # a list of peers (an HA Alertmanager) or one URL
    for url in peers if isinstance(peers, list) else [peers]:
        redactor.add_url(str(url))
    verify: bool | ssl.SSLContext = options.verify_tls
    if options.verify_tls and options.ca_file is not None:
        verify = _ca_context(context.config_dir / options.ca_file.expanduser())
    return build_client(
        timeout=timeout or context.timeout,
        headers=headers,
        verify=verify,
        auth=auth,
        read_only=context.read_only or not writes,
    )


def _read_token(path: Path) -> str:
    try:
        data = read_named_file(path, MAX_TOKEN_FILE)
    except UnreadableFile as exc:
        if exc.reason.startswith("is larger"):
            raise SourceError(f"bearer_token_file: {path} is too large to be a token") from None
        raise SourceError(f"bearer_token_file: cannot read {path} ({exc.reason})") from None
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SourceError(f"bearer_token_file: {path} is not text") from None
    if not token or any(ch in token for ch in "\r\n\0"):
        raise SourceError(f"bearer_token_file: {path} must hold one token on one line")
    return token


def _ca_context(path: Path) -> ssl.SSLContext:
    try:
        return shared_tls_context(path)
    except ssl.SSLError:  # an OSError too: first
        raise SourceError(f"ca_file: {path} holds no PEM CA certificate") from None
    except OSError as exc:
        raise SourceError(f"ca_file: cannot read {path} ({_os_reason(exc)})") from None


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return reason[0].lower() + reason[1:]
