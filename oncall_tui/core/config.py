"""Loading and validating the TOML config.

Two phases: the core keys first (title, refresh, each source's plugin/interval/timeout),
then each source's remaining keys against its plugin's own model. Every problem of both
phases is collected and reported at once, each with its path
(`sources.prom.queries[0].critical: expected a number, got 'high'`), because fixing a
config one error per run at 3 a.m. is cruel.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from oncall_tui.core.durations import Duration, format_duration
from oncall_tui.core.plugin_api import PluginConfig
from oncall_tui.core.registry import PluginLoadError, PluginRegistry, default_registry
from oncall_tui.core.sanitize import redactor, sanitize

CORE_SOURCE_KEYS = frozenset({"plugin", "interval", "timeout", "max_age"})
MIN_INTERVAL = 0.05
"""Faster polling only hammers the source; the screen repaints at most 4 times a second."""
SOURCE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
"""Source names become key prefixes (`prom/...`): no `/`, nothing empty."""
MAX_TIMEOUT = 10.0
"""Default deadline cap: a collection slower than this is broken, whatever the interval."""


class ConfigError(Exception):
    """One or more problems with the config; `problems` holds each as `path: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseModel):
    """Top-level keys of the config file."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    title: str = "oncall-tui"
    """Header title."""
    refresh: Duration = 5.0
    """Default interval of every source."""
    theme: str | None = None
    """Theme name; `--theme` overrides it."""
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

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True)

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


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "oncall-tui" / "config.toml"


def load_config(
    path: Path | None = None,
    *,
    registry: PluginRegistry | None = None,
    environ: Mapping[str, str] | None = None,
) -> AppConfig:
    """The config at `path`; without one, the user's default file or the embedded demo.

    Raises ConfigError with every problem found.
    """
    if path is None:
        candidate = default_config_path()
        if candidate.is_file():
            path = candidate
    if path is None:
        text = resources.files("oncall_tui.core").joinpath("demo_config.toml").read_text()
        return parse_config(text, Path.cwd(), registry=registry, environ=environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a directory, not a config file"]) from None
    except PermissionError:
        raise ConfigError([f"{path}: permission denied"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
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
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{origin}: invalid TOML: {exc}"]) from None

    problems: list[str] = []
    expanded = _expand(raw, os.environ if environ is None else environ, (), problems)

    try:
        settings = Settings.model_validate(expanded)
    except ValidationError as exc:
        problems += _describe(exc.errors(), (), Settings)
        # Go on with the defaults for what failed, so the sources' mistakes are
        # reported in the same run.
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        kept = {k: v for k, v in expanded.items() if k not in bad}
        try:
            settings = Settings.model_validate(kept)
        except ValidationError:
            raise ConfigError(_first_per_path(problems)) from None

    specs: list[SourceSpec] = []
    load_errors: list[str] = []
    for name, table in settings.sources.items():
        spec = _source(name, table, settings.refresh, registry, problems, load_errors)
        if spec is not None:
            specs.append(spec)
    if not settings.sources and "sources" not in raw:
        problems.append("sources: no sources configured (add a [sources.<name>] table)")
    if problems:
        # Plugins that failed to import are problems too when there are others.
        raise ConfigError(_first_per_path(problems + load_errors))
    _register_secrets(expanded)
    return AppConfig(
        title=sanitize(settings.title, 200),
        refresh=settings.refresh,
        sources=specs,
        config_dir=config_dir,
        theme=settings.theme,
        history=settings.history,
        events=settings.events,
        load_errors=load_errors,
    )


def _source(
    name: str,
    table: Mapping[str, Any],
    refresh: float,
    registry: PluginRegistry,
    problems: list[str],
    load_errors: list[str],
) -> SourceSpec | None:
    where = ("sources", name)
    if not SOURCE_NAME.fullmatch(name):
        problems.append(
            f"{_path(where)}: source names are letters, digits, '_' and '-' (at most 64)"
        )
        return None
    if not isinstance(table, dict):
        problems.append(f"{_path(where)}: expected a table ([sources.{name}]), got {_show(table)}")
        return None
    core: SourceSettings | None = None
    try:
        core = SourceSettings.model_validate(table)
    except ValidationError as exc:
        problems += _describe(exc.errors(), where, SourceSettings)
    plugin_name = table.get("plugin")
    if not isinstance(plugin_name, str):
        return None  # already reported by the core phase
    if plugin_name not in registry.names():
        installed = ", ".join(registry.names()) or "none"
        problems.append(
            f"{_path((*where, 'plugin'))}: unknown plugin {plugin_name!r} (installed: {installed})"
        )
        return None
    load_error = ""
    try:
        plugin = registry.load(plugin_name)
    except PluginLoadError as exc:
        load_error = str(exc)
        load_errors.append(f"{_path((*where, 'plugin'))}: {exc}")
        plugin = None
    options: PluginConfig | None = None
    if plugin is not None:
        # Phase two runs even when phase one failed, so both kinds of mistake in one
        # source are reported together.
        settings = {k: v for k, v in table.items() if k not in CORE_SOURCE_KEYS}
        try:
            options = plugin.Config.model_validate(settings)
        except ValidationError as exc:
            problems += _describe(exc.errors(), where, plugin.Config)
            return None
        except Exception as exc:  # a plugin's validator with a bug of its own
            problems.append(
                f"{_path(where)}: plugin {plugin_name!r} failed to check its options: "
                f"{type(exc).__name__}: {redactor.redact(str(exc))[:200]}"
            )
            return None
    if core is None:
        return None
    interval = core.interval or refresh
    timeout = core.timeout or min(interval, MAX_TIMEOUT)
    if core.max_age is not None and core.max_age < interval:
        problems.append(
            f"{_path((*where, 'max_age'))}: must be at least the interval "
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


# -- ${VAR} expansion ----------------------------------------------------------------

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(
    value: Any, environ: Mapping[str, str], where: tuple[str | int, ...], problems: list[str]
) -> Any:
    """`${VAR}` from the environment in every string; `$$` is a literal `$`. Expanded
    values are registered as secrets so they never reach the screen or an error."""
    if isinstance(value, dict):
        return {k: _expand(v, environ, (*where, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, environ, (*where, i), problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        var = match.group(1)
        if var not in environ:
            problems.append(f"{_path(where)}: environment variable {var} is not set")
            return ""
        redactor.add(environ[var])
        return environ[var]

    return _VAR.sub(replace, value)


def _register_secrets(value: Any, key: str = "") -> None:
    """Header values and URL passwords written literally in the config are secrets too,
    not only `${VAR}` values: a server echoing them back must not put them on screen."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "headers" and isinstance(v, dict):
                for header in v.values():
                    if isinstance(header, str):
                        redactor.add(header)
                        redactor.add(header.rsplit(" ", 1)[-1])  # "Bearer <token>"
            else:
                _register_secrets(v, k)
    elif isinstance(value, list):
        for item in value:
            _register_secrets(item, key)
    elif isinstance(value, str) and "@" in value and "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password:
            redactor.add(password)


# -- error messages ------------------------------------------------------------------


def _first_per_path(problems: list[str]) -> list[str]:
    """One message per path: a missing `${VAR}` leaves an empty value behind, and the
    follow-on "expected one of ..." for it would only confuse."""
    seen: set[str] = set()
    kept = []
    for problem in problems:
        path = problem.split(": ", 1)[0]
        if path not in seen:
            seen.add(path)
            kept.append(problem)
    return kept


def _path(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "dict_type": "expected a table",
    "list_type": "expected a list",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _describe(
    errors: list[ErrorDetails], prefix: tuple[str | int, ...], model: type[BaseModel]
) -> list[str]:
    messages = []
    for error in errors:
        loc = tuple(part for part in error["loc"] if not _is_internal(part))
        path = _path((*prefix, *loc))
        kind = error["type"]
        secret = any(part in _SECRET_KEYS for part in loc)
        given = "a value (not shown)" if secret else _show(error.get("input"))
        if kind == "missing":
            message = "required key is missing"
        elif kind == "extra_forbidden":
            message = "unknown key" + _suggest(model, loc)
        elif kind in _EXPECTED:
            message = f"{_EXPECTED[kind]}, got {given}"
        elif kind == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
        else:
            message = f"{error['msg']}, got {given}"
        messages.append(f"{path}: {redactor.redact(message)}")
    return messages


_SECRET_KEYS = frozenset({"headers", "url", "password", "token", "secret"})
"""Where a config value may hold a credential: its input is never echoed."""


def _is_internal(part: str | int) -> bool:
    # pydantic adds the member of a union or a function validator to the location.
    return isinstance(part, str) and (
        part.startswith("function-") or part in {"float", "int", "str", "bool", "none"}
    )


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = redactor.redact(repr(value))  # before the cut: no secret prefix survives
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """ "did you mean" for a typo, found by walking the model along the location."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    fields = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = current.model_fields.get(part) if _is_model(current) else None
        if field_info is None:
            return []
        current = _inner_model(field_info.annotation)
        if current is None:
            return []
    if not _is_model(current):
        return []
    names: list[str] = []
    for name, info in current.model_fields.items():
        names.append(info.alias or name)
    return names


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
