"""A screen restyled whole styles every widget on it again (~15-20 ms on the board,
whose panels carry 15 component classes each). The board's start did it up to four
times before its first frame: Textual's restyle when a screen is shown, the breakpoint
classes Textual sets on the first Resize, then `-stacked` for the still empty panels,
then its removal once the rows were in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.dom import DOMNode
from textual.screen import Screen

from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from startup_support import FirstFrameApp
from waiting import pilot_until

DEMO = """
[sources.demo]
plugin = "demo"
services = 40
rules = 60
dependencies = 20
incident = "none"
seed = 3
"""
"""More rows than a 120x40 screen holds stacked: the columns end up side by side."""


class CountingApp(FirstFrameApp):
    """Notes each restyle of a screen or a panel, and whether the board had drawn yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.restyles: list[tuple[str, bool]] = []

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        if isinstance(node, Screen | SignalPanel):
            drawn = getattr(node.screen, "first_frame", None) is not None
            name = node.id if isinstance(node, SignalPanel) else type(node).__name__
            self.restyles.append((name or "", drawn))
        super().update_styles(node, animate)


def demo_app(tmp_path: Path) -> CountingApp:
    path = tmp_path / "config.toml"
    path.write_text(DEMO)
    return CountingApp(Engine(load_config(path), read_only=True))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=str)
async def test_the_board_is_restyled_whole_once_before_its_first_frame(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """The breakpoint and layout classes are right from the first style pass, and the
    screen's first showing, right after its mount styled it, does not style it again."""
    app = demo_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot_until(pilot, lambda: getattr(app.screen, "first_frame", None) is not None)
        board = app.dashboard
        before_first_frame = [name for name, drawn in app.restyles if not drawn]
        assert "FirstFrameBoard" not in before_first_frame, app.restyles
        # The focus starts on the health panel, not on the business one on its way.
        assert "panel-business" not in before_first_frame, app.restyles
        wide = size[0] >= 120
        assert board.has_class("-wide") is wide and board.has_class("-narrow") is not wide
        assert board.has_class("-tall") is (size[1] >= 32)
        assert not board.has_class("-stacked"), "the demo's rows do not fit stacked"
        rows = [line for line in board.first_frame or [] if " OK " in line]
        assert rows, "the first frame has data rows"


async def test_rows_arriving_after_empty_panels_were_drawn_do_not_restack_the_board(
    tmp_path: Path,
) -> None:
    """A source slower than the first frame: the board is drawn with empty panels,
    and they stay side by side on a wide screen. They used to stack (everything fits
    when nothing is there) and unstack when the rows came: a whole restyle and a
    relayout each, and the columns jumping once the data arrived."""
    path = tmp_path / "config.toml"
    path.write_text(DEMO)
    app = CountingApp(Engine(load_config(path), read_only=True), start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard

        def shown() -> int:
            return sum(len(panel.row_keys) for panel in board.panel_list)

        await pilot_until(pilot, lambda: getattr(board, "first_frame", None) is not None)
        await pilot.pause()
        assert shown() == 0 and not board.has_class("-stacked")
        restyled = len(app.restyles)
        await app.engine.runners["demo"].collect()
        await pilot_until(pilot, lambda: shown() > 0)
        await pilot.pause()
        assert not board.has_class("-stacked")
        layers = [panel for panel in board.panel_list if panel.id != "panel-business"]
        assert len({panel.region.x for panel in layers}) == 2, "two columns"
        assert [name for name, _ in app.restyles[restyled:] if "panel" not in name] == []


async def test_the_wallboard_is_not_restyled_whole_when_first_shown(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(DEMO)
    app = CountingApp(Engine(load_config(path), read_only=True), wallboard=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot_until(pilot, lambda: type(app.screen).__name__ == "WallboardScreen")
        await pilot_until(pilot, lambda: app.screen.is_mounted)
        await pilot.pause()
        await pilot.pause()
        assert "WallboardScreen" not in [name for name, _ in app.restyles], app.restyles
        assert app.screen.has_class("-wide") or not app.HORIZONTAL_BREAKPOINTS
