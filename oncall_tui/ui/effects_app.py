"""The app's ways of telling and of reaching outside: notices shown on the current
screen's notice line, the runbook copied (OSC 52) or opened in a browser, a
screenshot written. Each side effect asks the read-only gate first (`ActionApp`)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.notifications import SeverityLevel

from oncall_tui.core.gate import Effect, declares
from oncall_tui.ui.action_app import ActionApp
from oncall_tui.ui.widgets.notice_line import NoticeLine


class Noticed(Message):
    """A notification to show on the current screen's notice line, if it has one."""

    def __init__(self, text: str, severity: str, timeout: float) -> None:
        super().__init__()
        self.text = text
        self.severity = severity
        self.timeout = timeout


class EffectsApp(ActionApp):
    """Notices and the side effects every screen offers (the runbook's `c` and `o`,
    the palette's screenshot)."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, kept as Textual keeps it; on a screen with a notice line it
        shows there instead of in a toast over the panels (see NoticeLine)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        words = str(message)
        if markup:
            with contextlib.suppress(Exception):
                words = Text.from_markup(words).plain
        if title:
            words = f"{title}: {words}"
        # A message, as Textual's own notify: thread-safe, shown in the app's loop.
        self.post_message(Noticed(words, severity, timeout or self.NOTIFICATION_TIMEOUT))

    def on_noticed(self, message: Noticed) -> None:
        if not self.screen_stack:
            return  # starting or quitting: Textual keeps the notification for later
        notices = getattr(self.screen, "notices", None)
        # Not yet mounted (the app's on_mount notifies before the first screen's
        # widgets are): the line shows it once it is, instead of it being lost.
        if isinstance(notices, NoticeLine):
            notices.show(message.text, message.severity, message.timeout)

    def copy_runbook(self, text: str, name: str) -> None:
        """`c`: the runbook to the clipboard over OSC 52 (works over SSH and in tmux with
        set-clipboard on); allowed in read-only, it changes nothing outside the viewer
        (the gate refuses it on the wallboard only)."""
        if not self.side_effect_allowed("copying the runbook", Effect.CLIPBOARD):
            return
        self.copy_to_clipboard(text)
        size = f" ({len(text.encode())} bytes)" if len(text) > 200 else ""
        self.notify(f"copied runbook {name}{size} to the clipboard (OSC 52)", markup=False)

    def open_runbook_link(self, url: str) -> None:
        """`o`: a runbook link in the browser, where one exists; otherwise say so."""
        if not self.side_effect_allowed("opening a browser", Effect.BROWSER):
            return
        # Here, not at the top: the runbook view brings Markdown, which the board's
        # start-up does not need.
        from oncall_tui.ui.widgets.runbook_view import browser_problem

        problem = "" if self.is_web else browser_problem()
        if problem:
            self.notify(f"{problem}; press c to copy the link", severity="warning", markup=False)
            return
        self.open_url(url)
        self.notify("opening the runbook in the browser", markup=False)

    @declares(Effect.FILE)
    def action_save_screenshot(self) -> None:
        """The palette's Screenshot: an SVG in the current folder, saying where."""
        if not self.side_effect_allowed("saving a screenshot", Effect.FILE):
            return
        try:
            path = self.save_screenshot(path=str(Path.cwd()))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.notify(f"screenshot not saved: {reason}", severity="error", markup=False)
            return
        if path:
            self.notify(f"screenshot saved: {path}", markup=False)
