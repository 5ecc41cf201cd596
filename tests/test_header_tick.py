"""The header's own tick draws a frame only in seconds the board did not show."""

from __future__ import annotations

import pytest

from oncall_tui.ui.widgets.status_header import TICK_PHASE, tick_shows


def tick_frames(board_phase: float | None, seconds: int = 20) -> int:
    """Frames the tick draws over `seconds`, with the board updating (and showing the
    header) at `board_phase` of each second, or never (None)."""
    # Shown first at mount (by the board's first update, if it updates).
    shown_at, ticked, frames = board_phase or 0.0, False, 0
    for second in range(1, seconds + 1):
        events = [(second + TICK_PHASE, "tick")]
        if board_phase is not None:
            events.append((second + board_phase, "board"))
        for at, what in sorted(events):
            if what == "board":
                shown_at, ticked = at, False
            elif tick_shows(at, shown_at, ticked):
                shown_at, ticked, frames = at, True, frames + 1
    return frames


@pytest.mark.parametrize("phase", [0.0, 0.3, 0.89, 0.91, 0.95, 0.99])
def test_a_board_updating_every_second_leaves_the_tick_nothing_to_draw(phase: float) -> None:
    """Whatever the phase of the board's collections (a board updating at 0.95 of each
    second had the tick draw at 0.9 too: twice the frames)."""
    assert tick_frames(phase) == 0


def test_without_updates_the_tick_shows_each_second() -> None:
    assert tick_frames(None, seconds=20) == 20


def test_when_updates_stop_the_tick_takes_over_within_two_seconds() -> None:
    assert not tick_shows(10.9, 9.95, ticked=False)  # the board showed 0.95 s ago
    assert tick_shows(11.9, 9.95, ticked=False)
    assert tick_shows(12.9, 11.9, ticked=True)
    assert not tick_shows(12.95, 12.9, ticked=True)  # this second is shown
