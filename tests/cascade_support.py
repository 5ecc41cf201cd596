"""The board on the real demo plugin playing an incident (the cascade by default),
collected once on a frozen clock, and the rows it shows."""

from __future__ import annotations

from pathlib import Path

from demo_triage_support import demo_config
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0


async def cascade_app(incident: str = "cascade") -> OncallApp:
    config = parse_config(demo_config(incident), Path("."))
    engine = Engine(config, store=SignalStore(clock=lambda: T0), seed=1)
    await engine.collect_once()
    return OncallApp(engine, clock=lambda: T0, start_engine=False)


def row_text(panel: SignalPanel, key: str) -> str:
    index = panel.model.position[key]
    return panel.render_line(len(panel.pinned_text) + index - panel.scroll_offset.y).text


def shown_rows(app: OncallApp) -> dict[str, str]:
    """Every visible row of every panel, by signal key."""
    rows: dict[str, str] = {}
    for panel in app.dashboard.panel_list:
        top = panel.scroll_offset.y
        visible = panel.scrollable_content_region.height - len(panel.pinned_text)
        for key in panel.row_keys[top : top + visible]:
            rows[key] = row_text(panel, key)
    return rows
