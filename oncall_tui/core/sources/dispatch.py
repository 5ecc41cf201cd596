"""Running plugin operations (`Plugin.operations()` / `Plugin.run_operation()`) through the
read-only gate, under a deadline, with every failure turned into a plain message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oncall_tui.core.gate import ActionGate, ActionRefused, ReadOnlyError
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.sources.contract import Plugin, PluginConfig
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.plugin_actions import (
    OperationFailed,
    OperationResult,
    OperationSpec,
    OperationTarget,
)

log = logging.getLogger(__name__)

ACTION_TIMEOUT = 15.0
"""Longest a plugin action may take: an engineer waiting on a silence wants an answer
("Alertmanager did not answer in 15s"), not a spinner."""


@dataclass(frozen=True, slots=True)
class Offer:
    """A plugin action one source offers."""

    source: str
    spec: OperationSpec


class ActionDispatcher:
    """Runs plugin actions, every one through the gate.

    `plugins` are the engine's plugin instances by source name (those that failed to
    start are absent). A plugin whose `operations()` raises offers nothing; one whose
    `run_operation` raises, hangs or returns garbage fails that operation with a message.
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
        target: OperationTarget | None = None,
        params: Mapping[str, str] | None = None,
    ) -> OperationResult:
        """Run `name` of `source` on `target`. Raises `ActionRefused` (the gate, or the
        HTTP layer refusing a write) or `OperationFailed`, each with a message to show."""
        offer = self.offer(source, name)
        if offer is None:
            raise OperationFailed(f"{source}: no action {name!r}")
        self.gate.require(_what(offer), offer.spec.effect)
        plugin = self._plugins[source]
        try:
            async with asyncio.timeout(self.timeout):
                result = await plugin.run_operation(
                    name, target or OperationTarget(), dict(params or {})
                )
        except (OperationFailed, ActionRefused):
            raise
        except TimeoutError:
            raise OperationFailed(
                f"{source}: {offer.spec.description} did not finish in {self.timeout:g}s"
            ) from None
        except Exception as exc:
            raise _translated(source, exc) from None
        if not isinstance(result, OperationResult):
            raise OperationFailed(
                f"{source}: {name} returned {type(result).__name__}, not a result"
            )
        return result


def target_of(signal: Signal) -> OperationTarget:
    """The target for a plugin action on `signal`: its key as its plugin gave it."""
    prefix = f"{signal.source}/"
    key = signal.key[len(prefix) :] if signal.key.startswith(prefix) else signal.key
    return OperationTarget(key=key, labels=dict(signal.labels), name=signal.name)


def _what(offer: Offer) -> str:
    return f"{offer.spec.description[:1].lower()}{offer.spec.description[1:]} ({offer.source})"


def _specs(plugin: Plugin[PluginConfig]) -> Sequence[OperationSpec]:
    try:
        specs = plugin.operations()
        return [spec for spec in specs if isinstance(spec, OperationSpec)]
    except Exception:
        log.exception("operations() of %s failed", type(plugin).__name__)
        return []


def _translated(source: str, exc: Exception) -> Exception:
    """A plugin's exception as a message: the HTTP layer's read-only refusal stays a
    refusal; a SourceError speaks for itself; anything else is a bug named by type."""
    if isinstance(exc, ReadOnlyError):
        return ActionRefused(f"read-only: {exc}")
    if isinstance(exc, SourceError):
        return OperationFailed(f"{source}: {exc}")
    text = str(exc)
    return OperationFailed(f"{source}: {type(exc).__name__}{': ' + text if text else ''}")
