"""Keys as a user finds them: the footer names `?` and `C` at 80x24, the help scrolls
with j/k/G and says when there is more, the replay's footer fits and offers no key that
does nothing there."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from textual.app import App
from textual.containers import VerticalScroll

from cascade_support import cascade_app
from oncall_tui.core.recording import read_recording
from oncall_tui.ui.screens.help import HelpScreen
from recording_support import cascade_recording
from ui_support import make_app, make_store
from waiting import pilot_until as wait_for


async def _laid_out(pilot: object, app: App[None]) -> None:
    """Until the footer's keys have their places."""
    await wait_for(
        pilot,  # type: ignore[arg-type]
        lambda: any(key.region.width for key in app.screen.query("FooterKey")),
    )


def _footer(app: App[None], width: int) -> dict[str, tuple[str, bool]]:
    """Each footer key's action: (description, drawn whole inside the screen)."""
    return {
        getattr(key, "action"): (  # noqa: B009 (FooterKey, queried by name: a private module)
            getattr(key, "description"),  # noqa: B009
            key.region.width > 0 and key.region.right <= width,
        )
        for key in app.screen.query("FooterKey")
    }


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_footer_keeps_help_and_the_cause_key(size: tuple[int, int]) -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=size) as pilot:
        await _laid_out(pilot, app)
        footer = _footer(app, size[0])
        assert footer["help"][1], footer
        assert footer["cause"] == ("Cause", True), footer
        assert all(whole for _, whole in footer.values()), footer


async def test_help_scrolls_and_says_there_is_more_at_80x24() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        box = help_screen.query_one("#help-box", VerticalScroll)
        await pilot.pause()
        assert box.max_scroll_y > 0
        assert "more" in str(box.border_subtitle) and "j/k" in str(box.border_subtitle)
        await pilot.press("j", "j")
        assert box.scroll_y == 2
        await pilot.press("k")
        assert box.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert "more" not in str(box.border_subtitle)
        await pilot.press("g")
        assert box.scroll_y == 0


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_replay_footer_fits_and_has_no_refresh(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    from oncall_tui.core.recording.player import Player
    from oncall_tui.ui.replay_app import ReplayApp

    cascade_recording(tmp_path / "r.jsonl")
    app = ReplayApp(Player(read_recording(tmp_path / "r.jsonl"), monotonic=lambda: 0.0))
    async with app.run_test(size=size) as pilot:
        await _laid_out(pilot, app)
        footer = _footer(app, size[0])
        assert "refresh_now" not in footer and "Refresh" not in {d for d, _ in footer.values()}
        assert all(whole for _, whole in footer.values()), footer
        assert {"step", "next_change", "help", "cause"} <= set(footer)
        await pilot.press("r")  # still steps, as it always did here


async def test_an_ascii_console_footer_keeps_help_at_80x24() -> None:
    # Keys are named there ("enter Detail", not "⏎ Detail"): longer, so the palette's
    # key (also ":", and in the help) gives up its place to `?` and `C`.
    from oncall_tui.core.present.words import choose_symbols
    from oncall_tui.ui.ascii import stand_in

    choose_symbols(ascii=True)
    try:
        assert stand_in("≥") == ">" and stand_in("≤") == "<"  # a plugin's own text
        app = make_app(make_store("critical"))
        async with app.run_test(size=(80, 24)) as pilot:
            await _laid_out(pilot, app)
            await pilot.pause()
            footer = _footer(app, 80)
            assert footer["help"][1] and footer["cause"][1], footer
    finally:
        choose_symbols(ascii=False)


@pytest.mark.parametrize("ascii_console", [False, True], ids=["utf8", "ascii"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_detail_footer_keeps_help(size: tuple[int, int], ascii_console: bool) -> None:
    """The detail's footer cut `? Keys` to `? K` at 80x24: every key it shows is whole."""
    from oncall_tui.core.present.words import choose_symbols

    choose_symbols(ascii=ascii_console)
    try:
        app = await cascade_app("cascade")  # the demo: its runbooks add `c` and `o`
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.name == "detail")
            await _laid_out(pilot, app)
            await pilot.pause()
            footer = _footer(app, size[0])
            assert footer["help"] == ("Keys", True), footer
            assert footer["app.pop_screen"] == ("Back", True), footer
            assert all(whole for _, whole in footer.values()), footer
            # The palette's key is docked right: drawn over the last keys when they
            # run into it (`? K▏^p Commands`).
            regions = sorted(key.region for key in app.screen.query("FooterKey"))
            for left, right in itertools.pairwise(regions):
                assert left.right <= right.x, (left, right, footer)
    finally:
        choose_symbols(ascii=False)
