"""The board's own keys (the app's global ones are in `ui/app.py`): k9s habits, and a
binding id each, so `[keys]` in the config can rebind them."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BOARD_BINDINGS: list[BindingType] = [
    Binding("1", "focus_panel('health')", "Health panel", show=False, id="panel_health"),
    Binding("2", "focus_panel('risk_rule')", "Risk rules panel", show=False, id="panel_risk_rule"),
    Binding(
        "3",
        "focus_panel('dependency')",
        "Dependencies panel",
        show=False,
        id="panel_dependency",
    ),
    Binding("4", "focus_panel('alert')", "Alerts panel", show=False, id="panel_alert"),
    Binding("tab", "cycle_panel(1)", "Next panel", show=False, id="next_panel"),
    Binding("shift+tab", "cycle_panel(-1)", "Previous panel", show=False, id="previous_panel"),
    Binding("w", "worst", "Worst", tooltip="Go to the worst signal and follow it", id="worst"),
    Binding(
        "C",
        "cause",
        "Cause",
        tooltip="Drill into the probable cause; again: the next cause",
        id="cause",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        tooltip="Filter names and labels: text or regex, !x hides x",
        id="filter",
        # Taken as it arrives, before the keys typed after it are handed on: they are
        # the filter's (DashboardScreen.check_action lets `/` through inside it).
        priority=True,
    ),
    Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    Binding("e", "app.events", "Events", tooltip="Event timeline, newest first", id="events"),
    Binding(
        "p", "app.pause", "Pause", tooltip="Freeze the screen; collection continues", id="pause"
    ),
]
