"""The detail prepared ahead while someone is at the keys, so that the first Enter only
paints it: prepared a step at a time between keys (not after a pause of them), kept on
the board's selection while hidden, and shown without a layout of the screen.

No timing is asserted: what is held is when the work is done (between keys, not at
Enter) and what Enter costs (no layout).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.screen import Screen

from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import layout_pending
from ui_support import LATENCY, T0, make_app, make_engine, make_store, reading
from waiting import pilot_until

WIKI = "https://wiki.example.com/runbooks/"
TYPIST = 0.1
"""Seconds between two keys of someone scrolling the board: the scenario's pace."""


def two_shapes() -> SignalStore:
    """Two signals whose facts differ in shape (the second has labels: more rows), and
    no runbook (nothing is built after the detail's first frame)."""
    return make_store(
        "ok",
        readings=[
            reading("a", "health", "aaa-api errors", 0.011),
            reading(
                "b",
                "health",
                "bbb-api p99",
                0.25,
                "seconds",
                LATENCY,
                labels={"region": "eu-1", "tier": "gold"},
            ),
        ],
    )


def two_runbooks() -> SignalStore:
    """Two signals of the same shape with runbooks of their own (links: nothing is
    built after the detail's first frame)."""
    return make_store(
        "ok",
        readings=[
            reading("a", "health", "aaa-api errors", 0.011, runbook=Runbook.link(WIKI + "a")),
            reading("b", "health", "bbb-api errors", 0.012, runbook=Runbook.link(WIKI + "b")),
        ],
    )


def running(store: SignalStore) -> OncallApp:
    return OncallApp(make_engine(store), clock=lambda: T0, start_engine=True)


def prepared(app: OncallApp) -> SignalDetailScreen | None:
    """The hidden detail once composed, mounted and laid out (its facts have a size)."""
    detail = app.details.screen
    if detail is None or not detail.is_mounted or detail.body.size.width <= 0:
        return None
    return detail


async def test_keys_at_a_typist_pace_still_get_the_detail_prepared() -> None:
    """Keys 0.1 s apart: the detail is prepared between them, a step per gap, and is
    ready while they still come. Before, the preparation waited for a 0.5 s pause of
    the keys, so an Enter right after scrolling composed the whole screen."""
    app = running(two_shapes())
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.details.screen is None, "nobody at the keys: nothing prepared"
        for press in range(40):
            await pilot.press("j" if press % 2 == 0 else "k")
            await pilot.pause(TYPIST)  # the next key comes at a typist's pace
            if prepared(app) is not None:
                break
        assert prepared(app) is not None, "the detail was not prepared between the keys"
        assert isinstance(app.screen, DashboardScreen), "prepared unseen"


@pytest.mark.parametrize("store", [two_shapes, two_runbooks], ids=["facts", "runbook"])
async def test_the_first_enter_after_a_key_lays_nothing_out(
    store: Callable[[], SignalStore],
) -> None:
    """The hidden detail follows the board's selection once the keys pause, and is laid
    out there; Enter then shows it with no layout of the screen, so its first frame is
    drawn once. Before, it stayed on the signal it was prepared for: Enter swapped in
    the selected one (facts of another shape, another runbook's view: a layout), and
    the first show set the toast rack's `display` (another layout), each drawing the
    whole screen twice."""
    app = running(store())
    # Toasts on, as in a terminal (run_test turns them off by default).
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await pilot.press("j")
        detail = await pilot_until(pilot, lambda: prepared(app), what="the detail prepared")
        laid_out: list[str] = []  # the signal the hidden detail was on, at each lay-out
        lay_out = app.details._lay_out

        def recorded() -> None:
            laid_out.append(detail.key)
            lay_out()

        app.details._lay_out = recorded  # type: ignore[method-assign]
        await pilot.press("k" if board.selected_key == detail.key else "j")
        selected = board.selected_key
        assert selected is not None
        await pilot_until(  # and settled: its widgets ask for more passes once sized
            pilot,
            lambda: selected in laid_out and not layout_pending(detail),
            what="the hidden detail laid out on the selection",
        )
        await pilot.pause()
        layouts: list[Screen[None]] = []
        detail.screen_layout_refresh_signal.subscribe(detail, layouts.append)
        await pilot.press("enter")
        await pilot_until(pilot, lambda: app.screen is detail, what="the detail shown")
        name = app.engine.store.signals[selected].name
        await pilot_until(pilot, lambda: name in str(detail.title_line.render()), what="its name")
        await pilot.pause()
        assert detail.key == selected
        assert layouts == [], "Enter laid the detail out"


async def test_a_signal_of_the_same_shape_swapped_in_at_enter_lays_nothing_out() -> None:
    """Enter on another signal before the hidden detail followed the selection (no
    engine here, so nothing follows): its facts take the lines the last one's took
    (same labels, one-line values), so they are repainted in place, without a layout
    of the screen. Before, a new signal always laid the screen out."""
    store = make_store(
        "ok",
        readings=[
            reading("a", "health", "aaa-api errors", 0.011),
            reading("b", "health", "bbb-api errors", 0.012),
        ],
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await pilot.press("enter")
        detail = await pilot_until(
            pilot, lambda: app.screen if isinstance(app.screen, SignalDetailScreen) else None
        )
        first = detail.key
        await pilot.press("escape")
        await pilot_until(pilot, lambda: app.screen is board, what="the board")
        await pilot.press("j")
        assert board.selected_key != first
        layouts: list[Screen[None]] = []
        detail.screen_layout_refresh_signal.subscribe(detail, layouts.append)
        await pilot.press("enter")
        await pilot_until(pilot, lambda: app.screen is detail, what="the detail again")
        name = app.engine.store.signals[board.selected_key or ""].name
        await pilot_until(pilot, lambda: name in str(detail.title_line.render()), what="its name")
        await pilot.pause()
        assert layouts == [], "the swap laid the detail out"
