"""The one sanitiser every string from a source passes before it is stored.

Label values, alert annotations and HTTP bodies can carry anything: ESC sequences that
move the cursor, OSC 52 that writes the user's clipboard, OSC 8 links, C1 controls,
bidi overrides that reverse what is shown. Neither Rich nor Textual removes them, so
they are made visible (`\\x1b`, `\\u202e`) here, once, at ingestion. Visible rather than
dropped so an engineer can see that a label was tampered with.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

MAX_TEXT = 1024
"""Longest string kept from a source; a 1 MB label must not reach the screen."""
MAX_LINE = 300
"""Longest one-line text (a summary, an error): read in a panel at 3 a.m., not a log."""
MAX_LINK = 2048
"""Longest URL still treated as a link."""
MAX_PROBLEM = 2048
"""Longest error message about a file (a config or theme problem): it quotes the file."""

# C0 controls (tab and newline included: a one-line cell must stay one line), DEL, C1,
# and the invisible/bidi characters that change how surrounding text reads.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"
    "\u00ad"  # soft hyphen
    "\u061c"  # arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # hangul fillers, rendered blank
    "\u180e"  # mongolian vowel separator
    "\u200b-\u200f"  # zero-width space/joiners, LRM, RLM
    "\u2028\u2029"  # line/paragraph separators
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates
    "\ufe00-\ufe0f"  # variation selectors
    "\ufeff"  # BOM / zero-width no-break space
    "\ufff9-\ufffb"  # interlinear annotations
    "\U000e0000-\U000e007f"  # tag characters
    "\U000e0100-\U000e01ef"  # variation selectors supplement
    "\ud800-\udfff"  # lone surrogates: valid in JSON, unprintable, crash encoders
    "]"
)

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s'\"<>]*@")
"""`scheme://` up to the last `@` of the same word: a URL's credentials. Past `/`, `?`,
`#` and `@` too, since a password with one of those (not percent-encoded) is cut there
by URL parsers; an `@` in a path may lose a little text, which is the safe side."""


_SECRET_HEADER = re.compile(
    r"auth|token|key|secret|passw|cookie|session|signature|credential", re.IGNORECASE
)


def secret_header(name: str) -> bool:
    """Whether a header's value is a credential (Authorization, X-Api-Key, Cookie, ...).

    Only those are redacted everywhere: a tenant header such as `X-Scope-OrgID =
    "payments"` is no secret, and redacting it would turn "Credit payments on-call" into
    "Credit *** on-call". A `${VAR}` value is a secret whatever the header."""
    return bool(_SECRET_HEADER.search(name))


class Redactor:
    """Removes secrets from text shown anywhere: the one scrubber of the process.

    Two mechanisms in one pass. URL credentials (`scheme://user:password@`) are
    stripped wherever they appear, known or not: an exception text may quote a URL
    nobody registered. Known secret values (`${VAR}` expansions, header values, tokens,
    passwords, each registered by the config loader or by the HTTP client that sends
    them) become `***`. Every message built from an exception, and every string from a
    source (through `sanitize`), passes `redact` before it is stored or shown.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()
        self.generation = 0
        """Bumped whenever the secrets change: text cleaned under an older generation
        (the store keeps a signal's cleaned labels and words) must be cleaned again."""

    def add(self, secret: str) -> None:
        # Very short values would redact half of every message and protect nothing.
        if len(secret) >= 4 and secret not in self._secrets:
            self._secrets.add(secret)
            self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))
            self.generation += 1

    def add_credential(self, value: str) -> None:
        """A header value such as `Bearer <token>` or `Basic <base64>`: the whole
        value, and each long word of it, since a server may echo the token alone.
        Short words ("Bearer", "Basic") are left alone."""
        self.add(value)
        for part in value.split():
            if len(part) >= 8:
                self.add(part)

    def add_basic_auth(self, username: str, password: str) -> None:
        """The password and the `Authorization: Basic` value that carries it."""
        self.add(password)
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self.add_credential(f"Basic {token}")

    def add_url(self, url: str) -> None:
        """The credentials in `url`'s `user:password@`, as written (maybe
        percent-encoded) and as sent (decoded, and as a Basic header)."""
        try:
            parts = urlsplit(url)
            username, password = parts.username, parts.password
        except ValueError:
            return
        if password:
            self.add(password)
            self.add_basic_auth(unquote(username or ""), unquote(password))
        elif username and len(username) >= 16:
            # `https://TOKEN@host` passes a token as the user name; a short name
            # ("oncall") is a name, and redacting it would mangle every message.
            self.add(username)
            self.add(unquote(username))

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Secrets registered inside the block are forgotten after it: for tests, so one
        test's header value does not redact another test's output."""
        saved = set(self._secrets)
        try:
            yield
        finally:
            self._secrets = saved
            self._ordered = tuple(sorted(saved, key=len, reverse=True))
            self.generation += 1

    def redact(self, text: str, extra: Iterable[str] = ()) -> str:
        """`text` without URL credentials and without any registered secret (nor any of
        `extra`, credentials known only to the caller)."""
        if "@" in text and "://" in text:
            text = _USERINFO.sub(r"\1", text)
        secrets: Iterable[str] = self._ordered
        if extra:
            once = Redactor()
            for value in extra:
                once.add_credential(value)
            secrets = sorted({*self._ordered, *once._ordered}, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


redactor = Redactor()
"""Process-wide: secrets are a property of the process's config, not of one object."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def sanitize(text: object, limit: int = MAX_TEXT) -> str:
    """Source text made safe to show: unsafe characters escaped, length capped.

    The cap is applied before escaping too, so a 1 MB string costs one slice, not a
    regex pass over a megabyte.
    """
    if (
        type(text) is str
        and len(text) <= limit
        and text.isascii()
        and text.isprintable()
        and not redactor._ordered
        and "://" not in text
    ):
        # Nearly every label, name and summary: plain ASCII (no control character, so
        # nothing `_UNSAFE` matches), short, and no secret nor URL to redact. A board's
        # first collection cleans ~12 strings per signal; the full path is 4x dearer.
        return text
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Secrets first, before any cut could leave a prefix of one behind.
    text = redactor.redact(text)
    if len(text) > limit:
        text = text[: limit * 2]
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_escape, text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def safe_link(url: str) -> str | None:
    """`url` if it may be shown as a clickable link, else None (show it as plain text).

    Only http(s) with a host, no control or invisible characters, bounded length:
    `javascript:`, `file:` or an OSC-laden string never becomes a hyperlink.
    """
    if not url or len(url) > MAX_LINK or _UNSAFE.search(url):
        return None
    if any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc:
        # `https://runbooks.example.com@evil.example/` reads as one host, goes to another.
        return None
    return url
