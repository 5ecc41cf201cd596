"""Textual's Linux driver, made to leave: on a dead stdin, on SIGTERM/SIGHUP/SIGINT.

Textual 8.2.8 reads stdin in a thread that treats an empty read as "nothing yet", so
at end of file (the SSH client left, the pty master closed) it spins at 100% CPU
forever, and nothing ends the app (Textualize/textual PR #6690 stops the spin but
keeps the app running, with nobody left to see it). A signal kills the process
without Textual's restore, leaving the alternate screen, mouse tracking and a hidden
cursor behind. Here:

- the input loop takes an empty read or a read error for what it is, the terminal
  gone, and ends the app with `EXIT_HANGUP` and one line on stderr;
- SIGTERM, SIGHUP and SIGINT (unless ignored on entry, as `nohup` does) end the app
  the orderly way (screens and engine closed, the terminal restored by the driver)
  with 128 + the signal number;
- once leaving was asked for, a watchdog bounds it: if the orderly way has not ended
  the process within `EXIT_DEADLINE` (a writer blocked on a terminal nobody reads, a
  plugin that will not close), it restores the terminal itself and exits; a second
  signal does the same at once;
- writes to a terminal that went away are dropped instead of killing Textual's
  writer thread (whose queue would then fill and block the app on its next frame).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import select
import signal
import sys
import termios
import threading
from types import FrameType
from typing import IO, Any

from textual import events
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size

from oncall_tui.core.sources.courtesy import screen_needs_cpu
from oncall_tui.ui.terminal import EXIT_HANGUP, RESTORE
from oncall_tui.ui.textual_compat import (
    driver_exit_app,
    driver_job_control,
    driver_writing,
    set_driver_output,
    xterm_parser,
)

EXIT_DEADLINE = 1.2
"""Seconds from a signal (or a dead stdin) to the process being gone, at the latest.
The on-call contract is 2 s; the rest is room for a loaded machine. The orderly way
(terminal restored, then the engine closing its plugins) takes 0.1-0.7 s."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

KITTY_POP = "\x1b[<u"
"""Pops the keyboard mode Textual pushes; only the emergency exit writes it (see RESTORE)."""

TERMINAL_GONE = "oncall-tui: the terminal went away (stdin reached end of file); exiting"

_POLL_MS = 100
"""How often the input loop looks at its exit flag and lets the parser time out a lone ESC."""
_ESC_POLL_MS = 10
"""How often while a lone ESC waits to be told from the start of a longer key."""


class _TerminalOutput:
    """The stream Textual's writer thread writes to, minus the exceptions.

    After a hang-up every write raises EIO; in the writer thread that ends the thread,
    and the app's next frame then blocks forever on the writer's full queue. Once a
    write fails the terminal is gone, so the rest are dropped.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except (OSError, ValueError):
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self.gone = True

    def fileno(self) -> int:
        return self._stream.fileno()


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver with an input loop that notices EOF, signal handling and
    a bounded way out. Chosen by `OncallApp.get_driver_class`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._output = _TerminalOutput(sys.__stderr__ or sys.stderr)
        set_driver_output(self, self._output)
        self._previous_handlers: dict[int, Any] = {}
        self._leaving = False
        self._signalled = False
        self._farewell: str | None = None
        self._in_application_mode = False
        self._suspended = False
        self._loop_signals: set[int] = set()

    # -- application mode -----------------------------------------------------------

    def start_application_mode(self) -> None:
        # Handlers first: a signal while the screen is being set up is handled too.
        if not self._previous_handlers:
            for signum in STOP_SIGNALS:
                # Ignored on entry stays ignored (`nohup oncall-tui`: the user asked to
                # outlive the hang-up; the input loop still ends the app at EOF).
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
        self._in_application_mode = True
        self._job_control_in_loop()
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def _job_control_in_loop(self) -> None:
        """Suspend on SIGTSTP and resume on SIGCONT from the event loop, between two
        of its callbacks. Textual runs both as plain signal handlers: Python runs one
        in the main thread between any two bytecodes, and a SIGTSTP that came while a
        frame was being queued for the writer thread (inside the queue's lock) queued
        the suspend's own writes behind that same lock: the app hung, never stopped,
        its terminal never handed back (once in ~80 stops under load)."""
        with contextlib.suppress(RuntimeError, ValueError):  # not the main thread
            loop = asyncio.get_running_loop()
            for signum, handler in zip(
                (signal.SIGTSTP, signal.SIGCONT), driver_job_control(self), strict=True
            ):
                loop.add_signal_handler(signum, handler)
                self._loop_signals.add(signum)

    def stop_application_mode(self) -> None:
        super().stop_application_mode()
        self._in_application_mode = False
        self.write(RESTORE)
        self.flush()

    def close(self) -> None:
        # The last bytes of the session: the app's shutdown still wrote some after
        # stop_application_mode (mouse off again, the pointer shape).
        if driver_writing(self):
            self.write(RESTORE)
            if self._farewell is not None:
                self.write(self._farewell + "\n")
        super().close()
        # The terminal is restored and the app closed: a signal from here on may end
        # the process the default way.
        for signum, handler in self._previous_handlers.items():
            with contextlib.suppress(ValueError, TypeError):  # not the main thread
                signal.signal(signum, handler)
        self._previous_handlers.clear()
        if not self._suspended:  # a suspend closes too, and its SIGCONT must resume
            with contextlib.suppress(RuntimeError, ValueError):  # the loop is closed
                for signum in self._loop_signals:
                    asyncio.get_running_loop().remove_signal_handler(signum)
            self._loop_signals.clear()

    # -- leaving --------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        code = 128 + signum
        if self._signalled:
            # Asked twice: whatever holds up the orderly way, stop waiting for it. (Not
            # after an end of file: a hang-up brings its EOF and its SIGHUP together.)
            self._force_exit(code)
        self._signalled = True
        self._leave(code)

    def suspend_application_mode(self) -> None:
        self._suspended = True
        super().suspend_application_mode()

    def resume_application_mode(self) -> None:
        """Resume only what was suspended.

        Textual resumes on every SIGCONT. After ctrl+z (SIGTSTP, which it handles by
        suspending first) that is right; after a SIGSTOP, which no process can catch,
        nothing was suspended, and starting application mode again on top of the
        running one started a second key-reading thread (every other key went to a
        parser nobody drained: ctrl+q needed two presses) and pushed the kitty keyboard
        mode a second time, which the exit popped once. A continued process only
        repaints, since whatever ran on the terminal meanwhile drew over the board.
        A hang-up sends SIGCONT along with SIGHUP: once leaving, nothing resumes.
        """
        if self._leaving:
            return
        if self._suspended:
            self._suspended = False
            super().resume_application_mode()
            return
        with contextlib.suppress(OSError, RuntimeError):  # no terminal size; loop closed
            width, height = os.get_terminal_size(self._output.fileno())
            size = Size(width, height)
            self.send_message(events.Resize(size, size))

    def _leave(self, code: int, farewell: str | None = None) -> None:
        """End the app with `code`, within EXIT_DEADLINE. Safe from any thread."""
        if self._leaving:
            return
        self._leaving = True
        self._farewell = farewell
        watchdog = threading.Timer(EXIT_DEADLINE, self._force_exit, (code,))
        watchdog.daemon = True
        watchdog.name = "oncall-exit-deadline"
        watchdog.start()
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            driver_exit_app(self, code)

    def _force_exit(self, code: int) -> None:
        """The orderly way out is stuck: restore the terminal from here and go."""
        with contextlib.suppress(Exception):
            self._restore_directly()
        os._exit(code)

    def _restore_directly(self) -> None:
        """Write RESTORE past Textual's writer thread, which may be the thing stuck.

        A descriptor of our own, non-blocking, so a terminal that takes no more output
        cannot hold up the exit (setting O_NONBLOCK on stderr itself would change it
        for the shell that shares it too).
        """
        text = (KITTY_POP if self._in_application_mode else "") + RESTORE
        if self._farewell is not None:
            text += self._farewell + "\n"
        fd = os.open(os.ttyname(self._output.fileno()), os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
        if self.attrs_before is not None:
            termios.tcsetattr(self.fileno, termios.TCSANOW, self.attrs_before)

    # -- input ----------------------------------------------------------------------

    def run_input_thread(self) -> None:
        """Read keys until the app stops us or the terminal goes away.

        An empty read means end of file: on a terminal only a hang-up gives one, on a
        pipe or /dev/null it is final too. Every read error but an interrupted or
        would-block one (EIO after the pty master closed, EBADF) means the same.
        """
        parser = xterm_parser(self)
        decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        poller = select.poll()  # epoll refuses /dev/null; poll takes any descriptor
        poller.register(self.fileno, select.POLLIN | select.POLLPRI)
        wait = _POLL_MS
        while not self.exit_event.is_set():
            if poller.poll(wait):
                try:
                    data = os.read(self.fileno, 4096)
                except (InterruptedError, BlockingIOError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._leave(EXIT_HANGUP, TERMINAL_GONE)
                    return
                screen_needs_cpu()  # a source's thread gives way until it is answered
                text = decode(data)
                for event in parser.feed(text):
                    self.process_message(event)
                # A lone ESC is Esc once Textual's escape delay has passed with nothing
                # after it: looked at again a whole poll later, every Esc (closing a
                # detail, clearing a filter) waited up to 100 ms more than that delay.
                wait = _ESC_POLL_MS if text.endswith("\x1b") else _POLL_MS
            for event in parser.tick():
                self.process_message(event)
                wait = _POLL_MS


def terminal_driver(chosen: type[Driver]) -> type[Driver]:
    """Our driver where Textual chose its stock Linux driver; any other one unchanged
    (a driver named in TEXTUAL_DRIVER, Windows')."""
    if sys.platform == "win32" or chosen is not LinuxDriver:
        return chosen
    return TerminalDriver
