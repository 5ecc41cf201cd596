"""What the board does by the clock, with or without new data.

Once a second: the probable cause named again when the store moved (its limit is once
a second), the selection moving on from a recovered row, ages counted in seconds. At
each sparkline step (clock-aligned, so every row's trend moves at once and in between
nothing needs to be checked): the visible rows' trends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oncall_tui.core.present.sparkline import SPARK_STEP
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.screens.board_sync import covered
from oncall_tui.ui.widgets.status_header import board_flags

if TYPE_CHECKING:
    from oncall_tui.ui.screens.dashboard import DashboardScreen


class BoardClock:
    """The board's timers: `start` them once it is mounted (they end with it)."""

    def __init__(self, board: DashboardScreen) -> None:
        self.board = board

    def start(self) -> None:
        self.board.set_interval(1.0, self.tick, name="dashboard-tick")
        self._arm_slow_tick()

    @keep_alive("clock tick", count="board.updates.errors")
    def tick(self) -> None:
        board = self.board
        if board_flags(board).paused:
            return
        if board.rediagnose() and not covered(board):  # (a detail on top reads the cause)
            # The diagnosis waited out its once-a-second limit: the panels re-sort in
            # the board's next update, a panel per turn of the event loop.
            board.arm_sync(board.updates.note(set()))
        if covered(board):
            return
        board.follow_worst()  # a recovered selection moves on after a while
        board.show_selection()
        now = board.clock()
        for panel in board.panel_list:
            if panel.ages_in_seconds(now):  # "for 40s" counts on without new data
                panel.recheck_visible()

    def _arm_slow_tick(self) -> None:
        """Wake at the next sparkline step boundary."""
        now = self.board.clock()
        delay = SPARK_STEP - (now % SPARK_STEP) + 0.05
        self.board.set_timer(max(1.0, delay), self._slow_tick, name="dashboard-slow-tick")

    def _slow_tick(self) -> None:
        self.move_trends()
        self._arm_slow_tick()

    @keep_alive("moving the trends along")
    def move_trends(self) -> None:
        if not board_flags(self.board).paused:
            for panel in self.board.panel_list:
                panel.recheck_visible()
