"""Test a plugin the way `oncall-tui check` runs it, without a config file or a terminal.

    from oncall_tui.plugin.testing import collect_once

    def test_backlog(tmp_path):
        (tmp_path / "a.msg").write_text("x")
        result = collect_once(SpoolPlugin, {"path": str(tmp_path), "warning": 1})
        assert result.error is None
        assert result.signals["spool/backlog"].status.value == "warning"

The options are validated by the plugin's config model as the config loader does
(`ConfigError` with each problem worded as `validate` prints it); the plugin runs in the
engine, read-only, under its deadline, and a plugin that needs two samples (rates) is
collected a second time. `async_collect_once` is the same for an async test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oncall_tui.core.config.errors import describe
from oncall_tui.core.config.loader import AppConfig, ConfigError, SourceSpec
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reading, Signal, Status
from oncall_tui.core.sources.contract import Plugin, PluginConfig
from oncall_tui.core.sources.registry import PluginRegistry

__all__ = ["Collected", "async_collect_once", "collect_once"]


@dataclass(frozen=True, slots=True)
class Collected:
    """What one collection gave, as `check` would have seen it."""

    readings: list[Reading]
    """What the plugin returned the last time it was collected (before the store
    sanitised and evaluated it)."""
    signals: dict[str, Signal] = field(default_factory=dict)
    """The board's rows by key (`<source>/<reading key>`): status, summary, value."""
    note: str = ""
    """The source's note: a standing one from the config (`source_note`), dropped
    readings, or what an empty collection means (`empty_note`)."""
    error: str | None = None
    """Why the collection failed (None: it worked), worded as the panel shows it."""

    @property
    def status(self) -> Status:
        """The worst status of the signals, as `check`'s exit code reads it."""
        if not self.signals:
            return Status.UNKNOWN
        return max((s.status for s in self.signals.values()), key=lambda s: s.severity)


def collect_once(
    plugin: type[Plugin[Any]],
    options: Mapping[str, Any] | PluginConfig | None = None,
    **settings: Any,
) -> Collected:
    """Collect `plugin` once with `options`, as `check` does (see the module doc);
    `settings` are `async_collect_once`'s keywords (name, config_dir, interval,
    deadline, max_wait)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(async_collect_once(plugin, options, **settings))
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()


async def async_collect_once(
    plugin: type[Plugin[Any]],
    options: Mapping[str, Any] | PluginConfig | None = None,
    *,
    name: str = "source",
    config_dir: Path | None = None,
    interval: float = 15.0,
    deadline: float = 10.0,
    max_wait: float = 30.0,
) -> Collected:
    """`collect_once` inside a running event loop. `name` is the source's name (signal
    keys are `<name>/<reading key>`), `config_dir` what relative paths in the options
    resolve against (the current directory by default), `interval` and `deadline` the
    source's, `max_wait` the longest wait for a second sample."""
    folder = config_dir if config_dir is not None else Path.cwd()
    config = _validated(plugin, options, name, folder)
    registry = PluginRegistry()
    registry.register(name, _Recording.wrap(plugin))
    spec = SourceSpec(name, name, interval, deadline, None, config)
    engine = Engine(
        AppConfig(title="test", refresh=interval, sources=[spec], config_dir=folder),
        registry=registry,
        read_only=True,
    )
    try:
        await engine.collect_settled(max_wait)
    finally:
        await engine.stop()
    runner = engine.runners[name]
    recorded = runner.plugin
    readings: list[Reading] = list(recorded.returned) if isinstance(recorded, _Recording) else []
    state = engine.store.source(name)
    return Collected(
        readings=readings,
        signals=dict(engine.store.signals),
        note=state.note,
        error=(state.error or "collection failed") if state.ok is False else None,
    )


def _validated(
    plugin: type[Plugin[Any]],
    options: Mapping[str, Any] | PluginConfig | None,
    name: str,
    config_dir: Path,
) -> PluginConfig:
    if isinstance(options, PluginConfig):
        return options
    try:
        return plugin.Config.model_validate(dict(options or {}), context={"config_dir": config_dir})
    except ValidationError as exc:
        raise ConfigError(describe(exc.errors(), ("sources", name), plugin.Config)) from None


class _Recording:
    """Keeps what the plugin's `collect` returned, for `Collected.readings`."""

    returned: Sequence[Reading] = ()

    @staticmethod
    def wrap(plugin: type[Plugin[Any]]) -> type[Plugin[Any]]:
        class Recorded(plugin, _Recording):  # type: ignore[valid-type,misc]
            async def collect(self) -> Sequence[Reading]:
                self.returned = await super().collect()
                return self.returned

        Recorded.__name__ = plugin.__name__
        Recorded.__qualname__ = plugin.__qualname__
        return Recorded
