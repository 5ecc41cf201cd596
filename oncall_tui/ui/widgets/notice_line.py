"""The notice line: one row under the cause line where notices appear (k9s's flash line).

A toast floats over the panels at the very moment they matter and clips the values
under it (`0.▌`); this line has its own row, so a notice never covers a row of data.
The row is there whether or not a notice shows: the panels start on the same row in
calm and in an incident. Notices come from `App.notify` (the app routes them here on
screens that have a notice line); the text is never parsed as markup.

Notices do not replace each other unseen: the newest shows at once, and one it displaces
before its time waits its turn (`(+1)` after the time says how many wait), so several
start-up notices (two theme files not loaded) are each read in turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
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


MAX_WAITING = 10
"""Most notices waiting their turn; beyond it the oldest are dropped (a flood of
notices is in the event timeline, the line is for the latest few)."""


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    severity: str
    at: float
    timeout: float


class NoticeLine(Static):
    """The newest notice, for its timeout, then those it displaced, newest first;
    blank in between."""

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
        self._timeout = 0.0
        self.waiting: list[Notice] = []
        """Notices displaced before their time, oldest first: shown after this one."""
        self._timer: Timer | None = None
        self._pending: float | None = None
        """The timeout of a notice given before the line was mounted (the app's own
        notices from its on_mount, such as a theme not loaded): shown once it is."""

    def show(self, message: str, severity: str = "information", timeout: float = 5.0) -> None:
        """Show `message` (one line: newlines become spaces) for `timeout` seconds; given
        before the line is mounted, from when it is. A notice shown now goes back to
        wait its turn (the same words are not said twice)."""
        text = " ".join(str(message).split())
        if self.text and self.text != text:
            self._wait(Notice(self.text, self._severity, self._at, self._timeout))
        self.waiting = [notice for notice in self.waiting if notice.text != text]
        self._present(Notice(text, severity, self.clock(), timeout))

    def _wait(self, notice: Notice) -> None:
        self.waiting = [n for n in self.waiting if n.text != notice.text][-(MAX_WAITING - 1) :]
        self.waiting.append(notice)

    def _present(self, notice: Notice) -> None:
        self.text = notice.text
        self._severity = notice.severity if notice.severity in SEVERITY_STYLE else "information"
        self._at = notice.at
        self._timeout = timeout = notice.timeout
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
        """The shown notice's time is up: the next waiting one, if any, else blank."""
        self._timer = None
        if self.waiting:
            self._present(self.waiting.pop())
            return
        self.text = ""
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
        if self.waiting:  # before the text: a long notice is cut at its end
            line.append(
                f"(+{len(self.waiting)}) ", self.get_component_rich_style("notice-line--muted")
            )
        style = self.get_component_rich_style(SEVERITY_STYLE[self._severity])
        line.append(f"{mark} {self.text}" if mark else self.text, style)
        return line
