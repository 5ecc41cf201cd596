"""The app's one signal detail: built ahead while the board is idle, then reused.

Composing the detail and laying it out (header, facts, chart, footer, the runbook's
area) held the first Enter 150-400 ms on the 10,000-signal board under load, and every
later Enter 100-250 ms. Kept installed, the screen is composed and laid out once: an
Enter swaps its signal (`SignalDetailScreen.show`) and repaints, and the first Enter
finds it prepared (in the first pause of the keys pressed on the board).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from oncall_tui.ui.textual_compat import lay_out_unshown, mount_unshown

if TYPE_CHECKING:
    from oncall_tui.ui.screens.detail import SignalDetailScreen

PREPARE_AFTER = 0.5
"""Seconds without a key, after keys were pressed on the board, before the detail is
prepared. Someone at the keys is likely to open a signal soon; a board nobody touches
(a wall TV) never holds the detail's modules and widgets (~5 MiB at 10,000 signals).
In a pause: the preparation holds the loop ~60-130 ms, which a key pressed meanwhile
would wait for (prepared a second after the first key, it met one j of 40 in the
bench, at 130-360 ms)."""

RELAYOUT_AFTER = 0.5
"""Seconds after the first lay-out of the prepared detail before the second."""


class DetailKeeper:
    """Builds the detail once (`build(key)`), installs it so that closing it keeps it,
    and hands the same screen back for every signal opened."""

    NAME = "signal-detail"

    def __init__(self, app: App[Any], build: Callable[[str], SignalDetailScreen]) -> None:
        self.app = app
        self._build = build
        self.screen: SignalDetailScreen | None = None
        self._waiting: Timer | None = None

    def key_pressed(self) -> None:
        """A key reached the app: the detail is prepared once the keys pause."""
        if self.screen is not None:
            return
        if self._waiting is not None:
            self._waiting.stop()
        self._waiting = self.app.set_timer(PREPARE_AFTER, self.prepare, name="prepare-detail")

    def detail(self, key: str) -> SignalDetailScreen:
        """The detail, pointed at `key` (built now if it never was)."""
        if self.screen is None:
            self.screen = self._build(key)
            self.app.install_screen(self.screen, self.NAME)
        self.screen.show(key)
        return self.screen

    async def prepare(self) -> None:
        """Compose, mount and lay out the detail of the board's selected signal
        without showing it, so that the first Enter only repaints. Nothing if it
        exists already (opened), off the board, or when it falls due as the app
        exits (no screen left)."""
        stack = self.app.screen_stack
        if self.screen is not None or not stack:
            return
        key = getattr(stack[-1], "selected_key", None)
        if key is None:
            return
        screen = self.detail(key)
        await mount_unshown(self.app, screen)
        self._lay_out()
        # Laid out, its widgets hear their sizes and some ask for another pass (as
        # on every screen's first frame): that one is taken here too, not at Enter.
        self.app.set_timer(RELAYOUT_AFTER, self._lay_out, name="prepare-detail-again")

    def _lay_out(self) -> None:
        screen = self.screen
        if screen is not None and screen.is_attached and not screen.is_current:
            lay_out_unshown(screen, self.app.size)
