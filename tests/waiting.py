"""Waiting for a condition instead of sleeping a fixed time.

A fixed sleep is either too long (the suite is slow on a fast machine) or too short (it
flakes on a loaded one: the suite shares two cores with other work). Polling with a
generous deadline is fast when the condition comes quickly, still correct when it comes
late, and says what was awaited when it never comes.

A test keeps a fixed sleep only where time passing is itself what it tests, with a
comment saying so.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

if TYPE_CHECKING:
    from textual.pilot import Pilot

T = TypeVar("T")

TIMEOUT = 30.0
"""Seconds before giving up: far beyond any healthy wait, so only a real hang fails."""

_FIRST_STEP = 0.005
_MAX_STEP = 0.1


def wait_until(
    predicate: Callable[[], T],
    timeout: float = TIMEOUT,
    *,
    what: str = "the condition",
    ignore: tuple[type[Exception], ...] = (),
) -> T:
    """Poll `predicate` until it returns something truthy, and return that.

    Exceptions of the `ignore` types count as "not yet" (a server still starting);
    after `timeout` seconds the test fails, naming `what` and the last such error.
    """
    deadline = time.monotonic() + timeout
    step = _FIRST_STEP
    while True:
        value, error = _probe(predicate, ignore)
        if value:
            return value
        if time.monotonic() > deadline:
            _fail(timeout, what, error)
        time.sleep(step)
        step = min(step * 2, _MAX_STEP)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = TIMEOUT,  # noqa: ASYNC109 - a deadline for polling, not an awaitable
    *,
    what: str = "the condition",
    ignore: tuple[type[Exception], ...] = (),
    step: Callable[[], Awaitable[object]] | None = None,
) -> T:
    """`wait_until` for a coroutine: the loop runs between polls, and the predicate
    may be a coroutine function (one that collects, or asks a browser).

    `step` is awaited between polls (default: a short, growing `asyncio.sleep`).
    """
    deadline = time.monotonic() + timeout
    delay = _FIRST_STEP
    while True:
        error: Exception | None = None
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
        except ignore as exc:
            value, error = None, exc
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            _fail(timeout, what, error)
        if step is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_STEP)
        else:
            await step()


async def pilot_until(
    pilot: Pilot[Any],
    predicate: Callable[[], T],
    timeout: float = TIMEOUT,  # noqa: ASYNC109 - a deadline for polling, not an awaitable
    *,
    what: str = "the condition",
) -> T:
    """`wait_until_async` in a Textual test: between polls the app handles its
    messages and repaints (`pilot.pause`), so the predicate sees its effects."""
    return await wait_until_async(
        predicate, timeout, what=what, step=lambda: pilot.pause(_MAX_STEP / 2)
    )


def _probe(
    predicate: Callable[[], T], ignore: tuple[type[Exception], ...]
) -> tuple[T | None, Exception | None]:
    try:
        return predicate(), None
    except ignore as exc:
        return None, exc


class WaitTimeout(AssertionError):
    """The awaited condition never came. An AssertionError, not pytest's `Failed` (a
    BaseException): raised inside a Textual app under test, it ends the app and fails
    the test instead of hanging it."""


def _fail(timeout: float, what: str, error: Exception | None) -> NoReturn:
    message = f"timed out after {timeout:g}s waiting for {what}"
    if error is not None:
        message += f" (last error: {type(error).__name__}: {error})"
    raise WaitTimeout(message)
