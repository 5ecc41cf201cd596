"""Theme files: `themes/<name>.toml`, validated before anything is drawn.

Headless on purpose: `validate` and the config loader check a theme name without a
terminal, and the UI turns a validated `ThemeSpec` into a Textual theme
(`oncall_tui/ui/textual_themes.py`). Loading returns the good themes and one message per
broken file, so a user's typo in one theme never stops the board.

Where themes come from, later ones replacing earlier ones of the same name:
the themes shipped with oncall-tui (the repository's top-level `themes/`, packaged
into the wheel as `oncall_tui/themes/`), then `$XDG_CONFIG_HOME/oncall-tui/themes/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from oncall_tui.core.config.errors import describe, first_per_path
from oncall_tui.core.named_files import UnreadableFile, parse_toml, read_named_text
from oncall_tui.core.sanitize import MAX_PROBLEM, sanitize

DEFAULT_THEME: Final = "dark"
"""The terminal dashboard's theme when neither `--theme` nor `theme =` names one."""
WALLBOARD_THEME: Final = "high-contrast"
"""The wallboard's default: read from across a room, on a TV's washed-out blacks."""
THEME_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_THEME_BYTES: Final = 64 * 1024
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_VARIABLE = re.compile(r"[a-z][a-z0-9-]{0,63}")


def _colour(value: str) -> str:
    """`#rgb` or `#rrggbb`, normalised to lower-case `#rrggbb`.

    Only hex: every status colour must be a number the colour-blind check can test,
    and a named colour means different things to different tools."""
    if not _HEX.fullmatch(value):
        raise ValueError(f"expected a colour like '#d32f2f', got {value!r}")
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(2 * c for c in digits)
    return "#" + digits


Colour = Annotated[str, AfterValidator(_colour)]


class StatusColours(BaseModel):
    """`[status]`: the colours every widget paints a status with (always next to its
    glyph and word, never alone)."""

    model_config = ConfigDict(extra="forbid")

    ok: Colour
    """Nothing wrong."""
    warning: Colour
    """Worth a look."""
    critical: Colour
    """Users are affected: the most salient colour of the theme."""
    unknown: Colour
    """No data, stale data or a failing source: never to be read as ok."""


class ThemeFile(BaseModel):
    """The keys of one theme file; colours are `#rrggbb`. Anything not given is derived
    by Textual from `primary` (and `[status]` from success, warning and error)."""

    model_config = ConfigDict(extra="forbid")

    dark: bool = True
    """Whether the background is dark (Textual derives shades from it)."""
    primary: Colour
    """Focus, selection, titles."""
    secondary: Colour | None = None
    accent: Colour | None = None
    """The READ-ONLY badge."""
    foreground: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    """The panels' background."""
    panel: Colour | None = None
    """Header and title lines."""
    boost: Colour | None = None
    warning: Colour | None = None
    error: Colour | None = None
    success: Colour | None = None
    status: StatusColours | None = None
    """`[status]` ok, warning, critical, unknown."""
    variables: dict[str, Colour] = Field(default_factory=dict)
    """Other Textual theme variables, e.g. `footer-key-foreground = "#0178d4"`."""

    @field_validator("variables")
    @classmethod
    def _variable_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _VARIABLE.fullmatch(name):
                raise ValueError(f"{name!r} is not a variable name (lower-case, digits, '-')")
        return value


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    """A validated theme and where it came from."""

    name: str
    path: Path
    origin: Literal["shipped", "user"]
    file: ThemeFile


@dataclass(slots=True)
class ThemeCatalog:
    """Every theme that loaded, and what went wrong with the others."""

    themes: dict[str, ThemeSpec] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """One line per broken file: `path: what is wrong`."""
    broken: dict[str, str] = field(default_factory=dict)
    """Theme name -> its problem, for names whose file did not load."""

    def names(self) -> list[str]:
        return sorted(self.themes)

    def problem_with(self, name: str) -> str | None:
        """Why `name` cannot be used, or None when it can."""
        if name in self.themes:
            return None
        if name in self.broken:
            return f"theme {name!r} did not load: {self.broken[name]}"
        available = ", ".join(self.names()) or "none"
        return f"unknown theme {name!r} (available: {available})"


class ThemeFileError(Exception):
    """A theme file that cannot be used; `problems` as `path: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        # Sanitised here, as ConfigError's: a theme's file name and keys are the file's
        # text, and these lines reach `validate`'s output and the dashboard's toast.
        problems = [sanitize(problem, MAX_PROBLEM) for problem in problems]
        super().__init__("; ".join(problems))
        self.problems = problems


def shipped_theme_dir() -> Path:
    """The shipped themes: inside the installed package (wheel), or the repository's
    top-level `themes/` when running from a checkout or an editable install."""
    package = Path(__file__).resolve().parents[2]  # oncall_tui/core/config/ -> oncall_tui
    installed = package / "themes"
    return installed if installed.is_dir() else package.parent / "themes"


def user_theme_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "oncall-tui" / "themes"


def load_theme_file(path: Path, origin: Literal["shipped", "user"] = "user") -> ThemeSpec:
    """One theme file, validated; raises ThemeFileError with every problem in it."""
    name = path.stem
    if not THEME_NAME.fullmatch(name):
        raise ThemeFileError(
            [f"{path}: theme names are lower-case letters, digits, '-' and '_' (at most 40)"]
        )
    try:
        raw = parse_toml(read_named_text(path, MAX_THEME_BYTES))
    except UnreadableFile as exc:
        raise ThemeFileError([f"{path}: {exc.reason}"]) from None
    try:
        theme = ThemeFile.model_validate(raw)
    except ValidationError as exc:
        found = describe(exc.errors(), (), ThemeFile)
        raise ThemeFileError([f"{path}: {problem}" for problem in first_per_path(found)]) from None
    return ThemeSpec(name=name, path=path, origin=origin, file=theme)


def load_catalog(
    folders: Iterable[tuple[Path, Literal["shipped", "user"]]] | None = None,
) -> ThemeCatalog:
    """Every `*.toml` in the theme folders; a missing folder is no problem (most users
    have no theme folder), a broken file is reported and skipped."""
    if folders is None:
        folders = [(shipped_theme_dir(), "shipped"), (user_theme_dir(), "user")]
    catalog = ThemeCatalog()
    for folder, origin in folders:
        try:
            paths = sorted(folder.glob("*.toml"))
        except OSError as exc:
            reason = sanitize(f"{folder}: cannot list: {exc.strerror or exc}", MAX_PROBLEM)
            catalog.problems.append(reason)
            continue
        for path in paths:
            try:
                spec = load_theme_file(path, origin)
            except ThemeFileError as exc:
                catalog.problems += exc.problems
                catalog.broken[path.stem] = exc.problems[0].removeprefix(f"{path}: ")
                continue
            catalog.themes[spec.name] = spec
            catalog.broken.pop(spec.name, None)
    return catalog
