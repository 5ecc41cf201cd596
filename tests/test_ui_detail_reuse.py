"""The app's one signal detail, reused as a user opens signal after signal (Enter,
Esc, j, Enter): each open shows the signal asked for, its facts and its runbook, and
none of the last one's; the screen is composed once (ahead, while the board is idle,
when the engine runs) and shown again without restyling or laying out what did not
change.

No timing is asserted: what is held is what is built, styled and laid out per key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Markdown

from detail_support import record_restyles, two_signals
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.runbook_view import RunbookView
from ui_support import T0, make_app, make_engine, reading
from waiting import pilot_until


@contextmanager
def composes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[SignalDetailScreen]]:
    """Every detail screen composed while inside."""
    composed: list[SignalDetailScreen] = []
    original = SignalDetailScreen.compose

    def compose(self: SignalDetailScreen) -> Any:
        composed.append(self)
        return original(self)

    with monkeypatch.context() as patch:
        patch.setattr(SignalDetailScreen, "compose", compose)
        yield composed


async def open_selected(app: OncallApp, pilot: Any) -> SignalDetailScreen:
    await pilot.press("enter")
    await pilot_until(pilot, lambda: isinstance(app.screen, SignalDetailScreen), what="detail")
    detail = app.screen
    assert isinstance(detail, SignalDetailScreen)
    await pilot_until(pilot, lambda: detail.runbook.built, what="the runbook built")
    await pilot.pause()
    return detail


def shown(app: OncallApp) -> str:
    detail = app.screen
    assert isinstance(detail, SignalDetailScreen)
    return f"{detail.title_line.render()}\n{detail.body.render()}"


async def test_signal_after_signal_shows_each_ones_facts_and_runbook_from_one_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second Enter composes no screen (the old code built one per Enter); it
    shows the second signal's name, value and runbook, nothing of the first's; the
    first's runbook widgets are gone, and a third signal sharing the second's runbook
    keeps its built blocks."""
    app = make_app(two_signals())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, DashboardScreen)
        keys = []
        with composes(monkeypatch) as composed:
            for step in range(3):
                if step:
                    await pilot.press("escape")
                    await pilot_until(pilot, lambda: app.screen is board, what="the board")
                    await pilot.press("j")
                keys.append(board.selected_key)
                detail = await open_selected(app, pilot)
                assert len(composed) == 1, "one screen for every signal opened"
                assert detail.key == keys[-1]
                name = app.engine.store.signals[keys[-1]].name
                assert name in shown(app)
                others = [s.name for k, s in app.engine.store.signals.items() if k != keys[-1]]
                assert not [other for other in others if other in shown(app)]
                views = detail.query(RunbookView)
                assert len(views) == 1, "the last signal's runbook view is removed"
                runbook = app.engine.store.signals[keys[-1]].runbook
                assert runbook is not None
                assert views.first().runbook == runbook
                source = detail.query_one(Markdown).source
                assert Path(runbook.target).read_text()[:40] in source
                if step == 1:
                    blocks = set(detail.query_one(Markdown).children)
                if step == 2:  # same runbook as the second: the very same blocks
                    assert set(detail.query_one(Markdown).children) == blocks
        assert len(set(keys)) == 3


async def test_shown_again_the_detail_restyles_and_lays_out_nothing_of_its_runbook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pushed again, Textual restyles every node of a screen (the ~140 of a Markdown
    runbook: 50-160 ms of each Enter at 10k); the detail is shown as it was left."""
    app = make_app(two_signals())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_selected(app, pilot)
        blocks = set(detail.query_one(Markdown).walk_children())
        assert len(blocks) > 50
        await pilot.press("escape")
        await pilot_until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="board")
        restyled = record_restyles(app, monkeypatch)
        again = await open_selected(app, pilot)
        assert again is detail
        assert not blocks.intersection(restyled)


async def test_a_theme_chosen_while_the_detail_is_hidden_reaches_it() -> None:
    """The restyle is skipped only while the app's look is the one the detail was
    styled with: a theme picked on the board shows in the detail opened next."""
    app = make_app(two_signals())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_selected(app, pilot)
        before = detail.title_line.styles.background
        await pilot.press("escape")
        await pilot_until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="board")
        panel = app.get_css_variables()["panel"]
        for name in sorted(app.available_themes):
            app.theme = name
            if app.get_css_variables()["panel"] != panel:
                break
        else:
            pytest.fail("no theme with another panel colour")
        await pilot.pause()
        again = await open_selected(app, pilot)
        assert again.title_line.styles.background != before


async def test_a_value_that_moves_repaints_the_facts_without_a_layout() -> None:
    """The once-a-second refresh of an open detail: a value still on one line keeps
    the table's size, so the table is repainted and the screen (a runbook of ~140
    widgets in it) is not laid out again; a new row is laid out."""
    store = two_signals()
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_selected(app, pilot)
        key = detail.key
        layouts: list[bool] = []
        original = detail.body.refresh

        def spy(*regions: Any, **kw: Any) -> Any:
            layouts.append(bool(kw.get("layout")))
            return original(*regions, **kw)

        detail.body.refresh = spy  # type: ignore[method-assign]
        old = store.signals[key].last
        assert old is not None
        moved = reading(
            old.key,
            old.kind,
            old.name,
            (old.value or 0) * 1.01,
            old.unit,
            old.thresholds,
            runbook=old.runbook,
        )
        store.apply(
            "demo",
            [moved, *[s.last for k, s in store.signals.items() if k != key and s.last]],
            at=T0,
        )
        detail._refresh_body()
        assert layouts == [False]
        labelled = reading(
            old.key,
            old.kind,
            old.name,
            old.value,
            old.unit,
            old.thresholds,
            runbook=old.runbook,
            labels={"team": "payments"},
        )
        store.apply(
            "demo",
            [labelled, *[s.last for k, s in store.signals.items() if k != key and s.last]],
            at=T0,
        )
        detail._refresh_body()
        assert layouts == [False, True]


async def test_with_the_engine_running_the_first_enter_composes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the keys pressed on the board pause, the detail is composed and
    laid out unseen; the first Enter then only shows it (before, it composed the
    screen: the slowest Enter of all). Untouched, the board builds none."""
    app = OncallApp(make_engine(two_signals()), clock=lambda: T0, start_engine=True)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await pilot.pause()
        assert app.details.screen is None, "nobody at the keys: nothing prepared"
        await pilot.press("j")
        selected = board.selected_key
        await pilot_until(
            pilot,
            lambda: app.details.screen is not None and app.details.screen.is_mounted,
            what="the detail prepared",
        )
        prepared = app.details.screen
        with composes(monkeypatch) as composed:
            detail = await open_selected(app, pilot)
        assert detail is prepared and composed == []
        assert detail.key == selected
        assert app.engine.store.signals[selected].name in shown(app)


async def test_a_preparation_due_as_the_app_exits_does_nothing() -> None:
    """The preparation waits for a pause of the keys: a key pressed just before quitting
    makes it fall due while the app is shutting down, with no screen left to read the
    selection from (it raised ScreenStackError, a traceback at exit)."""
    app = make_app(two_signals())
    async with app.run_test(size=(120, 40)):
        pass
    assert not app.screen_stack
    await app.details.prepare()
    assert app.details.screen is None
