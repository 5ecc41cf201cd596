"""The `/` filter line: typed text becomes a `SignalFilter` as it is typed; Enter keeps
it (and it stays shown while active, with how many signals it lets through); Esc clears
and closes it."""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label

from oncall_tui.core.signals.filter import SignalFilter

PLACEHOLDER = "text or regex over names and labels; !x hides x; Esc clears"
SETTLE = 0.15
"""Seconds after the last letter typed before the board is filtered by the text."""


class FilterBar(Horizontal):
    """One line above the why-line; hidden while no filter is being typed or active."""

    class Changed(Message):
        """The query changed (typed, or cleared)."""

        def __init__(self, query: SignalFilter) -> None:
            super().__init__()
            self.query = query

    class Done(Message):
        """Enter or Esc: the panels take the keys again."""

    def __init__(self, *, shown: Callable[[], object] = lambda: None, id: str | None = None):
        """`shown`: called as the bar is shown, before the layout that makes room for
        it, so the board shares out its panels' heights for that one layout (after
        it, they took a second layout of the board: 45-70 ms at 10k, which the first
        letter typed waited for)."""
        super().__init__(id=id)
        self._shown = shown

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        yield Input(placeholder=PLACEHOLDER, id="filter-input")
        yield Label("", id="filter-count", markup=False)

    @property
    def field(self) -> Input:
        return self.query_one("#filter-input", Input)

    def open(self) -> None:
        """At once, not a turn later as `focus()` does: the letters typed in the same
        burst as `/` are handed to whatever has the focus as they come, and typed fast
        `/pay` paused the board and `/loan` asked to acknowledge."""
        self.display = True
        self._shown()
        self.screen.set_focus(self.field)

    def clear(self) -> None:
        """Empty and hide the bar; the board shows everything again."""
        self.field.value = ""
        if self._settle is not None:
            self._settle.stop()
            self._settle = None
        self._typed = None
        self.display = False
        self.post_message(self.Changed(SignalFilter()))

    def show_count(self, query: SignalFilter, shown: int, total: int) -> None:
        count = self.query_one("#filter-count", Label)
        if query.active:
            how = "regex or text" if query.is_regex else "text"
            count.update(f"{shown} of {total} signals ({how}) · Esc clears")
        else:
            count.update("")

    _typed: str | None = None
    """Text typed and not yet handed to the board."""
    _settle: Timer | None = None

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        """The letter is drawn at once; the panels are filtered once typing settles
        (SETTLE after the last letter): on a board of 10,000 signals a new filter
        costs ~100 ms of the loop on a loaded machine, and filtered after every letter
        it held the echo of the next one (p99 0.5-0.7 s). Letters typed in a burst
        filter the board once, by the latest."""
        event.stop()
        self._typed = event.value
        if self._settle is not None:
            self._settle.stop()
        self._settle = self.set_timer(SETTLE, self._hand_over, name="filter-settle")

    def _hand_over(self) -> None:
        if self._settle is not None:
            self._settle.stop()
            self._settle = None
        typed, self._typed = self._typed, None
        if typed is not None:
            self.post_message(self.Changed(SignalFilter.parse(typed)))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._hand_over()  # Enter keeps what is typed, settled or not
        if not SignalFilter.parse(event.value).active:
            self.display = False
        self.post_message(self.Done())

    def on_key(self, event: events.Key) -> None:
        # The Input has no use for Esc: here it clears and closes the filter.
        if event.key == "escape":
            event.stop()
            self.clear()
            self.post_message(self.Done())
