"""The `/` filter line: typed text becomes a `SignalFilter` as it is typed; Enter keeps
it (and it stays shown while active, with how many signals it lets through); Esc clears
and closes it."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label

from oncall_tui.core.signals.filter import SignalFilter

PLACEHOLDER = "text or regex over names and labels; !x hides x; Esc clears"


class FilterBar(Horizontal):
    """One line above the why-line; hidden while no filter is being typed or active."""

    class Changed(Message):
        """The query changed (typed, or cleared)."""

        def __init__(self, query: SignalFilter) -> None:
            super().__init__()
            self.query = query

    class Done(Message):
        """Enter or Esc: the panels take the keys again."""

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        yield Input(placeholder=PLACEHOLDER, id="filter-input")
        yield Label("", id="filter-count", markup=False)

    @property
    def field(self) -> Input:
        return self.query_one("#filter-input", Input)

    def open(self) -> None:
        self.display = True
        self.field.focus()

    def clear(self) -> None:
        """Empty and hide the bar; the board shows everything again."""
        self.field.value = ""
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

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        """The letter is drawn first, the panels filtered after: on a board of 10,000
        signals a new filter costs tens of milliseconds, which the echo of the letter
        must not wait for; letters typed meanwhile are filtered once, by the latest."""
        event.stop()
        pending = self._typed is not None
        self._typed = event.value
        if not pending:
            self.call_after_refresh(self._hand_over)

    def _hand_over(self) -> None:
        typed, self._typed = self._typed, None
        if typed is not None:
            self.post_message(self.Changed(SignalFilter.parse(typed)))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not SignalFilter.parse(event.value).active:
            self.display = False
        self.post_message(self.Done())

    def on_key(self, event: events.Key) -> None:
        # The Input has no use for Esc: here it clears and closes the filter.
        if event.key == "escape":
            event.stop()
            self.clear()
            self.post_message(self.Done())
