"""The one sanitiser every string from a source passes before it is stored.

Label values, alert annotations and HTTP bodies can carry anything: ESC sequences that
move the cursor, OSC 52 that writes the user's clipboard, OSC 8 links, C1 controls,
bidi overrides that reverse what is shown. Neither Rich nor Textual removes them, so
they are made visible (`\\x1b`, `\\u202e`) here, once, at ingestion. Visible rather than
dropped so an engineer can see that a label was tampered with.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_TEXT = 1024
"""Longest string kept from a source; a 1 MB label must not reach the screen."""
MAX_LINE = 300
"""Longest one-line text (a summary, an error): read in a panel at 3 a.m., not a log."""
MAX_LINK = 2048
"""Longest URL still treated as a link."""

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


class Redactor:
    """Removes secret values (from `${VAR}` expansion, headers) from text shown anywhere.

    Config loading registers every expanded value; error messages built from exceptions
    (which may quote a URL or header) pass through `redact` before they are stored.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        # Very short values would redact half of every message and protect nothing.
        if len(secret) >= 4:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
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
