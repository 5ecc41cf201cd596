"""Widgets of the dashboard, one module each."""

from oncall_tui.ui.widgets.signal_panel import SignalPanel
from oncall_tui.ui.widgets.status_header import StatusHeader

__all__ = ["SignalPanel", "StatusHeader"]
