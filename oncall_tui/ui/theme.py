"""Status colours as theme variables, so every theme (built-in or a user's file) colours
the board consistently and a theme can override each one.

A theme may set `status-critical`, `status-warning`, `status-ok` and `status-unknown`
in its `variables`; when it does not, they are derived from its own error, warning and
success colours. Unknown gets a colour of its own (between error and primary) because
it must read neither as ok nor as a plain warning.
"""

from __future__ import annotations

from textual.color import Color, ColorParseError
from textual.theme import Theme

STATUS_VARIABLES = ("status-critical", "status-warning", "status-ok", "status-unknown")


def status_variables(theme: Theme) -> dict[str, str]:
    """Defaults for the status variables, derived from `theme`."""
    colors = theme.to_color_system().generate()
    try:
        unknown = Color.parse(colors["error"]).blend(Color.parse(colors["primary"]), 0.5)
        unknown_text = unknown.lighten(0.15).hex if theme.dark else unknown.hex
    except ColorParseError:  # e.g. ANSI themes name their colours
        unknown_text = colors["accent"]
    return {
        "status-critical": colors["error"],
        "status-warning": colors["warning"],
        "status-ok": colors["success"],
        "status-unknown": unknown_text,
    }
