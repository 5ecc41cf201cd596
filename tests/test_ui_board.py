"""The board's structure: business first, the host apart, change markers off the
panels, the why-line whole, colours that keep critical the most salient, and the pure
helpers behind them (sparklines, heights). The filter and attention, which have no
Textual, are tested in test_signal_filter.py and test_attention.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from rich.style import Style
from textual.geometry import Region

from oncall_tui.core.present.panel_rows import allocate_heights
from oncall_tui.core.present.sparkline import SPARK_STEP, SparkCache, spark_cells
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import Reading, Signal, SourceState, Status, Thresholds
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.chart import HistoryChart
from oncall_tui.ui.widgets.runbook_view import browser_problem, middle_truncate
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0, make_app, make_store, reading, refreshes

SIZE = (120, 40)


def lines(panel: SignalPanel) -> list[str]:
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


async def test_business_first_host_apart_changes_only_on_the_timeline() -> None:
    business = SourceState(name="biz", plugin="prometheus", kinds=frozenset({"business"}))
    host = SourceState(name="host", plugin="host", kinds=frozenset({"health"}))
    store = make_store("ok", extra_sources=[business, host])
    store.apply(
        "biz",
        [
            reading(
                "pay-success",
                "business",
                "payment success rate",
                0.62,
                thresholds=Thresholds(warning=0.97, critical=0.9, below=True),
            ),
            Reading(key="deploy", kind="change", name="loan-api deployed", value=T0 - 300),
        ],
        at=T0 - 1,
    )
    store.apply(
        "host",
        [reading("cpu", "health", "host/cpu", 0.97, "ratio", Thresholds(0.8, 0.95))],
        at=T0 - 1,
    )
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panels = app.dashboard.panels
        # business: its own panel, above the layers
        assert panels["business"].row_keys == ["biz/pay-success"]
        assert panels["business"].region.y < panels["health"].region.y
        # the host: its own panel, never a platform service
        assert panels["host"].display and panels["host"].row_keys == ["host/cpu"]
        assert "host/cpu" not in panels["health"].row_keys
        assert "This host" in lines(panels["host"])[0]
        # a change marker is no row anywhere, but it is on the event timeline
        assert not any("biz/deploy" in p.row_keys for p in panels.values())
        await pilot.press("e")
        assert any(
            "◆ CHANGE" in text and "loan-api deployed" in text for text in app.screen.list.texts
        )  # type: ignore[attr-defined]


async def test_the_selected_signals_summary_is_whole_on_its_own_line_at_80_columns() -> None:
    why = (
        "overloaded: traffic 3x normal, worker pool saturated, queue depth 4,812 and "
        "rising; 5xx on /apply and /repay; last deploy 14:02 (loan-api v2.31.0)"
    )
    store = make_store(
        "ok", readings=[reading("x", "health", "loan-api error ratio", 0.31, summary=why)]
    )
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = app.dashboard.selection
        shown = [line.render_line(y).text.rstrip() for y in range(line.size.height)]
        assert " ".join(shown).replace("  ", " ").count(why.split(";")[0]) == 1
        text = " ".join(part.strip() for part in shown)
        for word in why.split():
            assert word in text  # nothing cut
        # wrapped between words only: no line ends inside a word of the summary
        words = set(why.split())
        for row in shown[:-1]:
            last = row.split()[-1]
            assert last in words or not last.isalnum()
        assert all(len(row) <= 80 for row in shown)


async def test_panels_share_the_height_so_none_hides_rows_while_another_has_blanks() -> None:
    readings = [reading(f"h{i}", "health", f"svc-{i:02}", 0.001) for i in range(30)]
    readings += [reading(f"d{i}", "dependency", f"dep-{i}", 0.001) for i in range(3)]
    app = make_app(make_store("ok", readings=readings))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panels = app.dashboard.panels
        deps, health = panels["dependency"], panels["health"]
        assert deps.region.height == deps.wanted_height == 4  # title + 3 rows, no blanks
        assert panels["alert"].region.height == 1  # an empty panel: one line
        assert health.region.height > 8  # the long panel got the rest


def test_allocate_heights_fits_minimums_then_shares() -> None:
    assert allocate_heights([10, 4, 1], 20, [3, 3, 1]) == [10, 4, 1]
    assert allocate_heights([40, 40, 1], 21, [4, 4, 1]) == [10, 10, 1]
    assert sum(allocate_heights([40, 10, 1], 12, [4, 4, 1])) <= 12
    assert allocate_heights([40, 2, 1], 3, [4, 2, 1]) == [1, 1, 1]


def test_sparkline_is_drawn_against_the_limits_not_the_data() -> None:
    # A hit rate 30x its 1% baseline, falling to 25x: still far above critical (20%).
    span = int(8 * SPARK_STEP)
    history = History(span)
    start = (T0 // SPARK_STEP) * SPARK_STEP - 8 * SPARK_STEP
    for i in range(span):
        history.append(start + i, 0.30 - i * 0.05 / span)
    now = start + 8 * SPARK_STEP - 1  # the last cell is the bucket now is in
    cells = spark_cells(history, Thresholds(warning=0.05, critical=0.2), now, 8)
    assert len(cells) == 8
    assert all(status is Status.CRITICAL for _, status in cells)
    assert all(bar in "▇█" for bar, _ in cells)  # a falling breach is no recovery
    # the same shape far below warning draws low, whatever its own range
    low = History(span)
    for i in range(span):
        low.append(start + i, 0.010 - i * 0.005 / span)
    cells = spark_cells(low, Thresholds(warning=0.05, critical=0.2), now, 8)
    assert all(bar in "▁▂" and status is Status.OK for bar, status in cells)


def test_sparkline_gaps_stay_blank_and_low_is_bad_dips() -> None:
    history = History(360)
    step = int(SPARK_STEP)
    base = (T0 // SPARK_STEP) * SPARK_STEP - 4 * SPARK_STEP
    for i in range(0, step, 5):
        history.append(base + i, 0.999)  # bucket 0
    for i in range(3 * step, 4 * step, 5):
        history.append(base + i, 0.90)  # bucket 3; buckets 1 and 2 empty
    thresholds = Thresholds(warning=0.99, critical=0.95, below=True)
    cells = spark_cells(history, thresholds, base + 4 * SPARK_STEP - 1, 4)
    assert cells[1] == (" ", None) and cells[2] == (" ", None)
    assert cells[3][1] is Status.CRITICAL and cells[0][1] is Status.OK
    assert cells[0][0] > cells[3][0]  # healthy availability tall, the outage a dip


def test_sparkline_reaches_now_through_the_partial_bucket() -> None:
    # A rule critical for 37 s: the trend's last cell is critical already, not a minute
    # later when its bucket completes.
    step = SPARK_STEP
    bucket = (T0 // step) * step
    history = History(360)
    for i in range(0, int(2 * step), 5):
        history.append(bucket - 2 * step + i, 0.01)
    for i in range(0, 37, 5):
        history.append(bucket + i, 0.33)
    thresholds = Thresholds(warning=0.05, critical=0.2)
    now = bucket + 37
    cells = spark_cells(history, thresholds, now, 4)
    assert [status for _, status in cells][-3:] == [Status.OK, Status.OK, Status.CRITICAL]
    cache = SparkCache()
    signal = Signal("k", "risk_rule", "r", "s", {}, "ratio", history=history)
    signal.thresholds = thresholds
    assert cache.get(signal, now, 4) == cells
    history.append(now + 1, 0.9)  # a newer, worse sample in the same bucket
    assert cache.get(signal, now + 1, 4)[-1][0] == "█"
    # a minute turning, before its first sample: the last value stands, not a blank
    assert cache.get(signal, bucket + step + 0.5, 4)[-1][1] is Status.CRITICAL


async def test_critical_is_a_filled_badge_warning_only_coloured_text() -> None:
    # Whatever the colour mode does to hues (the themes own those), critical is a block
    # of colour with the word in it; a warning is coloured text: the block wins.
    app = make_app(make_store("critical"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        health = app.dashboard.panels["health"]
        critical = next(seg for seg in health.render_line(2) if "CRIT" in seg.text)
        row = next(y for y in range(8) if "WARN" in health.render_line(y).text)
        warning = next(seg for seg in health.render_line(row) if "WARN" in seg.text)
        assert critical.style is not None and critical.style.bgcolor is not None
        assert critical.style.bold
        assert warning.style is not None and warning.style.bgcolor is None


async def test_no_color_draws_critical_in_reverse_and_bold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(make_store("critical"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        health = app.dashboard.panels["health"]
        segments = list(health.render_line(2))  # second critical row (not the cursor)
        badge = next(seg for seg in segments if "CRIT" in seg.text)
        assert isinstance(badge.style, Style) and badge.style.reverse and badge.style.bold
        warning_row = next(y for y in range(8) if "WARN" in health.render_line(y).text)
        warn = next(seg for seg in health.render_line(warning_row) if "WARN" in seg.text)
        assert warn.style is not None and not warn.style.reverse
        app.export_screenshot()
        for key in ("enter", "escape", "e", "escape", "question_mark", "escape"):
            await pilot.press(key)
            app.export_screenshot()  # every screen through the monochrome filter


async def test_change_markers_are_vertical_marks_on_the_chart() -> None:
    store = make_store("critical", history=20)
    store.add_source(SourceState(name="deploys", plugin="prometheus", kinds=frozenset({"change"})))
    store.apply(
        "deploys",
        [
            Reading(
                key="loan-api",
                kind="change",
                name="loan-api deployed",
                value=T0 - 200,
                component="loan-api error ratio",
            )
        ],
        at=T0 - 1,
    )
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "g", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SignalDetailScreen)
        chart = screen.query_one(HistoryChart)
        assert chart.data is not None and chart.data.changes == (T0 - 200,)
        assert "│" in chart.text


def bureau_board(bureau_errors: float, *more: Reading) -> tuple[OncallApp, list[Reading]]:
    """loan-api, which depends on credit-bureau, failing; the bureau's errors at
    `bureau_errors`. The app and the readings it was given."""
    readings = [
        reading("bureau", "dependency", "credit-bureau errors", bureau_errors,
                component="credit-bureau"),
        reading("loan", "health", "loan-api errors", 0.4, component="loan-api"),
        *more,
    ]  # fmt: skip
    app = make_app(make_store("ok", readings=readings))
    app.engine.config.topology = {"loan-api": ["credit-bureau"]}
    return app, readings


async def test_the_cause_line_names_the_root_and_drills_into_it() -> None:
    app, readings = bureau_board(
        0.03, reading("pay", "health", "pay-api errors", 0.0, component="pay-api")
    )
    store = app.engine.store
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert board.cause.display and board.cause.region.height == 1
        assert board.cause.region.y <= 2, "in the top three lines"
        line = board.cause.plain
        assert line.startswith("LIKELY CAUSE  credit-bureau degraded")
        assert "loan-api" in line and len(line) <= 78
        # The launch selection is the cause's worst signal, not its louder symptom
        # (loan-api at 40%).
        assert board.selected_key == "demo/bureau"
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, SignalDetailScreen)
        assert app.screen.key == "demo/bureau"
        assert store.signals["demo/bureau"].status is Status.WARNING
        await pilot.press("escape")
        # Healthy again: the line goes away.
        store.apply("demo", [replace(r, value=0.0) for r in readings], at=T0)
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert not board.cause.display


def test_browser_detection_and_middle_truncation() -> None:
    ssh: dict[str, Any] = {"SSH_CONNECTION": "1 2 3 4"}
    assert "SSH session" in browser_problem(ssh, "linux")
    assert browser_problem({**ssh, "BROWSER": "lynx"}, "linux") == ""
    assert browser_problem({"DISPLAY": ":0"}, "linux") == ""
    assert browser_problem({}, "darwin") == ""
    assert "DISPLAY" in browser_problem({}, "linux")
    url = "https://runbooks.example.com/" + "a" * 80 + "/end"
    cut = middle_truncate(url, 40)
    assert len(cut) == 40 and cut.startswith("https://run") and cut.endswith("/end")
    assert middle_truncate("short", 40) == "short"


def test_changed_cells_covers_every_difference_and_no_more() -> None:
    from oncall_tui.ui.widgets.line_diff import changed_cells

    assert changed_cells("bureau down 85s (dependency)", "bureau down 86s (dependency)") == 14
    assert changed_cells("same", "same") == 0
    assert changed_cells("down 9s x", "down 10s x") == 10  # the rest moved right
    assert changed_cells("down 10s x", "down 9s") == 10  # the old tail is cleared
    assert changed_cells("宽 1", "宽 2") is None  # a wide character: not cell by cell


def test_a_change_repaints_its_line_up_to_its_extent_within_the_width() -> None:
    from oncall_tui.ui.widgets.line_diff import dirty_line

    assert dirty_line(3, 80, 14) == Region(0, 3, 14, 1)
    assert dirty_line(3, 80, 200) == Region(0, 3, 80, 1)
    assert dirty_line(3, 80, None) == Region(0, 3, 80, 1)  # unknown: the whole line
    assert dirty_line(3, 80, 0) is None  # nothing changed


async def test_the_cause_line_repaints_only_up_to_its_changed_duration() -> None:
    """Its duration moves every second during an incident: the rest of the line stays
    as it is on the terminal (no layout pass, no whole-line repaint)."""
    app, _ = bureau_board(0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        cause = app.dashboard.cause
        now = [T0 + 30]
        cause.clock = lambda: now[0]
        cause.refresh_cause(force=True)
        await pilot.pause()
        first = cause.plain
        with refreshes({"cause": cause}) as calls:
            now[0] += 10  # seconds are said in tens
            cause.refresh_cause(force=True)
            await pilot.pause()
            assert cause.plain != first, "the duration moved"
            assert calls, "the change was repainted"
            last = calls[-1]
            assert not last.layout and len(last.regions) == 1
            differs = [i for i, (a, b) in enumerate(zip(first, cause.plain, strict=True)) if a != b]
            assert last.regions[0].width == differs[-1] + 1 < len(cause.plain) - 10
            calls.clear()
            cause.refresh_cause(force=True)  # same second: the same words, nothing to do
            await pilot.pause()
            assert not calls


async def test_the_why_line_keeps_two_lines_on_a_tall_screen() -> None:
    """Growing to a second line would be a layout pass (a whole-screen repaint); on a
    screen of 30 rows or more the line has it from the start, on a short one it does not."""
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        selection = app.dashboard.selection
        assert selection.text and len(selection.text) < 100, "the words fit on one line"
        assert selection.region.height == 2
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        await pilot.pause()
        assert selection.region.height == 1
        await pilot.resize_terminal(120, 32)
        await pilot.pause()
        await pilot.pause()
        assert selection.region.height == 2
