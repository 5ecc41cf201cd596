"""The dashboard's layout and rows: panels stacked or in two columns, cells fitted
and columns sized, status words without colour, themes, the header's counts, and what
read-only refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.theme import Theme

from dashboard_support import BIG, SMALL, panel_lines, panels, settle
from oncall_tui.core.present.cell_width import fit
from oncall_tui.core.present.panel_rows import layout_columns
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.ui.screens.dashboard import PANEL_KINDS
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import notification_messages
from oncall_tui.ui.widgets.signal_panel import CURSOR_MARK
from ui_support import (
    T0,
    demo_readings,
    make_app,
    make_store,
    reading,
    refreshes,
)


async def test_layout_stacks_when_narrow_or_when_it_fits_else_two_columns() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        shown = [panel for panel in panels(app).values() if panel.display]
        regions = [panel.region for panel in shown]
        assert all(region.x == 0 and region.width >= 78 for region in regions)
        # sized to content: a panel with rows shows some; an empty one takes one line
        for panel in shown:
            assert panel.region.height >= min(panel.wanted_height, 2)
            if not panel.row_keys:
                assert panel.region.height == 1
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        # everything fits stacked at 160x50: full-width rows (room for the limit, the
        # age and the whole why), every panel shows all its rows, none more
        layers = [panels(app)[kind].region for kind in PANEL_KINDS]
        assert all(region.x == 0 and region.width >= 158 for region in layers)
        for panel in shown:
            assert panel.region.height == panel.wanted_height
        # too tall to stack: two columns, and still every row shown
        await pilot.resize_terminal(160, 18)
        await pilot.pause()
        layers = [panels(app)[kind].region for kind in PANEL_KINDS]
        assert len({region.x for region in layers}) == 2
        for panel in shown:
            assert panel.region.height == panel.wanted_height


async def test_header_spells_out_status_counts_and_read_only() -> None:
    app = make_app(make_store("critical"), read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        text = app.dashboard.header.text
        assert "CRITICAL" in text
        assert "✖ 5 crit · ? 0 unkn · ▲ 2 warn · ● 6 ok" in text
        assert "READ-ONLY" in text and "data 2s old" in text
        assert "Credit payments on-call" in text
    app = make_app(make_store("ok"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "READ-ONLY" not in app.dashboard.header.text


def test_fit_pads_cuts_and_counts_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, right=True) == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert fit("名前名前", 5) == "名前…"
    assert fit("x", 0) == ""


def test_row_summary_names_the_reason_of_unknown() -> None:
    store = make_store("error")
    signal = store.signals["demo/pay-api/errors"]
    assert row_summary(signal) == "source error: timed out after 3s"
    critical = make_store("critical").signals["demo/loan-api/p99"]
    assert row_summary(critical) == "critical: ≥ 1s"


@pytest.mark.parametrize("width", range(0, 220, 7))
def test_column_widths_never_overflow_and_keep_the_name(width: int) -> None:
    columns = layout_columns(width, 30, 6, 8)
    widths = [columns.name, columns.value, columns.spark, columns.limit, columns.age]
    used = 7 + sum(w + 1 for w in [*widths, columns.summary] if w)
    assert used <= width or width <= 8
    if width >= 60:
        assert columns.name == 30 and columns.value == 6 and columns.spark
    if width >= 120:
        assert columns.limit and columns.age and columns.summary
    if width >= 99:  # either half of a 200-column screen shows how long
        assert columns.age


async def test_no_color_keeps_status_words_and_the_cursor_mark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        assert app.no_color
        lines = panel_lines(panels(app)["health"])
        assert lines[1].startswith(f"{CURSOR_MARK}✖ CRIT ")
        assert any(line.startswith(" ▲ WARN ") for line in lines)
        assert "CRITICAL" in app.dashboard.header.text
        await pilot.press("enter")
        assert isinstance(app.screen, SignalDetailScreen)
        app.export_screenshot()  # renders every line through the monochrome filter
        await pilot.press("escape", "j", "tab")
        assert app.is_running


async def test_every_builtin_theme_and_a_theme_with_its_own_status_colours() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        app.register_theme(
            Theme(
                name="wallboard-test",
                primary="#3366ff",
                variables={"status-critical": "#ff00ff"},
            )
        )
        for name in [*app.available_themes, "wallboard-test"]:
            app.theme = name
            await pilot.pause()
            app.export_screenshot()
        assert app.get_css_variables()["status-critical"] == "#ff00ff"
        health = panels(app)["health"]
        style = health.get_visual_style("signal-panel--critical").rich_style
        assert style.color is not None and style.color.triplet is not None
        assert style.color.triplet.hex == "#ff00ff"


async def test_a_longer_name_widens_the_name_column_of_every_row() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("1")
        health = panels(app)["health"]
        before = panel_lines(health)
        readings = [
            reading(r.key, r.kind, "pay-api error ratio, all regions, all products", 0.004)
            if r.key == "pay-api/errors"
            else r
            for r in demo_readings("none")
        ]
        with refreshes({"health": health}) as calls:
            store.apply("demo", readings, at=T0 + 1)
            await settle(pilot, app)
        after = panel_lines(health)
        assert after != before and any(c.whole for c in calls)
        # every row's value column moved right, not only the renamed row's
        assert all(
            old.index("%" if "%" in old else "ms") < new.index("%" if "%" in new else "ms")
            for old, new in zip(before[1:7], after[1:7], strict=True)
        )


async def test_read_only_refuses_file_writes_and_the_browser(tmp_path: Path) -> None:
    app = make_app(make_store("ok"), read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
        assert app.save_screenshot("x.svg", str(tmp_path)) == ""
        assert app.deliver_screenshot("y.svg", str(tmp_path)) is None
        app.open_url("https://runbooks.example.com/x")
        await pilot.pause()
        assert list(tmp_path.iterdir()) == []
        assert any("read-only" in m for m in notification_messages(app))


async def test_without_read_only_a_screenshot_is_written(tmp_path: Path) -> None:
    app = make_app(make_store("ok"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert "Screenshot" in [c.title for c in app.get_system_commands(app.screen)]
        assert app.save_screenshot("x.svg", str(tmp_path))
        assert (tmp_path / "x.svg").is_file()
