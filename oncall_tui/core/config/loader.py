"""Loading and validating the TOML config.

Two phases: the core keys first (title, refresh, each source's plugin/interval/timeout),
then each source's remaining keys against its plugin's own model. Every problem of both
phases is collected and reported at once, each with its path
(`sources.prom.queries[0].critical: expected a number, got 'high'`), because fixing a
config one error per run at 3 a.m. is cruel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oncall_tui.core.config.config_error import ConfigError as ConfigError
from oncall_tui.core.config.config_text import MAX_CONFIG_BYTES as MAX_CONFIG_BYTES
from oncall_tui.core.config.config_text import ConfigText, config_text
from oncall_tui.core.config.config_text import default_configpath_of as default_configpath_of
from oncall_tui.core.config.durations import Duration, format_duration
from oncall_tui.core.config.envvars import expand, register_secrets
from oncall_tui.core.config.errors import describe, first_per_path, path_of, show
from oncall_tui.core.config.keys import check_keys
from oncall_tui.core.named_files import UnreadableFile, parse_toml
from oncall_tui.core.sanitize import redactor, sanitize
from oncall_tui.core.signals.model import Maintenance
from oncall_tui.core.sources.contract import PluginConfig
from oncall_tui.core.sources.registry import PluginLoadError, PluginRegistry, default_registry
from oncall_tui.core.triage.topology import topology_problems

CORE_SOURCE_KEYS = frozenset({"plugin", "interval", "timeout", "max_age"})
MIN_INTERVAL = 0.05
"""Faster polling only hammers the source; the screen repaints at most 4 times a second."""
SOURCE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
"""Source names become key prefixes (`prom/...`): no `/`, nothing empty."""
MAX_TIMEOUT = 10.0
"""Default deadline cap: a collection slower than this is broken, whatever the interval."""


WallboardPage = Literal["overview", "business", "health", "risk_rule", "dependency", "alert"]

DEFAULT_PAGES: tuple[WallboardPage, ...] = ("overview", "risk_rule", "dependency", "alert")


class WallboardSettings(BaseModel):
    """`[wallboard]`: what a TV on the wall rotates through."""

    model_config = ConfigDict(extra="forbid")

    pages: list[WallboardPage] = Field(default_factory=lambda: list(DEFAULT_PAGES), min_length=1)
    """Pages in rotation order: overview, business, health, risk_rule, dependency, alert."""
    dwell: Duration = 20.0
    """How long each page stays up."""


class NoticeSettings(BaseModel):
    """One `[[notices]]` entry: an announcement shown as a maintenance banner."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    """What to say: "bureau upgrade, expect timeouts"."""
    until: datetime
    """When it ends (a TOML date-time, `2026-12-06T16:00:00Z`; without an offset: local
    time); after that it is no longer shown."""
    component: str = ""
    """The component it is about (its rows say so, and triage does not blame it first);
    empty: an announcement about everything."""

    def maintenance(self) -> Maintenance:
        until = self.until if self.until.tzinfo else self.until.astimezone()
        return Maintenance(text=self.text, until=until.timestamp(), component=self.component)


class ServeSettings(BaseModel):
    """`[serve]`: who may open the board that `oncall-tui serve` puts in a browser."""

    model_config = ConfigDict(extra="forbid")

    origins: list[str] = Field(default_factory=list)
    """Web origins allowed to open the board besides the address it is served at, e.g.
    ["https://wallboard.example.com"] (scheme://host[:port], no path). A page from any
    other site is refused, so it cannot read the board through the visitor's browser."""
    max_sessions: int = Field(default=4, ge=1, le=64)
    """Browsers watching at once; each runs a dashboard process of its own (~60 MB),
    and one more is told the board is full."""

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"expected origins like 'https://board.example.com:8443', got {origin!r}"
                )
        return [origin.lower() for origin in value]


_ORIGIN = re.compile(r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
"""An origin as a browser sends it: scheme, host and port, nothing else."""


class Settings(BaseModel):
    """Top-level keys of the config file."""

    model_config = ConfigDict(extra="forbid")

    title: str = "oncall-tui"
    """Header title."""
    refresh: Duration = 5.0
    """Default interval of every source."""
    theme: str | None = None
    """Theme name: a file of the shipped `themes/` or of
    `$XDG_CONFIG_HOME/oncall-tui/themes/` (its stem); `--theme` overrides it."""
    bell: bool = False
    """Ring the terminal bell when a signal turns critical."""
    change_window: Duration = 3600.0
    """How long before a breach a change (deploy, rule edit, reload) is still shown as
    its probable trigger."""
    topology: dict[str, list[str]] = Field(default_factory=dict)
    """What each component depends on: `"jiebei-loan" = ["credit-bureau", "sms-otp"]`.
    Keys may be glob patterns (`"jiebei/*"`). Used to tell a cause from its symptoms."""
    wallboard: WallboardSettings = Field(default_factory=lambda: WallboardSettings())
    """The `[wallboard]` table: pages and how long each stays up."""
    keys: dict[str, Any] = Field(default_factory=dict)
    """The `[keys]` table: an action's keys, `drill = "enter,d"` (comma-separated key
    names; `oncall-tui info` and `?` show the ids). A key doing two things on one
    screen is an error."""
    notices: list[NoticeSettings] = Field(default_factory=list, max_length=100)
    """`[[notices]]`: announcements (`text`, `until`, optional `component`), shown like
    a maintenance silence until they end."""
    serve: ServeSettings = Field(default_factory=lambda: ServeSettings())
    """The `[serve]` table: origins allowed to open the served board, sessions at once."""
    history: int = Field(default=360, ge=10, le=100_000)
    """Values kept per signal for the detail chart."""
    events: int = Field(default=1000, ge=10, le=1_000_000)
    """Status changes kept for the event timeline."""
    sources: dict[str, Any] = Field(default_factory=dict)
    """Data sources, one table each: `[sources.<name>]`."""

    @field_validator("refresh")
    @classmethod
    def _interval(cls, value: float) -> float:
        return _at_least(value, MIN_INTERVAL)


class SourceSettings(BaseModel):
    """Keys every source has, whatever its plugin."""

    model_config = ConfigDict(extra="allow")

    plugin: str
    """Which plugin collects this source (`oncall-tui plugins` lists them)."""
    interval: Duration | None = None
    """Time between collections; defaults to the top-level `refresh`."""
    timeout: Duration | None = None
    """Overall deadline of one collection; defaults to the interval, at most 10s."""
    max_age: Duration | None = None
    """Data older than this is shown as stale; defaults to twice the interval."""

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: float | None) -> float | None:
        return None if value is None else _at_least(value, MIN_INTERVAL)

    @field_validator("timeout", "max_age")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("must be longer than 0s")
        return value


def _at_least(value: float, minimum: float) -> float:
    if value < minimum:
        raise ValueError(f"must be at least {format_duration(minimum)}")
    return value


@dataclass(slots=True)
class SourceSpec:
    """A validated source, ready for the engine."""

    name: str
    plugin: str
    interval: float
    timeout: float
    max_age: float | None
    options: PluginConfig | None
    load_error: str = ""
    """Set when the plugin is installed but fails to import: the source is shown as
    failing and the others run."""


@dataclass(slots=True)
class AppConfig:
    title: str
    refresh: float
    sources: list[SourceSpec]
    config_dir: Path
    path: Path | None = None
    theme: str | None = None
    history: int = 360
    events: int = 1000
    load_errors: list[str] = field(default_factory=list)
    bell: bool = False
    change_window: float = 3600.0
    topology: dict[str, list[str]] = field(default_factory=dict)
    wallboard: WallboardSettings = field(default_factory=WallboardSettings)
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id -> its keys, from `[keys]`: Textual's keymap."""
    notices: list[Maintenance] = field(default_factory=list)
    serve: ServeSettings = field(default_factory=ServeSettings)


def load_config(
    path: Path | None = None,
    *,
    registry: PluginRegistry | None = None,
    environ: Mapping[str, str] | None = None,
    read: ConfigText | None = None,
) -> AppConfig:
    """The config at `path`; without one, the user's default file or the embedded demo.
    `read`: its text, when the caller has read it already (`config_text(path)`).

    Raises ConfigError with every problem found.
    """
    text, path = read if read is not None else config_text(path)
    if path is None:
        return parse_config(text, Path.cwd(), registry=registry, environ=environ)
    config = parse_config(
        text, path.resolve().parent, registry=registry, environ=environ, origin=str(path)
    )
    config.path = path
    return config


def parse_config(
    text: str,
    config_dir: Path,
    *,
    registry: PluginRegistry | None = None,
    environ: Mapping[str, str] | None = None,
    origin: str = "config",
) -> AppConfig:
    registry = registry or default_registry
    try:
        raw = parse_toml(text)
    except UnreadableFile as exc:
        raise ConfigError([f"{origin}: {exc.reason}"]) from None

    problems: list[str] = []
    expanded = expand(raw, os.environ if environ is None else environ, (), problems)

    try:
        settings = Settings.model_validate(expanded)
    except ValidationError as exc:
        problems += describe(exc.errors(), (), Settings)
        # Go on with the defaults for what failed, so the sources' mistakes are
        # reported in the same run.
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        kept = {k: v for k, v in expanded.items() if k not in bad}
        try:
            settings = Settings.model_validate(kept)
        except ValidationError:
            raise ConfigError(first_per_path(problems)) from None

    problems += topology_problems(settings.topology)
    keymap, key_problems = check_keys(settings.keys)
    problems += key_problems
    if settings.theme is not None:
        # Only a config that names a theme reads the theme files (and builds their
        # models): the demo and most configs start without them.
        from oncall_tui.core.config.theme_files import load_catalog

        theme_problem = load_catalog().problem_with(settings.theme)
        if theme_problem:
            problems.append(f"theme: {theme_problem}")

    specs: list[SourceSpec] = []
    load_errors: list[str] = []
    for name, table in settings.sources.items():
        spec = _source(name, table, settings.refresh, registry, problems, load_errors, config_dir)
        if spec is not None:
            specs.append(spec)
    if not settings.sources and "sources" not in raw:
        problems.append("sources: no sources configured (add a [sources.<name>] table)")
    if problems:
        # Plugins that failed to import are problems too when there are others.
        raise ConfigError(first_per_path(problems + load_errors))
    register_secrets(expanded)
    return AppConfig(
        title=sanitize(settings.title, 200),
        refresh=settings.refresh,
        sources=specs,
        config_dir=config_dir,
        theme=settings.theme,
        history=settings.history,
        events=settings.events,
        load_errors=load_errors,
        bell=settings.bell,
        change_window=settings.change_window,
        topology=settings.topology,
        wallboard=settings.wallboard,
        keys=keymap,
        notices=[notice.maintenance() for notice in settings.notices],
        serve=settings.serve,
    )


def _source(
    name: str,
    table: Mapping[str, Any],
    refresh: float,
    registry: PluginRegistry,
    problems: list[str],
    load_errors: list[str],
    config_dir: Path | None = None,
) -> SourceSpec | None:
    where = ("sources", name)
    if not SOURCE_NAME.fullmatch(name):
        problems.append(
            f"{path_of(where)}: source names are letters, digits, '_' and '-' (at most 64)"
        )
        return None
    if not isinstance(table, dict):
        problems.append(f"{path_of(where)}: expected a table ([sources.{name}]), got {show(table)}")
        return None
    core: SourceSettings | None = None
    try:
        core = SourceSettings.model_validate(table)
    except ValidationError as exc:
        problems += describe(exc.errors(), where, SourceSettings)
    plugin_name = table.get("plugin")
    if not isinstance(plugin_name, str):
        return None  # already reported by the core phase
    if plugin_name not in registry.names():
        installed = ", ".join(registry.names()) or "none"
        where_plugin = path_of((*where, "plugin"))
        problems.append(f"{where_plugin}: unknown plugin {plugin_name!r} (installed: {installed})")
        return None
    load_error = ""
    try:
        plugin = registry.load(plugin_name)
    except PluginLoadError as exc:
        load_error = str(exc)
        load_errors.append(f"{path_of((*where, 'plugin'))}: {exc}")
        plugin = None
    options: PluginConfig | None = None
    if plugin is not None:
        # Phase two runs even when phase one failed, so both kinds of mistake in one
        # source are reported together.
        settings = {k: v for k, v in table.items() if k not in CORE_SOURCE_KEYS}
        try:
            # The config's directory lets options check relative paths (ca_file).
            options = plugin.Config.model_validate(settings, context={"config_dir": config_dir})
        except ValidationError as exc:
            problems += describe(exc.errors(), where, plugin.Config)
            return None
        except Exception as exc:  # a plugin's validator with a bug of its own
            problems.append(
                f"{path_of(where)}: plugin {plugin_name!r} failed to check its options: "
                f"{type(exc).__name__}: {redactor.redact(str(exc))[:200]}"
            )
            return None
    if core is None:
        return None
    interval = core.interval or refresh
    timeout = core.timeout or min(interval, MAX_TIMEOUT)
    if core.max_age is not None and core.max_age < interval:
        problems.append(
            f"{path_of((*where, 'max_age'))}: must be at least the interval "
            f"({format_duration(interval)}), or every signal flaps to stale between polls"
        )
        return None
    return SourceSpec(
        name,
        plugin_name,
        interval,
        timeout,
        core.max_age,
        options=options,
        load_error=load_error,
    )
