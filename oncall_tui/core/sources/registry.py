"""Finding plugins: by entry point, without importing the ones nobody asked for.

First-party plugins register through the same entry-point group as a third party's,
so there is one loading path and it is the one users depend on.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oncall_tui.core.sources.contract import Plugin, PluginConfig

ENTRY_POINT_GROUP = "oncall_tui.plugins"
"""Where installed plugins register. The contract (pydantic and the plugin base
classes) is imported only when a plugin is loaded: listing names and versions
(`--version`) needs none of it."""


class PluginLoadError(Exception):
    """An installed plugin could not be imported or is not a plugin."""


class PluginRegistry:
    """Plugins by name. `register` adds one in-process (tests, embedding)."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self._group = group
        self._entry_points: dict[str, EntryPoint] | None = None
        self._loaded: dict[str, type[Plugin[PluginConfig]]] = {}

    def _eps(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            self._entry_points = {ep.name: ep for ep in entry_points(group=self._group)}
        return self._entry_points

    def names(self) -> list[str]:
        """Installed plugin names, without importing any of them."""
        return sorted(set(self._eps()) | set(self._loaded))

    def register(self, name: str, plugin: type[Plugin[PluginConfig]]) -> None:
        self._loaded[name] = plugin

    def origin(self, name: str) -> str:
        ep = self._eps().get(name)
        return ep.value if ep is not None else "registered in-process"

    def version(self, name: str) -> str:
        """The version of the distribution that installs plugin `name` ("" unknown)."""
        ep = self._eps().get(name)
        dist = getattr(ep, "dist", None)
        return str(getattr(dist, "version", "") or "")

    def prepare(self, names: Iterable[str]) -> None:
        """Import the modules of the installed plugins `names`, ahead of the config
        loader, so what a plugin starts at import (the host plugin opens its CPU
        window) runs while the loader and the engine are imported. Quietly: a name
        that is not installed, or a module that fails, is `load`'s to report."""
        for name in names:
            ep = self._eps().get(name)
            if ep is None or name in self._loaded:
                continue
            try:
                importlib.import_module(ep.module)
            except (Exception, SystemExit, GeneratorExit):
                continue

    def load(self, name: str) -> type[Plugin[PluginConfig]]:
        """The plugin class; raises KeyError if not installed, PluginLoadError if broken."""
        from oncall_tui.core.sources.contract import Plugin, PluginConfig

        if name in self._loaded:
            return self._loaded[name]
        ep = self._eps()[name]
        try:
            loaded = ep.load()
        except (Exception, SystemExit, GeneratorExit) as exc:  # a module calling sys.exit()
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            raise PluginLoadError(
                f"plugin {name!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}{where}"
            ) from exc
        if not (isinstance(loaded, type) and issubclass(loaded, Plugin)):
            raise PluginLoadError(f"plugin {name!r} ({ep.value}) is not an oncall_tui Plugin")
        config = getattr(loaded, "Config", None)
        if not (isinstance(config, type) and issubclass(config, PluginConfig)):
            raise PluginLoadError(f"plugin {name!r} has no Config model (a PluginConfig)")
        self._loaded[name] = loaded
        return loaded


default_registry = PluginRegistry()
