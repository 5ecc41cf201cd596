"""Command palette (`:` or ctrl+p): jump to any signal by name.

The app's own commands (pause, refresh, events, keys, worst, filter, screenshot) are
system commands in `app.py`. Signal names come from sources: the prompt is a Rich
`Text` with the match highlighted by hand, because Textual's `Matcher.highlight` parses
the candidate as markup (`disk [/mnt] full` would break it).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from oncall_tui.core.present.words import badge
from oncall_tui.core.signals.model import Signal, sort_key

MAX_HITS = 200
DISCOVER = 10
"""Signals offered before anything is typed: the worst ones."""


def _prompt(signal: Signal, offsets: tuple[int, ...] = ()) -> Text:
    text = Text(f"{badge(signal.status)}  ")
    start = len(text)
    text.append(signal.name)
    for offset in offsets:
        text.stylize(Style(bold=True, underline=True), start + offset, start + offset + 1)
    return text


class SignalCommands(Provider):
    """'go to <signal>' for every signal on the board."""

    def _signals(self) -> list[Signal]:
        app: Any = self.app
        store = getattr(getattr(app, "engine", None), "store", None)
        if store is None:
            return []
        return sorted((s for s in store.signals.values() if s.kind != "change"), key=sort_key)

    def _jump(self, key: str) -> None:
        jump = getattr(self.app, "jump_to", None)
        if jump is not None:
            jump(key)

    async def discover(self) -> Hits:
        for signal in self._signals()[:DISCOVER]:
            yield DiscoveryHit(
                _prompt(signal), partial(self._jump, signal.key), text=signal.name, help=None
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = 0
        for signal in self._signals():
            score, offsets = matcher.fuzzy_search.match(matcher.query, signal.name)
            if score <= 0:
                continue
            yield Hit(
                score,
                _prompt(signal, tuple(offsets)),
                partial(self._jump, signal.key),
                text=signal.name,
            )
            found += 1
            if found >= MAX_HITS:
                return
