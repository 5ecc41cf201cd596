"""What the board does per store change, counted: which panel looks at which key, which
rows are measured, what the header reads, when it draws a frame of its own; and that
each of these shortcuts still shows the right screen.

The board's work per second must follow what changed and is on screen, not the number
of signals: a changed signal off screen costs its place in its panel and a count in
the header, nothing else."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from oncall_tui.core.present import panel_model
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.status_counts import StatusCounts
from oncall_tui.core.present.wallboard import snapshot
from oncall_tui.core.present.wallboard_live import LiveBoard
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology
from ui_support import T0, make_app, make_store, reading
from waiting import pilot_until

HEALTH = [reading(f"h{i:03}", "health", f"svc-{i:03} errors", 0.001) for i in range(80)]
RULES = [reading(f"r{i:03}", "risk_rule", f"rule-{i:03}", 0.001) for i in range(20)]
BOARD = HEALTH + RULES
KINDS = frozenset({"health", "risk_rule", "alert", "change"})


def _classified(monkeypatch: pytest.MonkeyPatch) -> dict[int, set[str]]:
    """The keys each panel model (by id) was asked about since the call."""
    seen: dict[int, set[str]] = {}
    original = panel_model.PanelRows.classify

    def spy(self: panel_model.PanelRows, signals: Any, changed: Any) -> Any:
        seen.setdefault(id(self), set()).update(changed)
        return original(self, signals, changed)

    monkeypatch.setattr(panel_model.PanelRows, "classify", spy)
    return seen


def _with(readings: list[Reading], changes: dict[str, Any]) -> list[Reading]:
    return [replace(r, **changes[r.key]) if r.key in changes else r for r in readings]


async def test_a_panel_looks_only_at_its_own_changed_rows_and_the_screen_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(make_store("ok", readings=BOARD))
    store = app.engine.store
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard
        health, rules = board.panels["health"], board.panels["risk_rule"]
        await pilot_until(pilot, lambda: len(health.row_keys) == 80)
        seen = _classified(monkeypatch)
        reads = board.header.status_counts.reads
        moved = {f"h{i:03}": {"value": 0.004} for i in (1, 2, 3)}
        moved["h070"] = {"value": 0.9}  # turns critical: to the top of its panel
        store.apply("demo", _with(BOARD, moved), at=T0 + 1)
        await pilot_until(pilot, lambda: health.row_keys[0] == "demo/h070")

        changed = {f"demo/{key}" for key in moved}
        assert seen.get(id(health.model), set()) == changed
        assert not seen.get(id(rules.model))  # on the old board: every key, every panel
        line = health.render_line(1).text  # the first row, under the title
        assert "svc-070 errors" in line and format_value(0.9, "ratio") in line
        _, counts = store.summary()
        assert f"✖{counts[Status.CRITICAL]} " in board.header.text
        assert f"●{counts[Status.OK]} " in board.header.text
        assert board.header.status_counts.reads - reads == len(changed)  # not 100 signals


def test_a_key_that_changes_panel_is_handed_to_every_panel() -> None:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState(name="s", plugin="demo", kinds=KINDS, interval=1))
    store.apply("s", [reading("a", "health", "a", 0.001), reading("b", "risk_rule", "b", 0.001)])
    signals = store.signals
    models = {
        kind: panel_model.PanelRows(lambda s, kind=kind: s.kind == kind)
        for kind in ("health", "risk_rule")
    }
    for model in models.values():
        model.resort(signals)
    store.apply("s", [reading("a", "risk_rule", "a", 0.001), reading("b", "risk_rule", "b", 0.5)])

    routed = panel_model.route({"s/a", "s/b"}, models, signals)
    assert routed == {"health": {"s/a"}, "risk_rule": {"s/a", "s/b"}}
    for kind, model in models.items():
        resort, _ = model.classify(signals, routed[kind])
        if resort:
            model.update(signals, routed[kind])
    assert [s.key for s in models["risk_rule"].rows] == ["s/b", "s/a"]
    assert models["health"].rows == []


async def test_a_value_that_widens_off_screen_is_whole_when_it_scrolls_into_view() -> None:
    app = make_app(make_store("ok", readings=BOARD))
    store = app.engine.store
    async with app.run_test(size=(120, 40)) as pilot:
        health = app.dashboard.panels["health"]
        await pilot_until(pilot, lambda: len(health.row_keys) == 80)
        narrow = health.columns.value
        wide = 0.0123456  # "1.23%": wider than "0.1%", still ok
        assert len(format_value(wide, "ratio")) > narrow
        measured = _count_measures(health.model)
        store.apply("demo", _with(BOARD, {"h075": {"value": wide}}), at=T0 + 1)
        await pilot_until(pilot, lambda: health.store.signals["demo/h075"].value == wide)
        # The board's coalesced update has run (a fixed 0.4 s could end before it on a
        # loaded machine, and the assertions below would pass without it).
        updates = app.dashboard.updates
        await pilot_until(pilot, lambda: not updates.armed and not updates.pending)
        assert health.model.position["demo/h075"] >= health.scrollable_content_region.height
        assert measured == [] and health.columns.value == narrow  # off screen: not measured

        await pilot.click(health)
        await pilot.press("G")  # the last rows come into view
        await pilot_until(pilot, lambda: health.selected_key == "demo/h079")
        assert health.columns.value >= len(format_value(wide, "ratio"))
        index = health.model.position["demo/h075"] - int(health.scroll_offset.y) + 1
        assert format_value(wide, "ratio") in health.render_line(index).text


def _count_measures(model: panel_model.PanelRows) -> list[str]:
    """Keys the model measures from now on (every measured column of a row)."""
    measured: list[str] = []
    original = model._measure

    def counting(signal: Any) -> None:
        measured.append(signal.key)
        original(signal)

    model._measure = counting  # type: ignore[method-assign]
    return measured


def _changing_store(steps: int = 60) -> Iterator[tuple[int, SignalStore]]:
    """A store going through every kind of change (values, statuses, a failing source,
    staleness and signals gone, alerts coming and going, change markers), step by step."""
    now = [T0]
    store = SignalStore(clock=lambda: now[0])
    store.add_source(SourceState(name="s", plugin="demo", kinds=KINDS, interval=1), max_age=5)
    store.add_source(SourceState(name="t", plugin="demo", kinds=KINDS, interval=1), transient=True)
    rng = random.Random(7)
    keys = [f"k{i}" for i in range(400)]
    yield 0, store
    for step in range(1, steps):
        now[0] += 1
        action = rng.random()
        if action < 0.6:
            shown = rng.sample(keys, 300)
            readings = [
                reading(k, rng.choice(("health", "risk_rule")), k, rng.choice((0.001, 0.03, 0.2)))
                for k in shown
            ]
            readings.append(reading("marker", "change", "deploy", float(step)))
            store.apply("s", readings)
        elif action < 0.75:
            store.fail("s", "connection refused")
        elif action < 0.9:
            store.sweep(at=now[0] + 10)  # stale, then gone
        else:
            store.apply("t", [reading(f"t{step}", "alert", "a", None)] if step % 2 else [])
        yield step, store


def test_the_header_counts_follow_every_kind_of_store_change_reading_only_what_changed() -> None:
    counts: StatusCounts | None = None
    for step, store in _changing_store():
        if counts is None:
            counts = StatusCounts(store)
            store.subscribe(counts.note)
        before = counts.reads
        assert counts.summary() == store.summary(), step
        if step > 1:
            assert counts.reads - before <= 402  # what the store reported, never the whole
    assert counts is not None
    assert sum(counts.counts.values()) == sum(1 for s in store.signals.values()
                                              if s.kind != "change")  # fmt: skip


def test_the_wallboard_kept_by_changes_shows_what_a_whole_snapshot_shows() -> None:
    live: LiveBoard | None = None
    for step, store in _changing_store():
        if live is None:
            live = LiveBoard(store)
            store.subscribe(live.note)
        diagnosis = store_diagnosis(store, Topology({}), 3600.0)
        kept, whole = live.snapshot(diagnosis), snapshot(store, diagnosis)
        assert (kept.overall, kept.counts, kept.failing) == (whole.overall, whole.counts,
                                                             whole.failing), step  # fmt: skip
        assert [s.key for s in kept.criticals] == [s.key for s in whole.criticals], step
        for kind, layer in whole.layers.items():
            shown = kept.layers[kind]
            assert [s.key for s in shown.signals] == [s.key for s in layer.signals], (step, kind)
            assert (shown.counts, shown.failing, shown.fed) == (
                layer.counts, layer.failing, layer.fed), (step, kind)  # fmt: skip
    assert live is not None and live.layers["health"].walks == 1  # read whole once


async def test_the_header_shows_each_second_once_with_the_board_or_by_itself() -> None:
    app = make_app(make_store("ok", readings=BOARD))
    async with app.run_test(size=(120, 40)) as pilot:
        header = app.dashboard.header
        await pilot.pause()
        wall = [1000.2]
        header.wall = lambda: wall[0]
        calls: list[float] = []
        original = header._compose_parts

        def counting(width: int) -> Any:
            calls.append(wall[0])
            return original(width)

        header._compose_parts = counting  # type: ignore[method-assign]
        header.update_status()  # the board's sync showed second 1000
        wall[0] = 1000.9
        header._tick()
        assert calls == [1000.2]  # that second is on screen: no frame of its own
        wall[0] = 1001.9
        header._tick()
        assert calls == [1000.2, 1001.9]  # no sync in second 1001: the header shows it
        header.wall = time.time
        shown = header._shown_at
        await pilot_until(pilot, lambda: header._shown_at > shown + 1.5)  # ticks by itself
