"""What the dashboard needs from the terminal it runs on, and what it owes it back.

A dashboard started without a terminal (cron, `</dev/null`, `ssh host oncall-tui`
without `-t`, piped into `less`) has nobody to show anything to, so it refuses at launch
with one line that points to `check`. One whose terminal goes away later, or that is
told to stop by a signal, leaves promptly and hands the terminal back the way the
shell expects it (`driver.py` does that). This module imports no termios: it is safe
to import anywhere (Textual included: the launch check runs before Textual is
imported), and it picks the POSIX driver only where Textual would have used its stock
Linux one.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

EXIT_NO_TERMINAL = 2
"""A dashboard started where no terminal is attached: a usage error, like a bad config."""
DUMB_TERMINALS = frozenset({"dumb", "unknown"})
"""TERM values that say the terminal cannot move its cursor (Emacs' shell buffer, a
serial console set up by hand, `TERM=dumb` in a script). Rich treats both as "not a
terminal" and Textual then repaints without end: at 80x25 this dashboard spun a core
and wrote ~100-500 KB/s, and ctrl+q went unread. A screen that cannot be addressed
cannot hold a board, so the launch refuses it the way it refuses a pipe."""
EXIT_HANGUP = 128 + 1
"""The terminal went away (SIGHUP, or its input ended): what a shell reports for SIGHUP."""

RESTORE = (
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"  # every mouse mode off
    "\x1b[?1004l"  # focus events off
    "\x1b[?2004l"  # bracketed paste off
    "\x1b[?2048l"  # in-band resize reports off
    "\x1b[?7h"  # autowrap on
    "\x1b[?1049l"  # back to the main screen
    "\x1b[?25h"  # cursor shown
)
"""The modes any full-screen program may leave switched, set the way a shell expects.

Each is idempotent, so it is written again after Textual's own restore: the last
bytes a session writes always put the terminal back, whatever ran before them. The
kitty keyboard protocol is not in it: popping it is not idempotent (a second pop takes
an entry that is not ours), so only the emergency exit pops it, and only while ours is
still pushed.
"""


def missing_terminal() -> str | None:
    """Why the dashboard cannot run here, as one line for stderr; None when it can.

    Textual draws on stderr, sizes the screen from stdout and reads keys from stdin,
    so all three must be the terminal. A driver chosen through TEXTUAL_DRIVER (the
    browser driver `serve` starts the dashboard with) talks over pipes by design and
    is left alone.
    """
    if os.environ.get("TEXTUAL_DRIVER"):  # read as Textual does; importing it costs 0.5 s
        return None
    streams: tuple[tuple[str, TextIO | None], ...] = (
        ("stdin", sys.__stdin__),
        ("stdout", sys.__stdout__),
        ("stderr", sys.__stderr__),
    )
    for name, stream in streams:
        if not _is_terminal(stream):
            return (
                f"oncall-tui: the dashboard needs a terminal, but {name} is not one; "
                "for a one-shot report use `oncall-tui check`"
            )
    term = os.environ.get("TERM", "")
    if term.strip().lower() in DUMB_TERMINALS:
        return (
            f"oncall-tui: the dashboard needs a terminal that can move its cursor, but "
            f"TERM={term.strip().lower()} says this one cannot; set TERM to your terminal's "
            "type (xterm-256color fits most), or for a one-shot report use `oncall-tui check`"
        )
    return None


def _is_terminal(stream: TextIO | None) -> bool:
    if stream is None:
        return False
    try:
        return os.isatty(stream.fileno())
    except (OSError, ValueError):  # closed, or a stand-in without a descriptor
        return False


def release_streams() -> None:
    """Flush stdout and stderr now, and point any that cannot be flushed at /dev/null.

    After the terminal went away, text still buffered in them (a partial line) fails
    to flush at interpreter exit, and Python then ends with exit 120 whatever the app
    returned: a hang-up would read as a crash instead of 129. Called once the app is
    over, just before the exit code is returned.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(devnull, stream.fileno())
                finally:
                    os.close(devnull)
                stream.flush()  # the buffered text goes nowhere, and is gone
            except (OSError, ValueError):
                pass
