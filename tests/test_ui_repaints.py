"""The panels' scrollbars: repainted when what they show changes, and only then.

Textual 8 re-ran every Line API widget's scroll update on every layout pass (a toast,
the cause line appearing), repainting each panel's whole scrollbar: ~2.4 KB to the
terminal each time at 120x40. `SteadyScrollView` skips the update while the scroll
geometry is unchanged; these tests hold both halves of that."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from test_ui_support import T0, make_app, make_store, reading
from waiting import pilot_until

READINGS = [reading(f"h{i}", "health", f"svc-{i:02}", 0.001) for i in range(60)]
READINGS += [reading(f"d{i}", "dependency", f"dep-{i:02}", 0.001) for i in range(40)]


def long_board() -> OncallApp:
    """Two panels with more rows than fit, so both show a scrollbar."""
    return make_app(make_store("ok", readings=READINGS))


@contextmanager
def scrollbar_repaints(panels: list[SignalPanel]) -> Iterator[list[str]]:
    """The ids of the panels whose vertical scrollbar was asked to repaint."""
    calls: list[str] = []
    originals = []
    for panel in panels:
        bar = panel.vertical_scrollbar
        original = bar.refresh
        originals.append((bar, original))

        def spy(*args: Any, _id: str = str(panel.id), _original: Any = original, **kw: Any) -> Any:
            calls.append(_id)
            return _original(*args, **kw)

        bar.refresh = spy  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        for bar, original in originals:
            bar.refresh = original  # type: ignore[method-assign]


async def test_a_toast_coming_and_going_leaves_the_scrollbars_alone() -> None:
    app = long_board()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        panels = [app.dashboard.panels[kind] for kind in ("health", "dependency")]
        assert all(panel.show_vertical_scrollbar for panel in panels)
        with scrollbar_repaints(panels) as repainted:
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
