"""Runbooks: where the engineer reads what to do, typed so nobody re-parses a string.

A runbook is one of three things, and the difference matters for safety:

- a **link** (http or https): written out in full, clickable, copyable;
- a **file**: a local Markdown file rendered in place. Only the config author (a path
  relative to the config file) or a plugin's own package can name one — never a source's
  data, or a label value could point the viewer at any file on the bastion;
- **text**: anything else worth showing but never opened (a path or `file:` URL taken
  from an alert annotation, a link that failed the safety checks).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from oncall_tui.core.sanitize import MAX_LINK, safe_link, sanitize


class RunbookKind(StrEnum):
    LINK = "link"
    FILE = "file"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Runbook:
    """A runbook of one `kind`; `target` is the URL, the absolute path, or the text."""

    kind: RunbookKind
    target: str

    @classmethod
    def link(cls, url: str) -> Runbook:
        """An http(s) link, or text when it fails `safe_link` (wrong scheme, control
        characters, credentials in the host part): shown, never followed."""
        url = url.strip()
        if safe_link(url) is None:
            return cls(RunbookKind.TEXT, url)
        return cls(RunbookKind.LINK, url)

    @classmethod
    def file(cls, path: Path | str) -> Runbook:
        """A local file the caller vouches for (the plugin ships it, or the config
        names it). The path is made absolute here, not against a later cwd."""
        return cls(RunbookKind.FILE, os.path.abspath(path))

    @classmethod
    def text(cls, text: str) -> Runbook:
        return cls(RunbookKind.TEXT, text)

    @classmethod
    def from_config(cls, text: str, config_dir: Path) -> Runbook | None:
        """A runbook the config author wrote: a link, or a path resolved against the
        config's folder (never `~`, never the cwd). A relative path that climbs out of
        that folder (a label value of `../../etc/passwd` filled into a template) stays
        text."""
        text = text.strip()
        if not text:
            return None
        if _SCHEME.match(text):
            return cls.link(text)
        if os.path.isabs(text):
            return cls.file(text)
        base = os.path.normpath(os.path.abspath(config_dir))
        resolved = os.path.normpath(os.path.join(base, text))
        if not resolved.startswith(os.path.join(base, "")):
            return cls.text(text)
        return cls(RunbookKind.FILE, resolved)

    @classmethod
    def from_source(cls, text: str) -> Runbook | None:
        """A runbook a source's data names (an alert's `runbook_url`): only ever a link;
        a path or a `file:` URL is shown as text and never opened."""
        text = text.strip()
        if not text:
            return None
        if text.lower().startswith(("http://", "https://")):
            return cls.link(text)
        return cls.text(text)

    @property
    def is_link(self) -> bool:
        return self.kind is RunbookKind.LINK

    @property
    def is_file(self) -> bool:
        return self.kind is RunbookKind.FILE

    @property
    def contract(self) -> str | None:
        """What `check --format json` says: the URL, the absolute path, or null (text
        is neither, and the contract promises one of those)."""
        return None if self.kind is RunbookKind.TEXT else self.target

    def sanitized(self) -> Runbook:
        """The runbook fit to store: escaped and capped like any source text. A link or a
        path that the sanitiser had to change is no longer what it claims to be, so it
        becomes text."""
        clean = sanitize(self.target, MAX_LINK)
        if clean == self.target:
            return self
        return Runbook(RunbookKind.TEXT, clean)

    def __str__(self) -> str:
        return self.target


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
"""Anything with a scheme goes through `link`, so `file:`/`javascript:` end up as text.
(A Windows drive letter would match too; oncall-tui runs on POSIX terminals.)"""

_DOT_SEGMENT = frozenset({".", ".."})


def has_dot_segment(url: str) -> bool:
    """Whether the URL's path has a `.` or `..` segment, spelled plainly or
    percent-encoded (browsers resolve `%2e%2e` like `..`, per the WHATWG URL spec)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return True
    return any(unquote(segment) in _DOT_SEGMENT for segment in path.split("/"))
