"""What a change on the board repaints: no more than what it changed.

Two Textual 8 habits cost a board left open all day: every layout pass (a toast, the
cause line appearing) re-ran each Line API widget's scroll update, repainting every
panel's whole scrollbar (~2.4 KB at 120x40; `SteadyScrollView` skips it while the
scroll geometry is unchanged), and every focus change repainted the whole screen
(~9 KB; the focus follows the worst signal by itself during an incident)."""

from __future__ import annotations

from dataclasses import replace

from textual.widget import Widget

from oncall_tui.ui.app import OncallApp
from ui_support import T0, make_app, make_store, reading, refreshes
from waiting import pilot_until

READINGS = [reading(f"h{i}", "health", f"svc-{i:02}", 0.001) for i in range(60)]
READINGS += [reading(f"d{i}", "dependency", f"dep-{i:02}", 0.001) for i in range(40)]


def long_board() -> OncallApp:
    """Two panels with more rows than fit, so both show a scrollbar."""
    return make_app(make_store("ok", readings=READINGS))


def _bar_settled(panel: Widget) -> bool:
    bar = panel.vertical_scrollbar
    return (
        bar.window_size == panel.scrollable_content_region.height > 0
        and bar.window_virtual_size == panel.virtual_size.height
    )


async def test_a_toast_coming_and_going_leaves_the_scrollbars_alone() -> None:
    app = long_board()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        panels = [app.dashboard.panels[kind] for kind in ("health", "dependency")]
        assert all(panel.show_vertical_scrollbar for panel in panels)
        # The board laid out at its size first: on a loaded machine the first layout
        # may still be under way after one pause, and it rightly moves the scrollbars.
        await pilot_until(pilot, lambda: all(_bar_settled(panel) for panel in panels))
        await pilot.pause()
        bars = {str(panel.id): panel.vertical_scrollbar for panel in panels}
        with refreshes(bars) as repainted:
            app.notify("payment-api turned critical", severity="error")
            await pilot_until(pilot, lambda: bool(app.screen.query("Toast")))
            await pilot.pause()
            app.clear_notifications()
            await pilot_until(pilot, lambda: not app.screen.query("Toast"))
            await pilot.pause()
        assert repainted == []


async def test_the_scrollbar_still_follows_the_rows_the_size_and_the_scroll() -> None:
    app = long_board()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        health = app.dashboard.panels["health"]
        bar = health.vertical_scrollbar
        assert bar.window_virtual_size == health.virtual_size.height
        tall = bar.window_size

        await pilot.resize_terminal(120, 30)
        await pilot_until(pilot, lambda: bar.window_size < tall)
        assert bar.window_size == health.scrollable_content_region.height

        health.focus()
        await pilot.press("G")
        await pilot_until(pilot, lambda: bar.position == health.scroll_y > 0)

        before = health.virtual_size.height
        more = [reading(f"n{i}", "health", f"new-{i:02}", 0.001) for i in range(20)]
        app.engine.store.apply("demo", READINGS + more, at=T0)
        await pilot_until(
            pilot,
            lambda: bar.window_virtual_size == health.virtual_size.height > before,
        )


async def test_the_focus_moving_to_another_panel_repaints_only_the_panels() -> None:
    app = long_board()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.dashboard
        before = board.focused
        assert before is not None
        with refreshes({"screen": board, **board.panels}) as repainted:
            await pilot.press("tab")
            await pilot_until(pilot, lambda: board.focused is not before)
            await pilot.pause()
        after = board.focused
        assert after is not None
        whole_screen = any(r.widget == "screen" and r.whole for r in repainted)
        assert not whole_screen, "the whole screen was repainted"
        names = {r.widget for r in repainted}
        assert {group for group, panel in board.panels.items() if panel in (before, after)} <= names


async def test_the_why_line_repaints_only_up_to_the_selected_value_that_moved() -> None:
    """The selected signal's value moves every collection; the rest of its line (the
    summary, limits) is not sent again."""
    first = reading("pay", "health", "pay-api error ratio", 0.031, summary="5xx from the gateway")
    store = make_store("ok", readings=[first])
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        selection = app.dashboard.selection
        await pilot_until(pilot, lambda: "3.1%" in selection.text)
        line = selection.text
        with refreshes({"why": selection}) as repainted:
            store.apply("demo", [replace(first, value=0.032)], at=T0)
            await pilot_until(pilot, lambda: "3.2%" in selection.text)
            await pilot.pause()
        assert [(r.widget, r.whole) for r in repainted] == [("why", False)]
        assert selection.text.replace("3.2%", "3.1%") == line, "only the value changed"
