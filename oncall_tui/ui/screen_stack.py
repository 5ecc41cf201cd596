"""Opening a screen from wherever the user is, any number of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events, on
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


def set_breakpoint_classes(screen: Screen[Any], app: App[Any]) -> None:
    """The breakpoint classes the terminal's size gives `screen` (its or the app's
    `HORIZONTAL_BREAKPOINTS` and `VERTICAL_BREAKPOINTS`), set before its first style
    pass. Textual sets them on the screen's first Resize, and a class changed on a
    screen restyles every widget on it: ~15 ms of the board's start, before its first
    frame, to arrive where this starts."""
    width, height = app.size
    for own, shared, size in (
        (screen.HORIZONTAL_BREAKPOINTS, app.HORIZONTAL_BREAKPOINTS, width),
        (screen.VERTICAL_BREAKPOINTS, app.VERTICAL_BREAKPOINTS, height),
    ):
        breakpoints = (shared if own is None else own) or []
        reached = [point for point in breakpoints if size >= point[0]]
        chosen = max(reached)[1] if reached else None
        for _, name in breakpoints:
            screen.set_class(name == chosen, name, update=False)


class StyledAtMount(Screen[None]):
    """A screen shown once at start (the board, the wallboard) whose first showing
    keeps the styles its mount just gave every widget. Textual restyles a screen whole
    when it is shown (`ScreenResume.refresh_styles`): ~15-25 ms before the first frame,
    for nothing. Later showings are left as Textual sends them."""

    _shown_once = False

    @on(events.ScreenResume)
    def _keep_mount_styles(self, event: events.ScreenResume) -> None:
        event.refresh_styles, self._shown_once = event.refresh_styles and self._shown_once, True
