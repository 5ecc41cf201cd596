"""What a change or a key costs the board, counted rather than timed: rows measured,
passes over the store, panel updates under a detail, style lookups of a chart.

A board of 10,000 signals with 10% changing every second must not re-read the store
for every re-sort, nor re-sort panels nobody sees; these counts are what the key
latency on such a board comes down to, and unlike a time they do not depend on the
machine."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Markdown

from oncall_tui.core.present import panel_model
from oncall_tui.core.present.board_columns import COLUMNS, Column
from oncall_tui.core.signals.model import Signal, Status, Thresholds, sort_key
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.chart import HistoryChart
from oncall_tui.ui.widgets.runbook_view import RunbookView
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0, board_update_runs, make_app, make_store, reading
from waiting import pilot_until

LIMITS = Thresholds(warning=0.5, critical=0.9)


def _signal(index: int, value: float) -> Signal:
    return Signal(
        key=f"s/{index}",
        source="s",
        kind="health",
        name=f"svc-{index:04} errors",
        labels={},
        value=value,
        unit="ratio",
        thresholds=LIMITS,
        status=LIMITS.level(value),
    )


class Counted:
    """The board's columns, each measure counting the rows it measured."""

    def __init__(self) -> None:
        self.measured = 0

    def columns(self) -> tuple[Column, ...]:
        def counting(column: Column) -> Column:
            measure = column.measure
            if measure is None:
                return column

            def counted(signal: Signal) -> int:
                self.measured += 1
                return measure(signal)

            return replace(column, measure=counted)

        return tuple(counting(column) for column in COLUMNS)


def _store(count: int) -> dict[str, Signal]:
    signals = [_signal(index, 0.1 + (index % 7) / 100) for index in range(count)]
    return {signal.key: signal for signal in signals}


def _fresh(signals: dict[str, Signal]) -> panel_model.PanelRows:
    rows = panel_model.PanelRows(lambda signal: True)
    rows.resort(signals)
    return rows


def test_a_status_change_re_sorts_by_what_changed_without_reading_the_store() -> None:
    signals = _store(2000)
    counted = Counted()
    rows = panel_model.PanelRows(lambda signal: True, counted.columns())
    rows.resort(signals)
    assert rows.walks == 1
    counted.measured = 0

    moved = ["s/1500", "s/7"]
    for key in moved:
        signals[key] = replace(signals[key], value=0.95, status=Status.CRITICAL)
    resort, _ = rows.classify(signals, moved)
    assert resort
    rows.update(signals, moved)

    assert rows.walks == 1  # no second pass over the 2,000 signals
    assert counted.measured == len(moved)  # the limit of each; the value once on screen
    rows.widen(moved)  # the panel measures the rows it shows
    assert counted.measured == len(moved) * 2
    whole = _fresh(signals)
    assert [s.key for s in rows.rows] == [s.key for s in whole.rows]
    assert [s.key for s in rows.rows[:2]] == ["s/7", "s/1500"]  # critical first, by name
    assert rows.counts == whole.counts and rows.widths == whole.widths
    assert rows.longest_name == whole.longest_name and rows.position == whole.position


def test_a_new_sort_re_keys_the_rows_without_measuring_or_reading_the_store() -> None:
    signals = _store(500)
    counted = Counted()
    rows = panel_model.PanelRows(lambda signal: True, counted.columns())
    rows.resort(signals)
    counted.measured = 0

    def by_name_reversed(signal: Signal) -> tuple[object, ...]:
        return (-signal.status.severity, [-ord(c) for c in signal.name])

    rows.order_key = by_name_reversed
    rows.update(signals, [])
    assert rows.walks == 1 and counted.measured == 0
    assert rows.rows[0].key == "s/499"


def test_a_new_filter_reads_the_store_once_and_measures_only_rows_it_adds() -> None:
    signals = _store(1000)
    counted = Counted()
    rows = panel_model.PanelRows(lambda signal: signal.name < "svc-0500", counted.columns())
    rows.resort(signals)
    counted.measured = 0

    rows.accept = lambda signal: signal.name < "svc-0600"  # typed: more rows shown
    rows.update(signals, [])
    assert rows.walks == 2
    assert counted.measured == 100 * 2  # the hundred new rows only
    assert len(rows.rows) == 600

    rows.accept = lambda signal: signal.name < "svc-0100"  # narrowed: nothing to measure
    rows.update(signals, [])
    assert counted.measured == 100 * 2 and len(rows.rows) == 100
    assert rows.widths == _fresh({k: s for k, s in signals.items() if s.name < "svc-0100"}).widths


def test_values_that_change_in_place_are_measured_at_the_next_re_sort() -> None:
    signals = _store(50)
    rows = _fresh(signals)
    wide = signals["s/3"]
    wide.thresholds = Thresholds(warning=0.123456, critical=0.98765)  # a wider limit cell
    rows.touched(["s/3"])
    signals["s/4"] = replace(signals["s/4"], value=0.95, status=Status.CRITICAL)
    rows.update(signals, ["s/4"])
    assert rows.widths == _fresh(signals).widths


READINGS = [reading(f"h{i}", "health", f"svc-{i:02}", 0.001) for i in range(30)]


def _panel_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = SignalPanel.sync

    def spy(self: SignalPanel, changed: Any = None) -> None:
        calls.append(str(self.id))
        original(self, changed)

    monkeypatch.setattr(SignalPanel, "sync", spy)
    return calls


async def test_the_panels_under_a_detail_wait_until_it_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(make_store("ok", readings=READINGS))
    store = app.engine.store
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        health = app.dashboard.panels["health"]
        await pilot.press("enter")
        await pilot_until(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        calls = _panel_syncs(monkeypatch)
        runs = board_update_runs(monkeypatch)
        failing = [replace(r, value=0.5) if r.key == "h7" else r for r in READINGS]
        store.apply("demo", failing, at=T0)
        store.apply("demo", failing, at=T0 + 1)
        # The update the changes armed has run, and held them.
        await pilot_until(pilot, lambda: runs[0] >= 1, what="a run of the board's update")
        assert calls == []  # nobody sees the board: nothing re-sorted
        assert health.row_keys[0] != "demo/h7"

        await pilot.press("escape")
        await pilot_until(pilot, lambda: health.row_keys[0] == "demo/h7")
        assert calls  # brought up to date on return


async def test_a_chart_looks_each_style_up_once_a_draw() -> None:
    app = make_app(make_store("critical", history=40))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        chart = await _chart(pilot, app)
        looked: list[str] = []
        original = chart._lookup

        def spy(name: str) -> Any:
            looked.append(name)
            return original(name)

        chart._lookup = spy  # type: ignore[method-assign]
        chart._drawn_for = None
        chart._redraw()
        assert chart.text.count("█") + chart.text.count("─") > 20  # a chart was drawn
        assert len(looked) == len(set(looked)) <= 8


async def _chart(pilot: Any, app: Any) -> HistoryChart:
    await pilot_until(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
    chart = app.screen.query_one(HistoryChart)
    await pilot_until(pilot, lambda: bool(chart.text.strip()))
    return chart


def test_plain_sort_key_is_the_first_sort() -> None:
    assert panel_model.PanelRows(lambda signal: True).order_key is sort_key


async def test_letters_typed_together_filter_the_board_once_by_the_latest() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard
        await pilot.press("slash")
        filters: list[str] = []
        original = board.watch_signal_filter

        def spy(query: Any) -> None:
            filters.append(query.text if hasattr(query, "text") else str(query))
            original(query)

        board.watch_signal_filter = spy  # type: ignore[method-assign]
        field = board.query_one("#filter-input")
        for typed in ("l", "lo", "loa", "loan-api"):
            field.value = typed  # type: ignore[attr-defined]
        await pilot_until(pilot, lambda: bool(filters))
        await pilot.pause()
        assert len(filters) == 1
        keys = {k for p in board.panel_list for k in p.row_keys}
        assert keys == {"demo/loan-api/errors", "demo/loan-api/p99"}


RUNBOOK = "# Steps\n\n1. Look:\n   ```sh\n   kubectl -n payments get pods\n   ```\n2. Roll back.\n"


async def test_a_runbook_read_before_the_first_layout_is_rendered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runbook file read quickly (the second detail opened) arrives before the
    screen is laid out: it is rendered once, at its width, not first at a guess."""
    rendered: list[str] = []

    def spy(original: Any) -> Any:
        def handed(self: Markdown, markdown: str) -> Any:
            rendered.append(markdown)
            return original(self, markdown)

        return handed

    # Handed over whole (update) or a piece at a time (append): each counts.
    monkeypatch.setattr(Markdown, "update", spy(Markdown.update))
    monkeypatch.setattr(Markdown, "append", spy(Markdown.append))

    class Early(RunbookView):
        def _load(self, path: str) -> None:
            pass  # the file: handed over by the app below, before any layout

    class Host(App[None]):
        def compose(self) -> Any:
            yield Early(Runbook.file("steps.md"), id="rb")

        def on_mount(self) -> None:
            view = self.query_one(Early)
            assert view.query_one("#runbook-scroll").scrollable_content_region.width == 0
            view._markdown = view.copy_text = RUNBOOK  # as a one-page runbook is loaded
            view._show_markdown()

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Early)
        await pilot_until(pilot, lambda: "kubectl" in "".join(rendered))
        await pilot.pause()
        assert "Roll back" in "\n".join(view.query_one(Markdown).source.splitlines())
    assert [text for text in rendered if "kubectl" in text] == [rendered[-1]]


async def test_a_filter_typed_fast_echoes_each_letter_and_ends_on_the_right_rows() -> None:
    """Typed as a user does (each key handled and drawn before the next), the letters
    show as they come and the board is filtered once, by the word, when typing
    settles: filtering 10,000 signals after every letter held the next letter's echo."""
    app = make_app(make_store("critical"))
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard
        filters: list[str] = []
        original = board.watch_signal_filter

        def spy(query: Any) -> None:
            filters.append(query.text)
            original(query)

        board.watch_signal_filter = spy  # type: ignore[method-assign]
        field = board.query_one("#filter-input", Input)
        await pilot.press("slash")
        for letter in "loan-api":
            await pilot.press(letter)
            assert field.value.endswith(letter)  # echoed at once
        await pilot_until(pilot, lambda: bool(filters), what="the settled filter")
        await pilot.pause()
        assert filters == ["loan-api"]
        keys = {k for p in board.panel_list for k in p.row_keys}
        assert keys == {"demo/loan-api/errors", "demo/loan-api/p99"}
        # Enter keeps what is typed at once, settled or not.
        await pilot.press("backspace", "backspace", "backspace", "backspace", "enter")
        assert filters[-1] == "loan"
        assert isinstance(app.focused, SignalPanel)
