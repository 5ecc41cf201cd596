"""The probable-cause line under the header: which failing component explains the rest.

It is computed by the headless triage (core/triage/causes.py) from the same store the panels
show, at most once a second and only when the store changed, and worded by the same
function `check --format text` uses, shortened at word boundaries to the width, then
the other causes named as far as the width allows (`· also sms-otp warning`) and the
count of those that are not (`(+1)`, always kept). `C` or a click drills into the first
cause's worst signal, `C` again into the next cause's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.core.present.triage_text import causes_text, clock
from oncall_tui.core.signals.model import Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Cause, Diagnosis, store_diagnosis
from oncall_tui.core.triage.topology import Topology
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.widgets.line_diff import changed_cells, dirty_line

log = logging.getLogger(__name__)

LABEL = "LIKELY CAUSE"
NOTICE = "NOTICE"
MIN_INTERVAL = 1.0
"""Seconds between two diagnoses: triage is one pass over the store, cheap but not free
on a board of thousands, and a cause does not need sub-second news."""


class CauseLine(Static):
    """One line naming the most probable cause; hidden while nothing is failing."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "cause-line--label",
        "cause-line--label-warning",
        "cause-line--text",
    }

    class Selected(Message):
        """The user asked to drill into the cause: `key` is its worst signal."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self,
        store: SignalStore,
        *,
        topology: Mapping[str, Iterable[str]] | None,
        change_window: float,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.store = store
        self.topology = Topology(topology or {})
        self.change_window = change_window
        self.clock = clock
        self.diagnosis = Diagnosis()
        self._version = -1
        self._last = float("-inf")
        self._text = ""
        self._status: Status | None = None
        self._line = Text()

    @property
    def cause(self) -> Cause | None:
        return self.diagnosis.cause

    @keep_alive("naming the probable cause")
    def refresh_cause(self, *, force: bool = False) -> None:
        """Re-diagnose when the store changed (at most once a second unless `force`);
        never raises: a triage bug must not take the board down."""
        now = self.clock()
        if not force and (self.store.version == self._version or now - self._last < MIN_INTERVAL):
            return
        self._version, self._last = self.store.version, now
        self.diagnosis = store_diagnosis(self.store, self.topology, self.change_window)
        self._show(now)

    def _show(self, now: float) -> None:
        cause = self.cause
        if cause is None:
            self._notice(now)
            return
        width = max(20, self._content_width() - 2)
        line = causes_text(
            self.diagnosis.causes, now=now, width=width - len(LABEL) - 2, window=self.change_window
        )
        if (line, cause.status) == (self._text, self._status) and self.display:
            return
        same_style = cause.status == self._status and self.display
        self._text, self._status = line, cause.status
        # A warning cause is labelled in the warning colour: red on a board with no
        # critical would outshout the header that says WARNING.
        label = (
            "cause-line--label-warning" if cause.status is Status.WARNING else "cause-line--label"
        )
        text = Text()
        text.append(LABEL, self.get_component_rich_style(label))
        text.append("  ")
        text.append(line, self.get_component_rich_style("cause-line--text"))
        extent = changed_cells(self._line.plain, text.plain) if same_style else None
        self._line = text
        # Its size never depends on the text (one line, the screen's width): only
        # showing it is a layout pass. The duration in it moves every second: then only
        # the cells up to the last changed one are repainted (Textual writes a dirty
        # region from the widget's left edge), not the whole line.
        if extent is None or not self.display:
            self.refresh(layout=not self.display)
        elif (region := dirty_line(0, self.size.width, extent)) is not None:
            self.refresh(region)
        self.display = True

    def _content_width(self) -> int:
        """Cells inside the line's padding. Hidden until there is a cause, it has no
        size when it is first worded: then it gets its container's width, which it fills
        (80 assumed was 4 cells too many on an 80-column board: the last words, a
        change's "before", wrapped out of sight until a resize worded the line again)."""
        if self.size.width:
            return self.size.width
        container = self.parent.size.width if isinstance(self.parent, Widget) else 0
        return container - self.styles.gutter.width if container else 80

    def _notice(self, now: float) -> None:
        """With nothing failing, the line carries the config's announcements about no
        component in particular (`[[notices]]` without `component`), if any."""
        general = self.store.maintenance.general(now)
        if not general:
            self.display = False
            self._text = ""
            return
        line = " · ".join(f"{n.text} (until {clock(n.until, now)})" if n.until else n.text
                          for n in general)  # fmt: skip
        if line == self._text and self.display:
            return
        self._text, self._status = line, Status.OK
        text = Text()
        text.append(NOTICE, self.get_component_rich_style("cause-line--label-warning"))
        text.append("  ")
        text.append(line, self.get_component_rich_style("cause-line--text"))
        self._line = text
        self.refresh(layout=not self.display)
        self.display = True

    def render(self) -> RenderResult:
        return self._line

    @property
    def plain(self) -> str:
        """The line as plain text (for tests)."""
        return self._line.plain if self._text else ""

    def on_resize(self, event: events.Resize) -> None:
        if self.cause is not None:
            self._show(self.clock())

    def on_click(self, event: events.Click) -> None:
        self.drill()

    def drill(self) -> bool:
        """Post `Selected` for the next cause's worst signal; False when there is none."""
        key = self.next_key()
        if key is None:
            return False
        self.post_message(self.Selected(key))
        return True

    _turn: tuple[tuple[str, ...], int] | None = None
    """The causes when last drilled into, and which of them: `C` again goes on."""

    def next_key(self) -> str | None:
        """The worst signal of the cause to drill into: the first one, then (asked again
        while the causes are the same) the next, round; None when nothing fails."""
        causes = [cause for cause in self.diagnosis.causes if cause.signals]
        if not causes:
            return None
        names = tuple(cause.component for cause in causes)
        index = 0
        if self._turn is not None and self._turn[0] == names:
            index = (self._turn[1] + 1) % len(causes)
        self._turn = (names, index)
        return causes[index].signals[0]

    def restart(self) -> None:
        """The next drill goes to the first cause again (`w`: back to the worst)."""
        self._turn = None
