"""Opening a detail as a user does (Enter on a row): its first frame is whole before
its runbook's Markdown is built, and the runbook then lands in place by itself, with
the same blocks as a runbook given to Markdown at once.

No timing is asserted: what is held is the order (the keys, facts and chart are
drawn before the runbook's blocks are built) and the end state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Markdown

from detail_support import record_restyles
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import screen_lines
from oncall_tui.ui.widgets.chart import HistoryChart
from oncall_tui.ui.widgets.key_footer import KeyFooter
from oncall_tui.ui.widgets.runbook_view import (
    RunbookView,
    runbook_parser,
    wrap_code_blocks,
)
from ui_support import make_app, make_store, reading
from waiting import pilot_until

DEMO_RUNBOOKS = sorted(
    (Path(__file__).parent.parent / "plugins" / "oncall_tui_demo" / "runbooks").glob("*.md")
)
LONG = DEMO_RUNBOOKS[0].parent / "service-errors.md"
"""69 lines, tables, code: at 80x24 it is handed over in several pieces."""


def store_with_runbook(path: Path) -> Any:
    return make_store(
        "ok",
        readings=[reading("d", "health", "pay-api", 0.5, runbook=Runbook.file(str(path)))],
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_enter_draws_the_facts_chart_and_keys_before_the_runbook_is_built(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """When the runbook's text is first handed to Markdown (the costly part), the
    detail's keys, facts and chart are already on screen; before, the keys waited
    for the whole runbook to be built."""
    seen: list[str] = []

    def spy(original: Any) -> Any:
        def handed(self: Markdown, markdown: str) -> Any:
            if markdown.strip() and not seen:
                seen.append("\n".join(screen_lines(self.screen)))
            return original(self, markdown)

        return handed

    monkeypatch.setattr(Markdown, "update", spy(Markdown.update))
    monkeypatch.setattr(Markdown, "append", spy(Markdown.append))
    app = make_app(store_with_runbook(LONG))
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SignalDetailScreen)
        await pilot_until(pilot, lambda: seen, what="the runbook handed to Markdown")
        first = seen[0]
        assert "esc Back" in first or "Back" in first.splitlines()[-1]
        assert "pay-api" in first and "value" in first
        assert "└" in first, "the chart's axes"
        assert "Runbook · service-errors.md" in first
        assert "Service error ratio high" not in first, "no block built yet"


async def test_the_runbook_lands_whole_without_a_key_pressed() -> None:
    """Piece by piece, but all of it, and the last section reachable with `G`."""
    app = make_app(store_with_runbook(LONG))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        view = app.screen.query_one(RunbookView)
        await pilot_until(pilot, lambda: view.built, what="the runbook built")
        whole = wrap_code_blocks(LONG.read_text(), view._wrapped_for)
        assert view.query_one(Markdown).source == whole
        # Built is not yet drawn: on a loaded machine the frame showing it can come a
        # loop turn or more later, so wait for the screen itself.
        await pilot_until(
            pilot,
            lambda: "Service error ratio high" in "\n".join(screen_lines(app.screen)),
            what="the runbook drawn",
        )
        assert "loading…" not in "\n".join(screen_lines(app.screen))
        await pilot.press("G")
        await pilot.pause()
        assert "within 15 minutes of declaring" in "\n".join(screen_lines(app.screen))


def blocks(markdown: Markdown) -> list[tuple[str, str]]:
    """Every widget under the Markdown, with its text: what is drawn."""
    found: list[tuple[str, str]] = []
    for widget in markdown.query("*"):
        assert isinstance(widget, Widget)
        rendered = widget.render()
        text = getattr(rendered, "plain", None)
        found.append((type(widget).__name__, text if isinstance(text, str) else ""))
    return found


class Whole(App[None]):
    """A runbook's text given to Markdown at once, as it used to be."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Markdown(parser_factory=runbook_parser, open_links=False)

    async def on_mount(self) -> None:
        await self.query_one(Markdown).update(self.text)


class Pieces(App[None]):
    CSS = "RunbookView { height: 1fr; }"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield RunbookView(Runbook.file(str(self.path)), id="rb")

    def on_mount(self) -> None:
        self.query_one(RunbookView).reveal()


@pytest.mark.parametrize("path", DEMO_RUNBOOKS, ids=lambda p: p.stem)
async def test_pieces_end_as_the_same_blocks_as_the_whole_text(path: Path) -> None:
    pieces = Pieces(path)
    async with pieces.run_test(size=(80, 24)) as pilot:
        view = pieces.query_one(RunbookView)
        await pilot_until(pilot, lambda: view.built, what="the runbook built")
        await pilot.pause()
        markdown = view.query_one(Markdown)
        text = markdown.source
        assert text == wrap_code_blocks(path.read_text(), view._wrapped_for)
        got = blocks(markdown)
    whole = Whole(text)
    async with whole.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert got == blocks(whole.query_one(Markdown))


async def test_opening_a_detail_lays_out_its_keys_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen reports its bindings changed three or four times as it opens (mount,
    focus, resize) with the same keys; each used to mount and style every key anew."""
    laid_out: list[KeyFooter] = []
    original = KeyFooter.compose

    def compose(self: KeyFooter) -> Any:
        laid_out.append(self)
        return original(self)

    monkeypatch.setattr(KeyFooter, "compose", compose)
    app = make_app(store_with_runbook(LONG))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        laid_out.clear()
        await pilot.press("enter")
        view = app.screen.query_one(RunbookView)
        await pilot_until(pilot, lambda: view.built, what="the runbook built")
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert [f for f in laid_out if f is footer] == [footer]
        assert app.screen.query_one(HistoryChart).text


async def test_esc_from_a_detail_does_not_restyle_its_runbook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runbook's area is blurred as the detail closes; Textual restyled every one
    of the runbook's Markdown widgets for it (~90 ms of each Esc at 10k). Only the
    area's own look depends on its focus."""
    app = make_app(store_with_runbook(LONG))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        view = app.screen.query_one(RunbookView)
        await pilot_until(pilot, lambda: view.built, what="the runbook built")
        await pilot.pause()
        blocks = set(view.query_one(Markdown).walk_children())
        assert len(blocks) > 50
        restyled = record_restyles(app, monkeypatch)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SignalDetailScreen)
        assert not blocks.intersection(restyled)
