"""Keys while the board is busy: what a key waits for besides its own work.

- `/` shows the filter line: the panels' heights are shared out for it before the
  board is laid out, not after (a second layout of every panel, 45-70 ms at 10k, that
  the first letter typed waited for);
- while the engine runs, a thread that parses a big answer holds the GIL in short
  turns, so the loop does not wait a whole default turn (5 ms) at each poll.

No timing is asserted: what is held is what runs.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from oncall_tui.ui.app import GIL_TURN, OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from test_ui_support import T0, make_app, make_engine, make_store, reading
from waiting import pilot_until


def heights(board: DashboardScreen) -> list[int]:
    return [panel.region.height for panel in board.query(SignalPanel) if panel.display]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_slash_sizes_the_panels_for_the_filter_line_before_the_layout(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """After the layout that makes room for the filter line, no panel height is left
    to change: the old code changed them then, which laid the whole board out again."""
    many = [reading(f"s{i}", "health", f"svc-{i:03} errors", 0.001 * i) for i in range(120)]
    app = make_app(make_store("ok", readings=many))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, DashboardScreen)
        moved_after_layout: list[list[int]] = []
        original = DashboardScreen.on_panel_columns_resized

        def resized(self: DashboardScreen, message: Any) -> None:
            before = [p.styles.height for p in self.query(SignalPanel) if p.display]
            original(self, message)
            after = [p.styles.height for p in self.query(SignalPanel) if p.display]
            if after != before:
                moved_after_layout.append(heights(self))

        monkeypatch.setattr(DashboardScreen, "on_panel_columns_resized", resized)
        shown = heights(board)
        await pilot.press("slash")
        await pilot_until(pilot, lambda: board.filter_bar.display, what="the filter line")
        await pilot_until(pilot, lambda: heights(board) != shown, what="the panels resized")
        await pilot.press("p", "a", "y")
        await pilot_until(pilot, lambda: board.filter_bar.field.value == "pay", what="echo")
        await pilot.pause()
        assert moved_after_layout == []
        assert sum(heights(board)) < sum(shown), "the panels made room for the line"


async def test_while_the_engine_runs_threads_hold_the_gil_in_short_turns() -> None:
    """1 ms turns while the board runs its engine; the process's own value after."""
    before = sys.getswitchinterval()
    app = OncallApp(make_engine(make_store("ok")), clock=lambda: T0, start_engine=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert sys.getswitchinterval() == pytest.approx(GIL_TURN)
        assert before > GIL_TURN
    assert sys.getswitchinterval() == pytest.approx(before)
