"""A changed value is sent to the terminal from its own column, never from the row's
start, and the cuts that make it so never change what the screen shows.

Textual 8 sends a repainted part of a line from the start of the stretch it begins in,
and cuts lines only where widgets begin or end; the board places unseen guides behind
its panels so that rows are cut where their value begins
(`board_guides.py`). What could go wrong: a cut inside a wide character (Textual then
draws it as two blanks), a guide left where a panel no longer is, a guide showing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from textual.geometry import Region

from oncall_tui.core.present.panel_rows import BADGE_WIDTH, Columns, changing_cuts
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.board_guides import Guide
from oncall_tui.ui.textual_compat import screen_lines
from oncall_tui.ui.widgets.line_diff import changed_span, dirty_span
from pty_app import PtyApp
from startup_support import demo_environment
from ui_support import T0, make_app, make_store, reading
from waiting import pilot_until

# Wide characters everywhere a cut could fall: names of every length (a name is fitted
# to its column, a wide character that does not fit is padded), a banner.
NAMES = ["支払い-api 错误率", "決済 p99", "x", "한국어 서비스 가용성 비율", "données-clé"]
HEALTH = [
    reading(f"h{i:02}", "health", f"{NAMES[i % len(NAMES)]} {i}", 0.001 * (i + 1))
    for i in range(40)
]
DEPENDENCIES = [reading(f"d{i:02}", "dependency", f"依存-{i} 可用", 0.001) for i in range(12)]


def test_the_cuts_are_where_the_changing_columns_begin() -> None:
    columns = Columns(name=20, summary=10, value=6, spark=8, age=7)
    value = 1 + BADGE_WIDTH + 1 + 20 + 1
    assert changing_cuts(columns) == [value]
    assert changing_cuts(Columns(name=20, value=6)) == [value]
    assert changing_cuts(Columns()) == []


def test_the_changed_span_covers_every_difference_and_no_more() -> None:
    from rich.segment import Segment
    from rich.style import Style
    from textual.strip import Strip

    def strip(text: str) -> Strip:
        return Strip([Segment(text, Style())])

    assert changed_span(strip("svc-01   0.42  ▁▂"), strip("svc-01   0.47  ▁▂")) == (12, 13)
    assert changed_span(strip("svc-01   0.42  ▁▂"), strip("svc-01   0.42  ▁▃")) == (16, 17)
    assert changed_span(strip("same"), strip("same")) == (0, 0)
    assert changed_span(strip("宽 1"), strip("宽 2")) is None  # not cell by cell
    assert dirty_span(3, 80, (12, 14)) == Region(12, 3, 2, 1)
    assert dirty_span(3, 80, (70, 200)) == Region(70, 3, 10, 1)
    assert dirty_span(3, 80, None) == Region(0, 3, 80, 1)
    assert dirty_span(3, 80, (0, 0)) is None


def _guides(app: OncallApp) -> list[Guide]:
    return [guide for guide in app.dashboard.query(Guide) if guide.display]


def _settled(app: OncallApp) -> bool:
    """The guides have followed the last layout pass (they do so in the turns after
    it: a guide may span a line more or less for a frame, then the screen is repainted
    whole by the pass that moves it)."""
    panels = [panel for panel in app.dashboard.panels.values() if panel.display]
    areas = [panel.scrollable_content_region for panel in panels]
    return (
        bool(_guides(app))
        and all(panel.laid_out_for == panel.scrollable_content_region.width for panel in panels)
        and all(any(area.contains_region(guide.region) for area in areas) for guide in _guides(app))
    )


def _check_guides(app: OncallApp) -> None:
    """Every shown guide lies on one panel's row lines (not its title or banners), its
    edges at that panel's cuts; and the screen shows every line each panel draws, wide
    characters whole."""
    panels = [panel for panel in app.dashboard.panels.values() if panel.display]
    lines = screen_lines(app.screen)
    for guide in _guides(app):
        region = guide.region
        owners = [p for p in panels if p.scrollable_content_region.contains_region(region)]
        assert owners, (region, [p.scrollable_content_region for p in panels])
        owner = owners[0]
        area = owner.scrollable_content_region
        assert region.y == area.y + len(owner.pinned_text)
        edges = {area.x + cut for cut in changing_cuts(owner.columns)} | {area.right}
        assert {region.x, region.right} <= edges
    for panel in panels:
        area = panel.scrollable_content_region
        for y in range(area.height):
            drawn = panel.render_line(y).text.rstrip()
            assert drawn in lines[area.y + y], (panel.title, y)


async def test_guides_lie_on_row_lines_only_and_the_screen_shows_every_character() -> None:
    store = make_store("ok", readings=HEALTH + DEPENDENCIES)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        health = app.dashboard.panels["health"]
        await pilot_until(pilot, lambda: len(health.row_keys) == len(HEALTH))
        await pilot_until(pilot, lambda: len(_guides(app)) >= 2 and _settled(app))
        await pilot.pause()
        _check_guides(app)
        assert any(g.region.y > health.region.y for g in _guides(app))

        # A banner with wide characters over the rows: the guides move below it.
        store.fail("demo", "接続が拒否されました (connection refused)", at=T0)
        app.dashboard.sync()
        await pilot_until(pilot, lambda: len(health.pinned_text) > 1)
        rows_top = health.scrollable_content_region.y + 2  # under the title and the banner
        await pilot_until(
            pilot, lambda: _settled(app) and any(g.region.y == rows_top for g in _guides(app))
        )
        await pilot.pause()
        _check_guides(app)

        for size in ((80, 24), (200, 60), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot_until(pilot, lambda size=size: app.screen.size == size)
            await pilot_until(pilot, lambda: _settled(app))
            await pilot.pause()
            _check_guides(app)


CONFIG = """
title = "row cuts"
refresh = "1s"

[sources.demo]
plugin = "demo"
services = 30
rules = 40
dependencies = 20
incident = "none"
change_rate = 0.5
"""

CUP = re.compile(rb"\x1b\[(\d+);(\d+)H")
BADGE = re.compile(r"(OK|WARN|CRIT|UNKN) ")
CLOCK = re.compile(rb"\d\d:\d\d:\d\d")
"""The header's clock, written once a second."""


def test_a_changed_value_is_sent_from_its_own_column(tmp_path: Path) -> None:
    """The real board in a terminal, values changing: the rows' repaints start at the
    value (or trend) column, not at the row's start (which sent the badge and the name
    again: ~64 bytes a row where ~14 do)."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    env = {**demo_environment(tmp_path), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    app = PtyApp(
        [sys.executable, "-m", "oncall_tui", "--config", str(path)], env, rows=40, cols=120
    )
    try:
        app.wait_for(lambda screen: "risk" in screen.lower(), 60, "the board's rows")
        # Past the first seconds' layout passes (each repaints the whole screen).
        seconds = len(CLOCK.findall(app.raw))
        app.wait_for(lambda _: len(CLOCK.findall(app.raw)) >= seconds + 3, 60, "3 s more")
        start = len(app.raw)

        def row_writes() -> list[bytes]:
            # A row write: a cursor move onto a panel's lines, then its text.
            pieces = CUP.split(app.raw[start:])
            return [
                text
                for row, _col, text in zip(pieces[1::3], pieces[2::3], pieces[3::3], strict=True)
                if 4 <= int(row) <= 37 and text.strip(b"\n")
            ]

        app.wait_for(lambda _: len(row_writes()) >= 60, 60, "60 repainted rows")
        writes = row_writes()
        whole = [w for w in writes if BADGE.search(w.decode("utf-8", "replace"))]
        assert len(whole) <= len(writes) // 10, (len(whole), len(writes))
        assert sum(map(len, writes)) / len(writes) < 30
        app.send(b"q")
        assert app.wait_exit(10) == 0
    finally:
        app.close()
