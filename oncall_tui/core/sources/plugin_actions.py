"""What a plugin can do besides observing (create a silence): its operations.

"Operation" on the plugin side, so it is never confused with a Textual key action. The
types a plugin returns from `operations()` and `run_operation()`; the dispatcher
(`core/sources/dispatch.py`) runs them through the read-only gate. The names plugins
were written against before (`ActionSpec`, `ActionTarget`, `ActionResult`,
`ActionFailed`, `actions()`, `run_action()`) stay as aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from oncall_tui.core.gate import Effect
from oncall_tui.core.signals.model import Kind


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One thing a plugin can do besides observing, as it declares it."""

    name: str
    """Identifier passed back to `run_operation` ("silence")."""
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
class OperationTarget:
    """What a plugin action is about: one of the source's signals, or an item the
    plugin named in an earlier result (a silence id)."""

    key: str = ""
    """The signal's key as the plugin gave it (`Reading.key`, sanitised), or an item's id."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """The signal's labels as the board holds them (sanitised)."""
    name: str = ""
    """The signal's name on the board, for messages."""


@dataclass(frozen=True, slots=True)
class OperationResult:
    """What a plugin action did, in words, plus rows for a listing action."""

    message: str
    rows: tuple[Mapping[str, str], ...] = ()
    """For a listing (active silences): one mapping per item, `id` among the keys."""
    refresh: bool = False
    """True when the source should be collected again now (the board shows the change)."""


class OperationFailed(Exception):
    """The action ran and did not work (server down, a 400). The message says why, fit
    to show as it is; plugins raise it from `run_operation`."""


ActionSpec = OperationSpec
"""The earlier name of `OperationSpec`, kept for plugins written against it."""
ActionTarget = OperationTarget
"""The earlier name of `OperationTarget`."""
ActionResult = OperationResult
"""The earlier name of `OperationResult`."""
ActionFailed = OperationFailed
"""The earlier name of `OperationFailed`."""
