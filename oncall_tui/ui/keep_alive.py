"""One guard for the callbacks Textual calls on the app's behalf.

An exception escaping a timer callback, a store listener or a message handler ends the
whole app: at 3 a.m. a bug in drawing one line must cost that line, not the board. A
method decorated with `keep_alive("what it does")` logs the failure with its traceback
(the log says what was being done), counts it where the owner keeps a count of its
failures (`count="errors"`; tests read it), and returns None; the next tick tries
again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

log = logging.getLogger("oncall_tui.ui")

Owner = TypeVar("Owner")
P = ParamSpec("P")
R = TypeVar("R")


def keep_alive(
    what: str, *, count: str | None = None
) -> Callable[[Callable[Concatenate[Owner, P], R]], Callable[Concatenate[Owner, P], R | None]]:
    """Guard a method: on an exception, log "`what` failed" (formatted with the owner
    as `self`, e.g. "refreshing the detail of {self.key}"), add one to the owner's
    counter named by `count` (a dotted path: "updates.errors"), and return None."""

    def decorate(
        method: Callable[Concatenate[Owner, P], R],
    ) -> Callable[Concatenate[Owner, P], R | None]:
        def guarded(self: Owner, *args: P.args, **kwargs: P.kwargs) -> R | None:
            try:
                return method(self, *args, **kwargs)
            except Exception:
                _report(self, what, count)
                return None

        return cast(Callable[Concatenate[Owner, P], R | None], functools.wraps(method)(guarded))

    return decorate


def _report(owner: Any, what: str, count: str | None) -> None:
    try:
        said = what.format(self=owner)
    except Exception:  # a template naming what the owner lacks still gets reported
        said = what
    if count is not None:
        *path, name = count.split(".")
        holder = owner
        for step in path:
            holder = getattr(holder, step)
        setattr(holder, name, getattr(holder, name) + 1)
    log.exception("%s failed", said)
