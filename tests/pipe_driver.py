"""The real terminal driver's input loop reading a pipe, on its own thread: what it
hands the app, and what it asks of `poll` or of the rest of the process meanwhile."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from textual import events
from textual.app import App

from oncall_tui.ui.driver import TerminalDriver


@contextmanager
def driver_on_a_pipe() -> Iterator[tuple[int, list[events.Event]]]:
    """Yields the pipe's writing end and the events the driver handed over so far.
    Needs a running event loop (Textual's driver asks for one)."""
    reading, writing = os.pipe()
    driver = TerminalDriver(App())
    driver.fileno = reading
    got: list[events.Event] = []
    driver.process_message = got.append  # type: ignore[method-assign]
    loop = threading.Thread(target=driver.run_input_thread, daemon=True)
    loop.start()
    try:
        yield writing, got
    finally:
        driver.exit_event.set()
        os.write(writing, b"x")  # wakes the loop, which sees the exit flag
        loop.join(5)
        os.close(writing)
        os.close(reading)


def keys(got: list[events.Event]) -> list[str]:
    return [event.key for event in got if isinstance(event, events.Key)]
