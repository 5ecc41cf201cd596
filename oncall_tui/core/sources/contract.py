"""The plugin API: what a data source implements, first-party or third-party alike.

A plugin is a class registered under the entry-point group `oncall_tui.plugins`:

    [project.entry-points."oncall_tui.plugins"]
    mysource = "my_package:MySourcePlugin"

Its config model is the `PluginConfig` it names in `Plugin[...]` (a pydantic model,
unknown keys forbidden; each field's docstring is the user documentation `oncall-tui
plugins` prints; the class attribute `Config` is set from it) and an async `collect()` that
returns `Reading`s. The engine owns scheduling, deadlines, backoff, sanitising and
status; a plugin only observes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict

from oncall_tui.core.signals.model import Kind, Reading
from oncall_tui.core.sources.blocking import BlockingRunner
from oncall_tui.core.sources.plugin_actions import (
    OperationFailed,
    OperationResult,
    OperationSpec,
    OperationTarget,
)
from oncall_tui.core.sources.registry import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP


class PluginConfig(BaseModel):
    """Base of every plugin's options. Unknown keys are errors, so a typo in a
    threshold name is caught by `validate` instead of silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def source_note(self) -> str:
        """A standing note shown with the source for as long as it runs, or "": an
        option that weakens what the board can be trusted with says so permanently
        ("TLS unverified")."""
        return ""


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What the engine tells a plugin about the source instance it serves."""

    name: str
    """The source's name in the config (`[sources.<name>]`)."""
    config_dir: Path
    """Directory of the config file: relative paths in the plugin's options resolve here."""
    interval: float
    """Seconds between collections."""
    timeout: float
    """Overall deadline of one collection, in seconds; the engine enforces it."""
    read_only: bool = False
    """Read-only mode: the plugin must not change anything outside the process. It
    decides what `client_for` builds: a read-only context never gets a client that
    sends anything but GET and HEAD. Only ever switched on after construction
    (`lock_read_only`), never off."""
    clock: Callable[[], float] | None = None
    """A monotonic clock for a plugin that follows a timeline of its own (the demo's
    incident cycle); tests and screenshots inject one to jump ahead. None: the
    plugin's own default."""
    _blocking: BlockingRunner = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_blocking", BlockingRunner(self.name))

    def lock_read_only(self) -> None:
        """Read-only from now on (an app that is read-only over an engine that was not):
        the one change a context allows, and only in this direction."""
        object.__setattr__(self, "read_only", True)

    async def run_blocking(self, fn: Callable[[], T]) -> T:
        """Run a blocking call (psutil, a subprocess wait, a file read) off the event
        loop, on this source's own thread. Use this rather than `asyncio.to_thread`:
        a call stuck forever then costs one thread, not the shared pool."""
        return await self._blocking(fn)


T = TypeVar("T")
C = TypeVar("C", bound=PluginConfig)


class Plugin(ABC, Generic[C]):
    """A data source. One instance per `[sources.<name>]` table."""

    Config: ClassVar[type[PluginConfig]]
    description: ClassVar[str] = ""
    transient: ClassVar[bool] = False
    """True when a signal missing from a collection is over (a resolved alert) rather
    than missing data (a series that vanished, shown as unknown: no data)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """`Config` is the model named in `Plugin[...]`: `class P(Plugin[PConfig])` says
        it once. A class that sets `Config` itself (older plugins) keeps its own."""
        super().__init_subclass__(**kwargs)
        if "Config" in cls.__dict__:
            return
        for base in getattr(cls, "__orig_bases__", ()):
            origin = get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Plugin):
                (model,) = get_args(base)
                if isinstance(model, type) and issubclass(model, PluginConfig):
                    cls.Config = model
                    return

    def __init__(self, config: C, context: SourceContext) -> None:
        self.config = config
        self.context = context

    @abstractmethod
    def kinds(self) -> frozenset[Kind]:
        """The panels this source feeds, so its errors show in the right place before
        it has produced a single signal."""

    @abstractmethod
    async def collect(self) -> Sequence[Reading]:
        """One observation of everything the source covers.

        Raise on failure with a message an on-call engineer can act on; the engine marks
        this source's signals unknown and backs off. When only part failed, raise
        `SourceError(message, readings=...)` with what did work. Blocking calls must run
        off the event loop (`self.context.run_blocking`), or they freeze the screen.

        `Reading.runbook` is a `Runbook`: `RunbookTemplate.render` or
        `Runbook.from_config` for what the config says, `Runbook.file` for a file the
        plugin itself ships, `Runbook.from_source` for a runbook named by the source's
        data (only ever a link; a path from data would let the source point the viewer
        at any file).
        """

    def operations(self) -> Sequence[OperationSpec]:
        """What this source can do besides observing (create a silence), each with
        whether it changes something outside the process (`mutates`). The engine's
        dispatcher runs them through the read-only gate: a mutating operation never
        reaches `run_operation` in read-only mode. None by default: a plugin observes.
        (A plugin written against the earlier name, `actions()`, still works.)"""
        return self.actions()

    async def run_operation(
        self, name: str, target: OperationTarget, params: Mapping[str, str]
    ) -> OperationResult:
        """Run the operation `name` (one of `operations()`) on `target` with the user's
        `params`. Raise `OperationFailed` (or `SourceError`) with a message to show when
        it does not work. A writing HTTP client comes from
        `client_for(..., writes=True)`, which stays read-only when the context is.
        (A plugin written against the earlier name, `run_action()`, still works.)"""
        return await self.run_action(name, target, params)

    def actions(self) -> Sequence[OperationSpec]:
        """The earlier name of `operations()`: override one of the two."""
        return ()

    async def run_action(
        self, name: str, target: OperationTarget, params: Mapping[str, str]
    ) -> OperationResult:
        """The earlier name of `run_operation()`: override one of the two."""
        raise OperationFailed(f"{self.context.name}: no operation {name!r}")

    def empty_note(self) -> str:
        """What a collection that worked and returned no readings means, in words, or
        "" to say nothing. An alert source answers "no alerts firing": the engine puts
        it on the source (`SourceState.note`), so the panel says so rather than showing
        an empty list nobody can tell from "not loaded" or "broken"."""
        return ""

    def collection_note(self) -> str:
        """A note on the last collection that worked, though not everywhere (one peer
        of an HA pair down), or "". The source stays ok; the engine shows the note with
        it, so nobody mistakes half the cluster for all of it. A check that left processes
        running says so here too."""
        return ""

    def needs_two_samples(self) -> bool:
        """True when a first collection cannot answer yet (a rate between two scrapes
        reads "no data" until there is a second). `oncall-tui check` then collects the
        source a second time, its interval later (bounded), so it answers as the
        dashboard does after one interval."""
        return False

    async def aclose(self) -> None:
        """Release connections; called once when the engine stops."""
