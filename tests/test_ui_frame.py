"""What one frame of the live board costs, counted: rows built per change, widgets and
lines rendered per frame, and that the screen still shows what the store holds.

A board is open all day drawing a frame a second; what a frame does must follow what
changed on screen, not the size of the screen or of the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from oncall_tui.core.present.formatting import format_value
from oncall_tui.ui.textual_compat import screen_lines
from oncall_tui.ui.widgets.panel_draw import PanelDraw
from test_ui_support import T0, make_app, make_store, reading
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
        changed = [replace(r, value=new) if r.key == "h002" else r for r in BOARD]
        store.apply("demo", changed, at=T0 + 1)
        await pilot_until(pilot, lambda: any(shown in line for line in screen_lines(app.screen)))
        await pilot.pause()
        assert built == {(health.title, index): 1}  # and no other row
        row = next(line for line in screen_lines(app.screen) if "svc-002 errors" in line)
        assert shown in row
