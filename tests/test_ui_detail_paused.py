"""The detail opened while the board is paused (`p`) shows the signal asked for.

The app keeps one detail screen and swaps the signal in (ui/detail_keeper.py); while
paused its refresh did nothing, so the swapped-in signal kept the last one's title,
facts and chart under another signal's runbook, and a detail first built while paused
showed no facts at all. Paused freezes what is on the screen: a signal opened is drawn
once, as of its opening, then stays as it is.
"""

from __future__ import annotations

import pytest

from detail_support import two_signals
from oncall_tui.core.present.formatting import format_value
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import screen_lines
from ui_support import T0, make_app, make_engine
from waiting import pilot_until


def detail_text(app: OncallApp) -> str:
    return "\n".join(screen_lines(app.screen))


@pytest.mark.parametrize("engine", [False, True], ids=["built-at-enter", "kept-on-selection"])
async def test_enter_while_paused_shows_the_selected_signal(engine: bool) -> None:
    """Paused, then Enter, Esc, j, Enter: each detail says the selected signal's name
    and value, never the other's (with the engine running the hidden detail follows the
    selection between the keys; without, Enter swaps it in)."""
    store = two_signals()
    if engine:
        app = OncallApp(make_engine(store), clock=lambda: T0, start_engine=True)
    else:
        app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await pilot.press("p")
        await pilot_until(pilot, lambda: app.paused, what="paused")
        for step in range(2):
            if step:
                await pilot.press("escape")
                await pilot_until(pilot, lambda: app.screen is board, what="the board")
                await pilot.press("j")
                if engine:  # the keys quiet, the kept detail follows the selection
                    await pilot_until(
                        pilot,
                        lambda: (
                            app.details.screen is not None
                            and app.details.screen.key == board.selected_key
                        ),
                        what="the hidden detail on the selection",
                    )
            key = board.selected_key
            assert key is not None
            await pilot.press("enter")
            await pilot_until(
                pilot, lambda: isinstance(app.screen, SignalDetailScreen), what="the detail"
            )
            await pilot.pause()
            signal = store.signals[key]
            others = [s.name for k, s in store.signals.items() if k != key]
            text = detail_text(app)
            assert signal.name in text, (step, text)
            assert [name for name in others if name in text] == [], (step, text)
            value = f"value  {format_value(signal.value, signal.unit)}"
            assert value in text, (step, text)
