"""Screens of the dashboard, one module each."""

from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen

__all__ = ["DashboardScreen", "SignalDetailScreen"]
