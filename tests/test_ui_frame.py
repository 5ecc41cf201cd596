"""What one frame of the live board costs, counted: rows built per change, widgets and
lines rendered per frame, and that the screen still shows what the store holds.

A board is open all day drawing a frame a second; what a frame does must follow what
changed on screen, not the size of the screen or of the store."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from oncall_tui.core.present.formatting import format_value
from oncall_tui.ui.screens.board_sync import PanelUpdates
from oncall_tui.ui.textual_compat import screen_lines
from oncall_tui.ui.widgets.panel_draw import PanelDraw
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0, make_app, make_store, reading
from waiting import pilot_until

HEALTH = [reading(f"h{i:03}", "health", f"svc-{i:03} errors", 0.001) for i in range(80)]
RULES = [reading(f"r{i:03}", "risk_rule", f"rule-{i:03}", 0.001) for i in range(20)]
BOARD = HEALTH + RULES


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """(panel title, row index) of every row strip built from now on."""
    built: Counter[tuple[str, int]] = Counter()
    original = PanelDraw._row_strip

    def counting(self: PanelDraw, index: int, width: int) -> Any:
        built[(self.title, index)] += 1
        return original(self, index, width)

    monkeypatch.setattr(PanelDraw, "_row_strip", counting)
    return built


async def test_a_changed_row_is_built_once_for_the_comparison_and_the_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sync builds a changed row to see whether it looks different; the frame that
    follows draws that very strip instead of building the row again."""
    app = make_app(make_store("ok", readings=BOARD))
    store = app.engine.store
    async with app.run_test(size=(120, 40)) as pilot:
        health = app.dashboard.panels["health"]
        await pilot_until(pilot, lambda: len(health.row_keys) == 80)
        await pilot.pause()
        index = health.model.position["demo/h002"]
        assert index < health.scrollable_content_region.height - 1  # on screen
        new = 0.002  # as wide as the 0.001 it was: the columns stay
        shown = format_value(new, "ratio")
        built = _count_builds(monkeypatch)
        for _ in range(100):  # the first lay-out passes settled: nothing is drawn anew
            built.clear()
            await pilot.pause(0.1)
            if not built:
                break
        changed = [replace(r, value=new) if r.key == "h002" else r for r in BOARD]
        store.apply("demo", changed, at=T0 + 1)
        await pilot_until(pilot, lambda: any(shown in line for line in screen_lines(app.screen)))
        await pilot.pause()
        assert built == {(health.title, index): 1}  # and no other row
        row = next(line for line in screen_lines(app.screen) if "svc-002 errors" in line)
        assert shown in row


async def test_the_board_hands_the_event_loop_back_between_two_panels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 10,000 signals one update of the six panels held the event loop ~50 ms (the
    two big ones ~24 ms each): a key pressed then waited for all six. Now whatever is
    ready to run (a key, a frame, the engine) runs between two panels once a turn has
    taken its budget; within it (a small board) the six are one turn and one frame."""
    app = make_app(make_store("ok", readings=BOARD))
    store = app.engine.store
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard
        health = board.panels["health"]
        await pilot_until(pilot, lambda: len(health.row_keys) == 80)
        await pilot.pause()
        turns: list[str] = []
        original = SignalPanel.sync

        def spy(self: SignalPanel, changed: Any = None) -> None:
            if not turns:  # runs at the event loop's next turn
                asyncio.get_running_loop().call_soon(turns.append, "other work")
            turns.append(self.title)
            original(self, changed)

        monkeypatch.setattr(SignalPanel, "sync", spy)
        # Six small panels take well under a turn's budget: as if each took longer.
        monkeypatch.setattr("oncall_tui.ui.screens.board_sync.TURN_BUDGET", 0.0)
        changed = [replace(r, value=0.002) if r.key == "h002" else r for r in BOARD]
        store.apply("demo", changed, at=T0 + 1)
        await pilot_until(pilot, lambda: len([t for t in turns if t != "other work"]) >= 6)
        assert turns.index("other work") == 1, turns  # after the first panel, not the sixth
        await pilot_until(pilot, lambda: "0.2%" in health.render_line(3).text)

        # Paused (or covered) between two panels: the rest waits, nothing is lost.
        turns.clear()
        board.updates.pending = {"demo/h002"}
        grew = await board.updates.apply_in_turns(board.panels, lambda: True)
        assert grew is None
        assert len([t for t in turns if t != "other work"]) == 1  # the first panel only
        assert "demo/h002" in board.updates.pending


def test_an_update_asked_for_at_once_is_never_armed_with_a_zero_delay() -> None:
    """Textual's timer divides by its interval when it runs late: a 0 s timer died in
    its task, the update it stood for never ran, and the 10k board stopped updating
    (its 1 s tick asks for an update at once when the ranking changes)."""
    now = [T0]
    updates = PanelUpdates(lambda: now[0])
    updates.last = T0 - 5  # the last update long ago: no rate limit left to wait out
    delay = updates.note(set(), settle=0.0)
    assert delay is not None and delay > 0
    assert updates.note({"k"}) is None and updates.pending == {"k"}  # one timer at a time
    assert updates.rearm() is not None  # what came meanwhile gets its own update
