"""Pilot tests of opening screens over screens: a signal opened from anywhere, any
number of times, never crashes the app and never piles screens up."""

from __future__ import annotations

import pytest

from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.screens.events import EventsScreen
from oncall_tui.ui.screens.help import HelpScreen
from ui_support import make_app, make_store
from waiting import pilot_until as wait_for


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_detail_events_detail_again_and_again(size: tuple[int, int]) -> None:
    """Enter (detail), e (events), Enter on an event (a detail again): the path that
    ended the app with DuplicateIds; walked many times, from every screen that opens
    another, with the stack bounded and Esc leading back to the board."""
    app = make_app(make_store("critical", history=8))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(6):
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, EventsScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
            await pilot.press("e", "j", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
            kinds = [type(screen) for screen in app.screen_stack]
            assert len(kinds) == len(set(kinds)) <= 4, kinds
        # The palette's way in: the same screen opened over itself.
        for key in list(app.engine.store.signals)[:5]:
            app.open_detail(key)
            app.action_events()
            await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        for _ in range(3):
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.return_code is None


async def test_the_same_signal_opened_again_keeps_its_screen() -> None:
    """Opening the signal already shown goes back to it rather than building anew."""
    app = make_app(make_store("critical"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        first = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EventsScreen))
        app.open_detail(first.key)  # type: ignore[attr-defined]
        await pilot.pause()
        assert app.screen is first
        assert [type(s) for s in app.screen_stack] == [DashboardScreen, SignalDetailScreen]
