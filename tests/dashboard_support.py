"""What the dashboard's pilot tests share: the two terminal sizes, the panels and
their lines as plain text, and a way to apply store changes without waiting."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.signal_panel import SignalPanel

BIG = (160, 50)
SMALL = (80, 24)


def panels(app: OncallApp) -> dict[str, SignalPanel]:
    return app.dashboard.panels


def panel_lines(panel: SignalPanel) -> list[str]:
    """What the panel shows, line by line, as plain text."""
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


async def settle(pilot: Pilot[Any], app: OncallApp) -> None:
    """Apply pending store changes now instead of at the next debounced sync."""
    await pilot.pause()
    app.dashboard.sync()
    await pilot.pause()
