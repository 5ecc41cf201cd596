"""Where a public Textual API is missing: each workaround here, named, with a test
(tests/test_ui_steady.py) that fails when Textual changes under it."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

TOAST_RACK_ID = "textual-toastrack"
"""The id Textual 8 gives the container of a screen's toasts (Screen._compose). Its
`display` is set by Textual at every notification (ToastRack.show), and the app's
stylesheet does not reach it (a system widget): its height is capped at 0 inline."""


def hide_toasts(screen: Screen[Any]) -> None:
    """Keep `screen`'s toasts from being drawn (its notices have a line of their own);
    notifications are still recorded by the app as usual."""
    for rack in screen.query(f"#{TOAST_RACK_ID}"):
        rack.styles.max_height = 0
