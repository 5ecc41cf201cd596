"""Screens of the dashboard, one module each.

Nothing is imported here: `oncall_tui.ui.screens.dashboard` is what the board starts
with, and importing the package must not bring the detail screen (charts, Markdown)
along with it. The names below are looked up when first asked for."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_tui.ui.screens.dashboard import DashboardScreen
    from oncall_tui.ui.screens.detail import SignalDetailScreen

__all__ = ["DashboardScreen", "SignalDetailScreen"]

_HOMES = {
    "DashboardScreen": "oncall_tui.ui.screens.dashboard",
    "SignalDetailScreen": "oncall_tui.ui.screens.detail",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
