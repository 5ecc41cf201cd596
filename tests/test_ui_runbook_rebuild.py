"""A runbook built again at a new width (the terminal resized) ends as the runbook once.

A file runbook is given to Markdown a piece at a time once its screen's first frame
is out (ui/widgets/runbook_view.py `_build`); a new width starts a build that cancels
the last. A build waiting for that first frame, cancelled in the very turn the frame
let it go, went on (Python 3.11's `wait_for` drops a cancellation that lands as the
awaited event is set): two builds appended to one Markdown, and the runbook read with
sections twice, missing, or starting in its middle. The app's detail is prepared
unseen at the board's width, so an Enter after a resize of the terminal met it.
"""

from __future__ import annotations

import pytest
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from detail_support import LATENCY_MD, two_signals
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.runbook_view import RunbookView
from ui_support import T0, make_engine
from waiting import pilot_until


def headings(markdown: str) -> list[str]:
    """The runbook's headings, in order (none of its fences hold a `#` line)."""
    return [line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("#")]


def shown_headings(view: RunbookView) -> list[str]:
    markdown = view.query_one(Markdown)
    return [
        str(block.content).strip()
        for block in markdown.children
        if isinstance(block, MarkdownBlock) and type(block).__name__[:-1] == "MarkdownH"
    ]


def built(view: RunbookView) -> bool:
    """The runbook given to Markdown whole, and no build of it still running."""
    return view.built and not any(
        worker.node is view and worker.group == "runbook-build" and not worker.is_finished
        for worker in view.app.workers
    )


async def test_a_build_cancelled_as_the_first_frame_lets_it_go_stops() -> None:
    """The prepared detail's runbook waits for its first frame; the frame's signal and
    a new width's build come in the same turn: the runbook ends with each heading
    once, in order (before: the first build went on beside the second)."""
    app = OncallApp(make_engine(two_signals()), clock=lambda: T0, start_engine=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j")  # the selection: bbb-api, whose runbook is LATENCY_MD
        detail = await pilot_until(
            pilot,
            lambda: (
                (screen := app.details.screen) is not None
                and screen.is_mounted
                and screen.runbook.runbook is not None
                and screen.runbook.runbook.target == str(LATENCY_MD)
                and screen.runbook._markdown is not None
                and screen
            ),
            what="the detail prepared on bbb-api, its runbook read and waiting",
        )
        assert isinstance(detail, SignalDetailScreen)
        view = detail.runbook
        assert not view.built, "waiting for the detail's first frame"
        view.reveal()  # the first frame is out ...
        view._wrapped_for = -1  # ... and, in the same turn, a new width
        view._show_markdown()
        await pilot_until(pilot, lambda: built(view), what="the runbook built")
        assert shown_headings(view) == headings(LATENCY_MD.read_text())


@pytest.mark.parametrize("run", range(3))  # the two meet in the same turn in some runs only
async def test_enter_after_a_resize_shows_the_runbook_from_its_top(run: int) -> None:
    """As a user meets it: the board at 140x40, a key (the detail prepared unseen), the
    terminal made 80x24, Enter: the runbook starts with its title, each heading once."""
    app = OncallApp(make_engine(two_signals()), clock=lambda: T0, start_engine=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot_until(
            pilot,
            lambda: (
                app.details.screen is not None
                and app.details.screen.body.size.width > 0
                and app.details.screen.runbook._wrapped_for > 0
            ),
            what="the detail prepared, its runbook waiting for its first frame",
        )
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("enter")
        detail = await pilot_until(
            pilot,
            lambda: isinstance(app.screen, SignalDetailScreen) and app.screen,
            what="the detail",
        )
        assert isinstance(detail, SignalDetailScreen)
        await pilot_until(pilot, lambda: built(detail.runbook), what="the runbook built")
        assert shown_headings(detail.runbook) == headings(LATENCY_MD.read_text())
