"""Opening a screen from wherever the user is, any number of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.screen import Screen


def open_screen(app: App[Any], build: Callable[[], Screen[Any]], kind: type[Screen[Any]]) -> None:
    """Show a screen of `kind`: the one already on the stack is gone back to (the
    screens above it close), else `build()` is pushed.

    The stack holds at most one screen of each kind, so Esc leads back to the board in
    a few steps and a hundred Enter/e presses do not leave a hundred live screens
    refreshing underneath. (The detail is one screen pointed at the signal asked for
    before it is shown: ui/detail_keeper.py.) Screens carry a `name`, never an `id`:
    Textual requires ids to be unique among the app's screens.
    """
    for below in app.screen_stack:
        if type(below) is kind:
            while app.screen is not below:
                app.pop_screen()
            return
    app.push_screen(build())
