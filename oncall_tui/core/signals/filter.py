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
_REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")
"""Characters that make a query more than its own text as a regular expression."""


@dataclass(frozen=True, slots=True)
class SignalFilter:
    """A parsed filter query; the empty query accepts everything."""

    text: str = ""
    negate: bool = False
    pattern: re.Pattern[str] | None = None
    needle: str = ""
    literal: bool = False
    """The query is plain text: its regex finds what the casefolded text finds."""

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
        literal = _REGEX_SYNTAX.isdisjoint(body)
        return cls(
            text=query, negate=negate, pattern=pattern, needle=body.casefold(), literal=literal
        )

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
        """The name first (where most queries match), the labels only if it does
        not: a letter typed on a board of 10,000 signals runs this for each of them.
        A plain-text query skips its regex (it would find the same)."""
        needle = self.needle
        pattern = None if self.literal else self.pattern
        name = signal.name
        if needle in name.casefold() or (pattern is not None and pattern.search(name)):
            return True
        for key, value in signal.labels.items():
            text = f"{key}={value}"
            if needle in text.casefold() or (pattern is not None and pattern.search(text)):
                return True
        return False


Predicate = Callable[[Signal], bool]
