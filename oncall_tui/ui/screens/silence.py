"""The silence form (`s`): which alert, for how long, why, and who says so.

Only gathers and checks what the user typed; creating the silence (after a confirm
step) is the app's, through the engine's action dispatcher (ui/silencing.py). Alert
names come from sources, so every choice is a `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from oncall_tui.core.config.durations import format_duration, parse_duration

DEFAULT_DURATION = "1h"


@dataclass(frozen=True, slots=True)
class SilenceDraft:
    """What the form gathered, checked."""

    alert_key: str
    duration: str
    seconds: float
    comment: str
    author: str


def check(duration: str, comment: str, author: str) -> tuple[float, str]:
    """Seconds of `duration` and "", or 0 and what is wrong (the first problem)."""
    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        return 0.0, f"duration: {exc}"
    if seconds <= 0:
        return 0.0, "duration: must be longer than 0s"
    if not comment.strip():
        return 0.0, "comment: required (why is this alert silenced?)"
    if not author.strip():
        return 0.0, "author: required (who silences it?)"
    return seconds, ""


class SilenceForm(ModalScreen[SilenceDraft | None]):
    """Duration (default 1h), comment (required), author (default $USER)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        alerts: Sequence[tuple[str, Text]],
        *,
        author: str,
        duration: str = DEFAULT_DURATION,
    ) -> None:
        """`alerts`: (signal key, name) of each alert this silence could be for, the
        most likely first."""
        super().__init__(name="silence-form")
        if not alerts:
            raise ValueError("a silence needs an alert")
        self.alerts = list(alerts)
        self.author = author
        self.duration = duration

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Silence an alert"), id="silence-title")
            if len(self.alerts) == 1:
                yield Static(self.alerts[0][1], id="silence-alert")
            else:
                yield Select(
                    [(name, key) for key, name in self.alerts],
                    allow_blank=False,
                    value=self.alerts[0][0],
                    id="silence-alert",
                )
            yield Label("Duration (e.g. 30m, 1h, 2h30m)")
            yield Input(self.duration, id="silence-duration")
            yield Label("Comment (required)")
            yield Input(placeholder="why is this alert silenced?", id="silence-comment")
            yield Label("Author")
            yield Input(self.author, id="silence-author")
            yield Static("", id="silence-problem")
            with Horizontal():
                yield Button("Silence…", id="silence-submit", variant="warning")
                yield Button("Cancel", id="silence-cancel")

    def on_mount(self) -> None:
        self.query_one("#silence-comment", Input).focus()

    @property
    def alert_key(self) -> str:
        if len(self.alerts) == 1:
            return self.alerts[0][0]
        value = self.query_one("#silence-alert", Select).value
        return value if isinstance(value, str) else self.alerts[0][0]

    def submit(self) -> None:
        duration = self.query_one("#silence-duration", Input).value.strip()
        comment = " ".join(self.query_one("#silence-comment", Input).value.split())
        author = self.query_one("#silence-author", Input).value.strip()
        seconds, problem = check(duration, comment, author)
        shown = self.query_one("#silence-problem", Static)
        if problem:
            shown.update(Text(problem))
            return
        shown.update(Text(f"for {format_duration(seconds)}"))
        self.dismiss(SilenceDraft(self.alert_key, duration, seconds, comment, author))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "silence-submit":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
