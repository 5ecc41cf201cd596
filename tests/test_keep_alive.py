"""One guard keeps the board alive when a callback Textual calls fails."""

from __future__ import annotations

import logging

import pytest
from textual.app import App
from textual.widgets import Static

from oncall_tui.ui.keep_alive import keep_alive
from waiting import pilot_until


class Counts:
    def __init__(self) -> None:
        self.errors = 0


class Ticker(Static):
    def __init__(self) -> None:
        super().__init__("tick")
        self.key = "pay-api"
        self.updates = Counts()
        self.ticks = 0

    @keep_alive("ticking {self.key}", count="updates.errors")
    def tick(self) -> None:
        self.ticks += 1
        raise ValueError("a bug in one line")


def test_a_failure_is_logged_counted_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    ticker = Ticker()
    with caplog.at_level(logging.ERROR):
        assert ticker.tick() is None
    assert ticker.updates.errors == 1
    assert "ticking pay-api failed" in caplog.text and "a bug in one line" in caplog.text


async def test_a_failing_timer_callback_no_longer_ends_the_app() -> None:
    """Unguarded, the first tick's exception would end the app (Textual exits on an
    exception in a timer callback)."""
    ticker = Ticker()

    class Board(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield ticker

        def on_mount(self) -> None:
            self.set_interval(0.05, ticker.tick)

    app = Board()
    async with app.run_test() as pilot:
        await pilot_until(pilot, lambda: ticker.ticks >= 3, what="three ticks")
        assert app.is_running and ticker.updates.errors >= 3
