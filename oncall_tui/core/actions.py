"""Actions: the one place that decides whether something may change the world.

Everything a user can set off — a key, a palette command, a mouse click, a link in the
text, a screenshot, a file written, a browser opened, a plugin's own action (creating a
silence) — has an `Effect`. `ActionGate` is the one judge of effects: in read-only
mode it refuses every effect outside the process and says why in words the UI shows;
on the wallboard it refuses the viewer's clipboard too (keys do nothing there). The
gate's read-only mode is a latch: it can be switched on, never off, so neither the
config, nor a key, nor the palette can undo `--read-only`.

`ActionDispatcher` runs plugin actions (`Plugin.actions()` / `Plugin.run_action()`)
through the gate, under a deadline, with every failure turned into a plain message.
The UI asks the same gate before running any of its own actions; the sinks themselves
(file writes, the browser, the HTTP client) ask it again, so a path that skips the
dispatcher still cannot write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from oncall_tui.core.model import Kind, Signal

if TYPE_CHECKING:
    from oncall_tui.core.plugin_api import Plugin, PluginConfig

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ACTION_TIMEOUT = 15.0
"""Longest a plugin action may take: an engineer waiting on a silence wants an answer
("Alertmanager did not answer in 15s"), not a spinner."""


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


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One thing a plugin can do besides observing, as it declares it."""

    name: str
    """Identifier passed back to `run_action` ("silence")."""
    description: str
    """What it does, for the user ("Silence this alert in Alertmanager")."""
    mutates: bool = False
    """True when it changes something outside the process: read-only mode refuses it."""
    kinds: frozenset[Kind] = frozenset()
    """Signal kinds it applies to (a silence: `alert`); empty: it applies to the source
    as a whole (list the active silences)."""

    @property
    def effect(self) -> Effect:
        return Effect.REMOTE if self.mutates else Effect.NONE


@dataclass(frozen=True, slots=True)
class ActionTarget:
    """What a plugin action is about: one of the source's signals, or an item the
    plugin named in an earlier result (a silence id)."""

    key: str = ""
    """The signal's key as the plugin gave it (`Reading.key`, sanitised), or an item's id."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """The signal's labels as the board holds them (sanitised)."""
    name: str = ""
    """The signal's name on the board, for messages."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What a plugin action did, in words, plus rows for a listing action."""

    message: str
    rows: tuple[Mapping[str, str], ...] = ()
    """For a listing (active silences): one mapping per item, `id` among the keys."""
    refresh: bool = False
    """True when the source should be collected again now (the board shows the change)."""


class ActionRefused(Exception):
    """The gate said no. The message says why, fit to show as it is."""


class ActionFailed(Exception):
    """The action ran and did not work (server down, a 400). The message says why, fit
    to show as it is; plugins raise it from `run_action`."""


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


@dataclass(frozen=True, slots=True)
class Offer:
    """A plugin action one source offers."""

    source: str
    spec: ActionSpec


class ActionDispatcher:
    """Runs plugin actions, every one through the gate.

    `plugins` are the engine's plugin instances by source name (those that failed to
    start are absent). A plugin whose `actions()` raises offers nothing; one whose
    `run_action` raises, hangs or returns garbage fails that action with a message.
    """

    def __init__(
        self,
        gate: ActionGate,
        plugins: Mapping[str, Plugin[PluginConfig]] | None = None,
        *,
        timeout: float = ACTION_TIMEOUT,
    ) -> None:
        self.gate = gate
        self._plugins = dict(plugins or {})
        self.timeout = timeout

    def offers(self, source: str | None = None) -> list[Offer]:
        """Every action every source (or one `source`) offers."""
        found: list[Offer] = []
        for name, plugin in self._plugins.items():
            if source is not None and name != source:
                continue
            for spec in _specs(plugin):
                found.append(Offer(name, spec))
        return found

    def offer(self, source: str, name: str) -> Offer | None:
        for offer in self.offers(source):
            if offer.spec.name == name:
                return offer
        return None

    def offers_for(self, signal: Signal, name: str) -> Offer | None:
        """The action `name` of the source that sent `signal`, if it applies to its kind."""
        offer = self.offer(signal.source, name)
        if offer is None or signal.kind not in offer.spec.kinds:
            return None
        return offer

    def refusal(self, offer: Offer) -> str:
        """Why `offer` may not run now, or ""."""
        return self.gate.refusal(_what(offer), offer.spec.effect)

    async def run(
        self,
        source: str,
        name: str,
        target: ActionTarget | None = None,
        params: Mapping[str, str] | None = None,
    ) -> ActionResult:
        """Run `name` of `source` on `target`. Raises `ActionRefused` (the gate, or the
        HTTP layer refusing a write) or `ActionFailed`, each with a message to show."""
        offer = self.offer(source, name)
        if offer is None:
            raise ActionFailed(f"{source}: no action {name!r}")
        self.gate.require(_what(offer), offer.spec.effect)
        plugin = self._plugins[source]
        try:
            async with asyncio.timeout(self.timeout):
                result = await plugin.run_action(name, target or ActionTarget(), dict(params or {}))
        except (ActionFailed, ActionRefused):
            raise
        except TimeoutError:
            raise ActionFailed(
                f"{source}: {offer.spec.description} did not finish in {self.timeout:g}s"
            ) from None
        except Exception as exc:
            raise _translated(source, exc) from None
        if not isinstance(result, ActionResult):
            raise ActionFailed(f"{source}: {name} returned {type(result).__name__}, not a result")
        return result


def target_of(signal: Signal) -> ActionTarget:
    """The target for a plugin action on `signal`: its key as its plugin gave it."""
    prefix = f"{signal.source}/"
    key = signal.key[len(prefix) :] if signal.key.startswith(prefix) else signal.key
    return ActionTarget(key=key, labels=dict(signal.labels), name=signal.name)


def _what(offer: Offer) -> str:
    return f"{offer.spec.description[:1].lower()}{offer.spec.description[1:]} ({offer.source})"


def _specs(plugin: Plugin[PluginConfig]) -> Sequence[ActionSpec]:
    try:
        specs = plugin.actions()
        return [spec for spec in specs if isinstance(spec, ActionSpec)]
    except Exception:
        log.exception("actions() of %s failed", type(plugin).__name__)
        return []


def _translated(source: str, exc: Exception) -> Exception:
    """A plugin's exception as a message: the HTTP layer's read-only refusal stays a
    refusal; a SourceError speaks for itself; anything else is a bug named by type."""
    from oncall_tui.core.http.errors import ReadOnlyError
    from oncall_tui.core.plugin_api import SourceError

    if isinstance(exc, ReadOnlyError):
        return ActionRefused(f"read-only: {exc}")
    if isinstance(exc, SourceError):
        return ActionFailed(f"{source}: {exc}")
    text = str(exc)
    return ActionFailed(f"{source}: {type(exc).__name__}{': ' + text if text else ''}")
