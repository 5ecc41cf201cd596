"""The clock tests move by hand: handed to whatever takes a `clock` callable (a
store, a plugin's context, the app), so time passes only when a test sets `now`."""

from __future__ import annotations


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
