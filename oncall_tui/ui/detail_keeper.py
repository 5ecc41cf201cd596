"""The app's one signal detail: built ahead between the keys, then reused.

Composing the detail and laying it out (header, facts, chart, footer, the runbook's
area) held the first Enter 150-400 ms on the 10,000-signal board under load, and every
later Enter 100-250 ms. Kept installed, the screen is composed and laid out once: an
Enter swaps its signal (`SignalDetailScreen.show`) and repaints, and the first Enter
finds it prepared.

Preparing it is ~90 ms of work, too much for one turn of the loop while someone is at
the keys (a key arriving meanwhile waited that long). So it is cut in steps: the
imports (half of it: Markdown, markdown-it, Pygments) on a thread, then compose, mount
and two lay-outs on the loop, each a few milliseconds, each taken only once the keys
have been quiet for a moment. A key pressed between steps waits for one step at most.
Then, while hidden, it follows the board's selection the same way (the signal swapped
in, then laid out), so that Enter finds it on the selected signal and laid out: the
first frame is painted once, with no layout.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App

from oncall_tui.ui.textual_compat import (
    lay_out_unshown,
    layout_pending,
    mount_unshown,
    settle_toasts,
)

if TYPE_CHECKING:
    from textual.worker import Worker

    from oncall_tui.ui.screens.detail import SignalDetailScreen

DETAIL_MODULE = "oncall_tui.ui.screens.detail"
"""Imported on a thread first: ~40 ms of module code (mostly the runbook's Markdown)
that would otherwise run on the loop, in one piece."""

QUIET = 0.02
"""Seconds without a key before the next step of the preparation. A key's own work
(its repaint) is mostly done by then; someone holding j (a key every ~30-60 ms) gets
steps in between, each of a few ms, rather than none until they let go."""

SETTLE = 0.005
"""Seconds between a change of the hidden detail and its lay-out."""

RELAYOUT_AFTER = 0.5
"""Seconds after the prepared detail was first laid out before it is looked at again."""

PASSES = 4
"""Lay-outs of the hidden detail in a row, at most, until it asks for none."""


class DetailKeeper:
    """Builds the detail once (`build(key)`), installs it so that closing it keeps it,
    and hands the same screen back for every signal opened.

    The preparation starts at the first key pressed on the board: a board nobody
    touches (a wall TV) never holds the detail's modules and widgets (~4 MiB)."""

    NAME = "signal-detail"

    def __init__(self, app: App[Any], build: Callable[[str], SignalDetailScreen]) -> None:
        self.app = app
        self._build = build
        self.screen: SignalDetailScreen | None = None
        self._last_key = 0.0
        self._keys = asyncio.Event()
        self._worker: Worker[None] | None = None

    def key_pressed(self) -> None:
        """A key reached the app: the preparation starts (once), and its next step
        waits for the keys to be quiet."""
        self._last_key = time.monotonic()
        self._keys.set()
        if self._worker is None:
            self._worker = self.app.run_worker(
                self._keep, name="prepare-detail", group="prepare-detail", exit_on_error=False
            )

    def detail(self, key: str) -> SignalDetailScreen:
        """The detail, pointed at `key` (built now if it never was)."""
        if self.screen is None:
            self.screen = self._build(key)
            self.app.install_screen(self.screen, self.NAME)
        self.screen.show(key)
        return self.screen

    async def _keep(self) -> None:
        await self.prepare()
        if self.screen is None:
            self._worker = None  # nothing to prepare from yet: tried again at a key
            return
        await self._follow()

    async def prepare(self) -> None:
        """Import, compose, mount and lay out the detail of the board's selected signal
        without showing it, a step at a time between the keys, so that the first Enter
        only repaints. Stops when the detail was opened meanwhile (Enter), when the
        board is not on top (nothing selected to prepare), or when the app exits."""
        await self._quiet()  # the key that started this answered first
        await asyncio.to_thread(importlib.import_module, DETAIL_MODULE)
        await self._quiet()
        key = self._selection()
        if self.screen is not None or key is None:
            return
        screen = self.detail(key)
        await self._quiet()
        if screen.is_running or not self.app.is_running:
            return  # opened meanwhile
        await mount_unshown(self.app, screen)
        # Textual shows a resumed screen's toasts by setting their rack's `display`:
        # the first time, that is a change, and a layout of the whole screen at Enter.
        settle_toasts(screen)
        await self._lay_out_settled(screen)
        # Some widgets ask for another pass later (their timers): taken here too.
        await asyncio.sleep(RELAYOUT_AFTER)
        await self._lay_out_settled(screen)

    async def _follow(self) -> None:
        """Keep the hidden detail on the board's selection, once the keys pause: an
        Enter on another signal would otherwise swap it then (facts of another shape,
        another runbook: a layout and a second full frame)."""
        while self.app.is_running:
            await self._keys.wait()
            self._keys.clear()
            await self._quiet()
            key = self._selection()
            screen = self.screen
            if screen is None or key is None or key == screen.key or screen.is_current:
                continue
            screen.wants_layout = False
            screen.mounting = None
            screen.show(key)
            if not screen.wants_layout:
                continue  # repainted in place: nothing to lay out
            if screen.mounting is not None:
                await screen.mounting  # another runbook's view, whole
            await self._lay_out_settled(screen)

    def _selection(self) -> str | None:
        """The signal selected on the board, when the board is on top (else None)."""
        stack = self.app.screen_stack
        if not stack or not self.app.is_running:
            return None
        key = getattr(stack[-1], "selected_key", None)
        return key if isinstance(key, str) else None

    async def _quiet(self) -> None:
        """Return once no key came for QUIET seconds."""
        # A deadline each key pushes back, not an event to wait for.
        while (left := self._last_key + QUIET - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def _lay_out_settled(self, screen: SignalDetailScreen) -> None:
        """Lay the hidden detail out, then again while it asks for more (at most PASSES
        in all), each pass once the keys are quiet. Its widgets ask for a layout once
        idle (a turn or two of the loop), and again once they hear their new sizes from
        one: laid out before they asked, the request would wait for the Enter and cost
        it a layout and a second full frame."""
        for first in [True] + [False] * (PASSES - 1):
            await asyncio.sleep(SETTLE)
            await self._quiet()
            if screen.is_current or not (first or layout_pending(screen)):
                return
            self._lay_out()

    def _lay_out(self) -> None:
        screen = self.screen
        if screen is not None and screen.is_attached and not screen.is_current:
            lay_out_unshown(screen, self.app.size)
