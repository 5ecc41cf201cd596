"""What the wallboard's tests share: its screen, and a pause with one rotation tick."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.wallboard import WallboardScreen


def board(app: OncallApp) -> WallboardScreen:
    screen = app.screen
    assert isinstance(screen, WallboardScreen)
    return screen


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    board(pilot.app).tick()  # type: ignore[arg-type]
    await pilot.pause()
