"""The read-only gate: the one place that decides whether something may change the world.

Everything a user can set off — a key, a palette command, a mouse click, a link in the
text, a screenshot, a file written, a browser opened, a plugin's own action (creating a
silence) — has an `Effect`. `ActionGate` is the one judge of effects: in read-only
mode it refuses every effect outside the process and says why in words the UI shows;
on the wallboard it refuses the viewer's clipboard too (keys do nothing there). The
gate's read-only mode is a latch: it can be switched on, never off, so neither the
config, nor a key, nor the palette can undo `--read-only`.

The UI asks the gate before running any of its own actions; the sinks themselves (file
writes, the browser, the HTTP client) ask it again, so a path that skips the dispatcher
(`core/sources/dispatch.py`) still cannot write. `ReadOnlyError` is how a sink refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from oncall_tui.core.sources.errors import SourceError

F = TypeVar("F", bound=Callable[..., Any])


class Effect(StrEnum):
    """What an action touches beyond the screen."""

    NONE = "none"
    """Inside the process only: navigation, filter, pause, refresh, reading a source."""
    CLIPBOARD = "clipboard"
    """The viewer's own clipboard (OSC 52): changes nothing anyone else sees."""
    FILE = "file"
    """Writes a file (a screenshot, a saved text)."""
    BROWSER = "browser"
    """Starts a browser."""
    REMOTE = "remote"
    """Changes something on a server (creates or expires a silence)."""

    @property
    def mutates(self) -> bool:
        """True for what read-only mode forbids: anything outside the process."""
        return self in _MUTATING


_MUTATING = frozenset({Effect.FILE, Effect.BROWSER, Effect.REMOTE})

_WORDS = {
    Effect.CLIPBOARD: "copying to the clipboard",
    Effect.FILE: "writing a file",
    Effect.BROWSER: "opening a browser",
    Effect.REMOTE: "changing anything on a server",
}


def declares(effect: Effect) -> Callable[[F], F]:
    """Mark an action method with its effect, so the dispatcher can refuse it before it
    runs: `@declares(Effect.BROWSER) def action_open_runbook(self): ...`. Undeclared
    actions have no effect outside the process; the sinks they might reach check the
    gate again anyway."""

    def mark(method: F) -> F:
        method.__oncall_effect__ = effect  # type: ignore[attr-defined]
        return method

    return mark


def effect_of(method: object) -> Effect:
    """The effect `method` declares (through `declares`), else `Effect.NONE`."""
    effect = getattr(method, "__oncall_effect__", None)
    if effect is None:  # a bound method: look at the function
        effect = getattr(getattr(method, "__func__", None), "__oncall_effect__", None)
    return effect if isinstance(effect, Effect) else Effect.NONE


class ActionRefused(Exception):
    """The gate said no. The message says why, fit to show as it is."""


class ReadOnlyError(SourceError):
    """A request that could change something, refused by a sink before any byte was sent."""


class ActionGate:
    """The one judge of effects, for the app and the engine alike."""

    def __init__(self, *, read_only: bool = False, wallboard: bool = False) -> None:
        self._read_only = read_only or wallboard
        self._wallboard = wallboard

    @property
    def read_only(self) -> bool:
        """No setter: `lock_read_only` is the only way to change it, and only one way."""
        return self._read_only

    @property
    def wallboard(self) -> bool:
        return self._wallboard

    def lock_read_only(self) -> None:
        """Switch read-only on for good."""
        self._read_only = True

    def lock_wallboard(self) -> None:
        """Wallboard for good: read-only, and not even the clipboard."""
        self._wallboard = self._read_only = True

    def refusal(self, what: str, effect: Effect) -> str:
        """Why `what` (with `effect`) may not run now, or "" when it may."""
        if self._wallboard and effect is not Effect.NONE:
            return f"wallboard: {what} is disabled (keys do nothing here)"
        if self._read_only and effect.mutates:
            return f"read-only: {what} is disabled ({_WORDS[effect]} is not allowed)"
        return ""

    def allowed(self, what: str, effect: Effect) -> bool:
        return not self.refusal(what, effect)

    def require(self, what: str, effect: Effect) -> None:
        """Raise `ActionRefused` with the reason when `what` may not run."""
        reason = self.refusal(what, effect)
        if reason:
            raise ActionRefused(reason)
