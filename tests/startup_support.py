"""What the start-up tests share: the environment of a user with no config (the
embedded demo), and an app whose board notes what its first frame showed."""

from __future__ import annotations

import os
from pathlib import Path

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.textual_compat import screen_lines


def demo_environment(home: Path) -> dict[str, str]:
    """No user config: the embedded demo (a `demo` and a `host` source)."""
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}


class FirstFrameBoard(DashboardScreen):
    """The board, noting what its first refresh put on the screen."""

    first_frame: list[str] | None = None

    def on_mount(self) -> None:
        self.call_after_refresh(self._note_first_frame)

    def _note_first_frame(self) -> None:
        if self.first_frame is None:
            self.first_frame = screen_lines(self)


PATIENT = 5.0
"""The first frame's wait in the start-up tests (the board's own is 1 s), so that a
machine that keeps the board off the CPU, or a full collection of a test worker's heap
(0.3-0.8 s), cannot make a first answer late for it. The length of the wait is not what
the tests of the first frame claim; that it waits is."""


class FirstFrameApp(OncallApp):
    DASHBOARD = FirstFrameBoard
    FIRST_FRAME_WAIT = PATIENT
