"""Keys while the board is busy: what a key waits for besides its own work.

- `/` shows the filter line: the panels' heights are shared out for it before the
  board is laid out, not after (a second layout of every panel, 45-70 ms at 10k, that
  the first letter typed waited for);
- a key pressed while a collection is taken in waits for a slice or two, not for
  one slice per loop turn it needs;
- while the engine runs, a thread that parses a big answer holds the GIL in short
  turns, so the loop does not wait a whole default turn (5 ms) at each poll.

No timing is asserted: what is held is what runs.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from textual import events

from oncall_tui.core.signals.collection import CollectionUpdate
from oncall_tui.core.signals.model import SourceState
from oncall_tui.core.signals.store import APPLY_SLICE
from oncall_tui.ui.app import GIL_TURN, OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0, make_app, make_engine, make_store, reading
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


async def test_a_key_pressed_while_a_collection_is_taken_in_answers_between_two_slices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A collection is taken in slices so keys run between them; a key needs several
    loop turns (app, screen, panel), and handed back one turn at a time the next
    slices ran first: the old code moved the selection only after 7 slices (1-2 now,
    six of these tests at once on two cores)."""
    bulk = SourceState("bulk", "prometheus", frozenset({"health"}), interval=5)
    store = make_store("ok", extra_sources=[bulk])
    app = make_app(store)
    slices: list[str | None] = []
    ingest = CollectionUpdate.ingest

    def counted(self: CollectionUpdate, count: int) -> bool:
        slices.append(app.dashboard.selected_key)
        return ingest(self, count)

    monkeypatch.setattr(CollectionUpdate, "ingest", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        # The key must find a focused panel with a row selected, or it moves nothing.
        await pilot_until(
            pilot,
            lambda: app.dashboard.focused is not None and app.dashboard.selected_key is not None,
            what="a selected row",
        )
        before = app.dashboard.selected_key
        readings = [reading(f"b{i}", "health", f"bulk-{i}", 0.001) for i in range(20 * APPLY_SLICE)]
        taking = asyncio.ensure_future(store.apply_in_slices("bulk", readings))
        await asyncio.sleep(0)
        assert len(slices) == 1, "the first slice is taken"
        app.post_message(events.Key("j", "j"))  # as the terminal driver hands a key over
        await taking
        assert len(slices) == 20
        moved = next((i for i, key in enumerate(slices) if key != before), None)
        assert moved is not None and moved <= 3, (
            f"selection {before!r} at each slice: {slices}; now {app.dashboard.selected_key!r}"
        )
