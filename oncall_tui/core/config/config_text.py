"""Which config a run reads, and its text: the user's file, the default one, or the
embedded demo.

Apart from the loader (pydantic, the models, the plugin contract) on purpose: a command
can look at the text first (`configured_plugins`) and let the plugins it names start
importing, so what a plugin does at import (the host plugin opens its CPU window) runs
while the rest of start-up does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from oncall_tui.core.config.config_error import ConfigError
from oncall_tui.core.named_files import UnreadableFile, parse_toml, read_named_text

MAX_CONFIG_BYTES = 1024 * 1024
"""Largest config file read: the biggest real one is a few hundred lines."""

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "demo_config.toml"
"""The embedded demo's config, shipped inside the package."""


class ConfigText(NamedTuple):
    text: str
    path: Path | None
    """The file read; None for the embedded demo."""


def default_configpath_of() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "oncall-tui" / "config.toml"


def config_text(path: Path | None) -> ConfigText:
    """The text of `path`; without one, of the user's default file or else the demo.

    Raises ConfigError when `path` cannot be read."""
    if path is None:
        candidate = default_configpath_of()
        if candidate.is_file():
            path = candidate
    if path is None:
        return ConfigText(_demo_text(), None)
    try:
        return ConfigText(read_named_text(path, MAX_CONFIG_BYTES), path)
    except UnreadableFile as exc:
        word = "config file not found" if exc.missing else exc.reason
        raise ConfigError([f"{path}: {word}"]) from None


def _demo_text() -> str:
    if DEMO_CONFIG.is_file():
        return DEMO_CONFIG.read_text(encoding="utf-8")
    # Installed somewhere that is not a folder (a zip): ask the import system.
    from importlib import resources

    return resources.files("oncall_tui.core").joinpath("demo_config.toml").read_text()


def configured_plugins(text: str) -> list[str]:
    """The plugin names the config's sources give, in order; nothing where the text
    does not parse (the loader reports that, worded properly)."""
    try:
        document = parse_toml(text)
    except UnreadableFile:
        return []
    sources = document.get("sources")
    if not isinstance(sources, dict):
        return []
    names = (table.get("plugin") for table in sources.values() if isinstance(table, dict))
    return list(dict.fromkeys(name for name in names if isinstance(name, str)))
