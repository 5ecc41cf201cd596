"""The notice line: one row under the cause line where notices appear (k9s's flash line).

A toast floats over the panels at the very moment they matter and clips the values
under it (`0.▌`); this line has its own row, so a notice never covers a row of data.
The row is there whether or not a notice shows: the panels start on the same row in
calm and in an incident. Notices come from `App.notify` (the app routes them here on
screens that have a notice line); the text is never parsed as markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import RenderResult
from textual.timer import Timer
from textual.widgets import Static

from oncall_tui.core.present.words import symbols
from oncall_tui.core.signals.model import Status

SEVERITY_STYLE = {
    "error": "notice-line--error",
    "warning": "notice-line--warning",
    "information": "notice-line--information",
}


class NoticeLine(Static):
    """The newest notice, for its timeout; blank in between."""

    # One row: a notice too long for it is cut with an ellipsis, never wrapped (a
    # wrapped notice leaves its first words alone on the row, e.g. "Theme not loaded:"
    # with the path that says which theme on the hidden second line).
    DEFAULT_CSS = """
    NoticeLine {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "notice-line--error",
        "notice-line--warning",
        "notice-line--information",
        "notice-line--muted",
    }

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.clock = clock
        self.text = ""
        """The notice shown now, plain ("" when none): for tests and the help."""
        self._severity = "information"
        self._at = 0.0
        self._timer: Timer | None = None
        self._pending: float | None = None
        """The timeout of a notice given before the line was mounted (the app's own
        notices from its on_mount, such as a theme not loaded): shown once it is."""

    def show(self, message: str, severity: str = "information", timeout: float = 5.0) -> None:
        """Show `message` (one line: newlines become spaces) for `timeout` seconds; given
        before the line is mounted, from when it is."""
        self.text = " ".join(str(message).split())
        self._severity = severity if severity in SEVERITY_STYLE else "information"
        self._at = self.clock()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.is_mounted:
            self._pending = timeout
            return
        if not self.is_attached:
            return  # removed with its screen
        self._timer = self.set_timer(max(0.5, timeout), self.clear, name="notice-line")
        self.refresh()

    def on_mount(self) -> None:
        if self._pending is not None and self.text:
            timeout, self._pending = self._pending, None
            self._timer = self.set_timer(max(0.5, timeout), self.clear, name="notice-line")
            self.refresh()

    def clear(self) -> None:
        self.text = ""
        self._timer = None
        self.refresh()

    def render(self) -> RenderResult:
        line = Text(no_wrap=True, overflow="ellipsis")
        if not self.text:
            return line
        stamp = time.strftime("%H:%M:%S ", time.localtime(self._at))
        glyph = symbols().glyph
        mark = {"error": glyph[Status.CRITICAL], "warning": glyph[Status.WARNING]}.get(
            self._severity, ""
        )
        line.append(stamp, self.get_component_rich_style("notice-line--muted"))
        style = self.get_component_rich_style(SEVERITY_STYLE[self._severity])
        line.append(f"{mark} {self.text}" if mark else self.text, style)
        return line
