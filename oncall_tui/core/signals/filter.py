"""The `/` filter: which signals the panels show (no Textual).

One query matches a signal when it is found, case-insensitively, in its name or in one
of its labels (as `name=value` or the value alone), either as a plain substring or as a
regular expression: `pay-api` and `pay.*errors` both work, and `disk [/mnt]` still
finds itself although it is not the regex it looks like. A leading `!` negates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from oncall_tui.core.signals.model import Signal

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class SignalFilter:
    """A parsed filter query; the empty query accepts everything."""

    text: str = ""
    negate: bool = False
    pattern: re.Pattern[str] | None = None
    needle: str = ""

    @classmethod
    def parse(cls, query: str) -> SignalFilter:
        query = query.strip()[:MAX_QUERY]
        negate = query.startswith("!")
        body = query[1:].strip() if negate else query
        if not body:
            return cls(text=query)
        try:
            pattern: re.Pattern[str] | None = re.compile(body, re.IGNORECASE)
        except re.error:
            pattern = None
        return cls(text=query, negate=negate, pattern=pattern, needle=body.casefold())

    @property
    def active(self) -> bool:
        return bool(self.needle)

    @property
    def is_regex(self) -> bool:
        return self.pattern is not None

    def __call__(self, signal: Signal) -> bool:
        if not self.needle:
            return True
        return self._matches(signal) != self.negate

    def _matches(self, signal: Signal) -> bool:
        for text in _haystack(signal):
            if self.needle in text.casefold():
                return True
            if self.pattern is not None and self.pattern.search(text):
                return True
        return False


def _haystack(signal: Signal) -> list[str]:
    texts = [signal.name]
    for name, value in signal.labels.items():
        texts.append(f"{name}={value}")
    return texts


Predicate = Callable[[Signal], bool]
