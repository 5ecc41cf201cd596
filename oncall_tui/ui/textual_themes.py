"""Status colours as theme variables, and theme files turned into Textual themes.

A theme may set `status-critical`, `status-warning`, `status-ok` and `status-unknown`
(a theme file's `[status]` table); when it does not, they are derived from its own
error, warning and success colours. Unknown gets a colour of its own (between error
and primary) because it must read neither as ok nor as a plain warning.

On a 16-colour terminal (the Linux console, `TERM=xterm`) the terminal picks the
nearest of its 16 colours, which can turn an orange warning and a red critical into
the same red. There each status colour is snapped to the ANSI colour of its own hue
instead (critical red, warning yellow, ok green: bright on dark themes, normal on
light ones), so the four statuses stay four colours.

On a 256-colour terminal Rich rounds each colour into the 6x6x6 cube unless it is
nearly grey, which turns the dark theme's slate header (#242f38) into navy (#00005f),
a background against which a red stands out less than an orange. There the theme's
panel (header, titles) is snapped to its nearest 256-colour by ΔE instead (a dark grey).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from oncall_tui.core.config.theme_files import ThemeCatalog, ThemeSpec
from oncall_tui.ui.textual_compat import eight_bit_palette

_PALETTE = eight_bit_palette()

log = logging.getLogger(__name__)

STATUS_VARIABLES = ("status-critical", "status-warning", "status-ok", "status-unknown")

ANSI_NORMAL = {
    "red": "#aa0000",
    "green": "#00aa00",
    "yellow": "#aa5500",
    "blue": "#0000aa",
    "magenta": "#aa00aa",
    "cyan": "#00aaaa",
    "grey": "#555555",
}
"""The 16-colour palette Rich downgrades to (normal intensity): each value maps back to
exactly one ANSI colour, which the terminal then draws in its own shade."""
ANSI_BRIGHT = {
    "red": "#ff5555",
    "green": "#55ff55",
    "yellow": "#ffff55",
    "blue": "#5555ff",
    "magenta": "#ff55ff",
    "cyan": "#55ffff",
    "grey": "#aaaaaa",
}
_HUES = {"red": 0.0, "yellow": 60.0, "green": 120.0, "cyan": 180.0, "blue": 240.0}
_HUES_MAGENTA = 300.0


def status_variables(theme: Theme) -> dict[str, str]:
    """Defaults for the status variables, derived from `theme`; `status-critical-text`
    (the glyph and word on critical's block) from the critical the theme ends up with."""
    colors = theme.to_color_system().generate()
    try:
        unknown = Color.parse(colors["error"]).blend(Color.parse(colors["primary"]), 0.5)
        unknown_text = unknown.lighten(0.15).hex if theme.dark else unknown.hex
    except ColorParseError:  # e.g. ANSI themes name their colours
        unknown_text = colors["accent"]
    critical = theme.variables.get("status-critical", colors["error"])
    return {
        "status-critical": colors["error"],
        "status-critical-text": legible_on(critical, colors["foreground"], colors["background"]),
        "status-warning": colors["warning"],
        "status-ok": colors["success"],
        "status-unknown": unknown_text,
    }


def _luminance(colour: Color) -> float:
    """WCAG relative luminance."""
    return 0.2126 * _linear(colour.r) + 0.7152 * _linear(colour.g) + 0.0722 * _linear(colour.b)


def legible_on(fill: str, *candidates: str) -> str:
    """Of `candidates` (the theme's foreground and background), the one with the
    highest WCAG contrast on `fill`. Textual's `auto` picks by perceived brightness and
    puts white on a bright red (3.5:1); the theme's near-black reads at 4.8:1 there."""
    try:
        back = _luminance(Color.parse(fill))
        ranked = [(Color.parse(c), c) for c in candidates]
    except ColorParseError:
        return "auto 95%"

    def ratio(colour: Color) -> float:
        high, low = sorted((back, _luminance(colour)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    return max(ranked, key=lambda pair: ratio(pair[0]))[1]


def ansi_hue(colour: str, *, dark: bool) -> str:
    """The 16-colour stand-in for `colour`: the ANSI colour of its hue (grey when it has
    next to none), bright on a dark background, normal on a light one."""
    hue, saturation, _ = Color.parse(colour).hsl
    palette = ANSI_BRIGHT if dark else ANSI_NORMAL
    if saturation < 0.15:
        return palette["grey"]
    degrees = hue * 360
    hues = {**_HUES, "magenta": _HUES_MAGENTA}

    def distance(name: str) -> float:
        gap = abs(degrees - hues[name]) % 360
        return min(gap, 360 - gap)

    return palette[min(hues, key=distance)]


def _linear(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _lab(colour: Color) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour: distances in it follow what the eye sees."""
    r, g, b = _linear(colour.r), _linear(colour.g), _linear(colour.b)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


@functools.cache
def _palette_labs() -> list[tuple[float, float, float]]:
    """The 240 colours `nearest_256` picks from, in CIELAB: computed once, not for each
    colour of each theme (960 conversions before a 256-colour board's first frame)."""
    return [_lab(Color(*_PALETTE[n])) for n in range(16, 256)]


def nearest_256(colour: str) -> str:
    """The xterm 256-colour (cube or grey ramp, not the terminal-defined first 16)
    nearest to `colour` by ΔE, as a hex Rich downgrades to exactly that colour; the
    colour itself when no such hex exists."""
    lightness, green_red, blue_yellow = _lab(Color.parse(colour))
    distances = [
        (light - lightness) ** 2 + (a - green_red) ** 2 + (b - blue_yellow) ** 2
        for light, a, b in _palette_labs()
    ]
    best = 16 + distances.index(min(distances))
    snapped = Color(*_PALETTE[best]).hex
    if RichColor.parse(snapped).downgrade(ColorSystem.EIGHT_BIT).number != best:
        return colour
    return snapped


def to_textual_theme(spec: ThemeSpec, *, colors: ColorSystem | None = None) -> Theme:
    """A validated theme file as a Textual theme; `colors` is the terminal's colour
    system (16 colours snap the statuses to ANSI hues)."""
    file = spec.file
    theme = Theme(
        name=spec.name,
        primary=file.primary,
        secondary=file.secondary,
        accent=file.accent,
        foreground=file.foreground,
        background=file.background,
        surface=file.surface,
        panel=file.panel,
        boost=file.boost,
        warning=file.warning,
        error=file.error,
        success=file.success,
        dark=file.dark,
        variables=dict(file.variables),
    )
    if file.status is not None:
        theme.variables.update(
            {
                "status-ok": file.status.ok,
                "status-warning": file.status.warning,
                "status-critical": file.status.critical,
                "status-unknown": file.status.unknown,
            }
        )
    if colors is ColorSystem.EIGHT_BIT:
        generated = theme.to_color_system().generate()
        theme.panel = nearest_256(generated["panel"])
        # Textual derives boost only when no panel is given: keep the derived one.
        boost = {k: v for k, v in generated.items() if k.startswith(("boost", "block-hover"))}
        theme.variables = {**boost, **theme.variables}
    if colors in (ColorSystem.STANDARD, ColorSystem.WINDOWS):
        derived = {**status_variables(theme), **theme.variables}
        for name in STATUS_VARIABLES:
            theme.variables[name] = ansi_hue(derived[name], dark=file.dark)
    theme.to_color_system().generate()  # fails here, not in the middle of a repaint
    return theme


_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}


def terminal_colors(app: App[Any]) -> ColorSystem | None:
    """The colour system the app's output is downgraded to: Rich's detection, which
    assumes truecolor only when COLORTERM says so (else 256 for `*-256color`, else 16).
    None in a headless run (tests, screenshots), whose pictures are always truecolor."""
    if app.is_headless:
        return None
    return _COLOR_SYSTEMS.get(app.console.color_system or "")


def register_themes(
    app: App[Any], catalog: ThemeCatalog, *, colors: ColorSystem | None = None
) -> list[str]:
    """Make the catalog's themes the app's only themes (so `--theme`, the config and the
    palette's theme switcher offer the same list); returns the problems found."""
    problems = list(catalog.problems)
    for spec in catalog.themes.values():
        try:
            app.register_theme(to_textual_theme(spec, colors=colors))
        except Exception as exc:  # a colour Textual refuses although core accepted it
            problems.append(f"{spec.path}: {type(exc).__name__}: {exc}")
            log.warning("theme %s not usable: %s", spec.path, exc)
    return problems


def drop_builtin_themes(app: App[Any], keep: Iterable[str]) -> None:
    """Forget Textual's own themes (nord, gruvbox, ...): their names are not ours to
    validate in the config, and their status colours were never checked."""
    kept = set(keep)
    for name in BUILTIN_THEMES:
        if name not in kept:
            app.unregister_theme(name)
