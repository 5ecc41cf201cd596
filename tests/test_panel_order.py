"""A panel's rows re-sorted by what a new diagnosis moved, not by re-keying them all.

At 10,000 signals the probable causes move every few seconds; re-keying each of a
panel's ~6,000 rows at every new ranking was most of what the board's biggest loop
turns cost. A new one sort can only move the rows of the components it or the last one
ranks (`OneSort.moved`): only those are keyed again, and the order must stay exactly
the order a whole sort gives."""

from __future__ import annotations

import random
from dataclasses import replace

from oncall_tui.core.present.panel_model import PanelRows
from oncall_tui.core.signals.model import Signal, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.one_sort import OneSort
from ui_support import ALL_KINDS, T0, reading

COMPONENTS = [f"svc-{i:02}" for i in range(30)]
VALUES = (0.001, 0.0012, 0.0014, 0.0016, 0.03, 0.2)
"""Mostly ok values moving in place (the row keeps its place), sometimes a new status."""


def _random_sort(rng: random.Random, signals: list[Signal]) -> OneSort:
    """A one sort as a diagnosis would give: a few causes, some symptoms, and the
    causes' failing signals in their rank."""
    causes = rng.sample(COMPONENTS, rng.randint(0, 4))
    rest = [c for c in COMPONENTS if c not in causes]
    symptoms = rng.sample(rest, rng.randint(0, 5)) if causes else []
    tiers = {c: i for i, c in enumerate(causes)}
    tiers.update({c: len(causes) + rng.randrange(len(causes)) for c in symptoms})
    failing = [s.key for s in signals if s.component in causes]
    positions = {key: rng.randrange(5) for key in rng.sample(failing, min(len(failing), 6))}
    return OneSort(tiers, frozenset(symptoms), positions)


def test_a_new_ranking_re_keys_only_the_rows_it_moves_and_sorts_as_a_whole_sort() -> None:
    rng = random.Random(11)
    now = [T0]
    store = SignalStore(clock=lambda: now[0])
    store.add_source(SourceState(name="s", plugin="demo", kinds=ALL_KINDS, interval=1))
    readings = [
        reading(f"k{i:03}", rng.choice(("health", "dependency")), f"m{i:03}", 0.001)
        for i in range(300)
    ]
    readings = [replace(r, component=COMPONENTS[i % 30]) for i, r in enumerate(readings)]
    store.apply("s", readings, at=now[0])
    model = PanelRows(lambda signal: signal.kind == "health")
    order = OneSort()
    keyed: list[str] = []

    def counting(signal: Signal) -> tuple[object, ...]:
        keyed.append(signal.key)
        return order.key(signal)

    model.order_key = counting
    model.resort(store.signals)
    for step in range(60):
        now[0] += 1
        if step % 3:
            # Values and statuses move: the board's sync (classify, then update).
            moving = set(rng.sample(range(len(readings)), 15))
            readings = [
                replace(r, value=rng.choice(VALUES[: 4 if step % 4 else 6])) if i in moving else r
                for i, r in enumerate(readings)
            ]
            changed: set[str] = set()
            store.subscribe(changed.update)
            store.apply("s", readings, at=now[0])
            store.unsubscribe(changed.update)
            keyed.clear()
            resort, dirty = model.classify(store.signals, changed)
            if resort:
                model.update(store.signals, changed)
            else:
                model.touched(dirty)
            # Each changed row is keyed once (classify's key serves the update); rows
            # touched by earlier steps are measured, not keyed again.
            assert len(keyed) <= len(changed) <= 15
        else:
            new = _random_sort(rng, list(store.signals.values()))
            components, keys = order.moved(new)
            keyed.clear()
            order = new
            model.reorder(counting, components, keys)
            model.update(store.signals, ())
            moved = {
                s.key for s in model.rows if s.key in keys or (s.component or s.name) in components
            }
            assert set(keyed) <= moved  # not every row: those it may have moved
            assert len(keyed) < len(model.rows) or not model.rows
        health = [s for s in store.signals.values() if s.kind == "health"]
        whole = [s.key for s in sorted(health, key=order.key)]
        assert [s.key for s in model.rows] == whole, f"step {step}"
        assert model.position == {key: index for index, key in enumerate(whole)}


def test_a_row_without_a_component_moves_by_its_name() -> None:
    """A replayed signal may have no component: its name stands for it, as in the one
    sort, so a new ranking of that name moves its row; a ranking that moves no row
    leaves the order as it was."""
    signals = {
        key: Signal(key, "health", name, "s", {}, "ratio", status=Status.OK)
        for key, name in (("a", "svc-01"), ("b", "svc-02"), ("c", "svc-03"))
    }
    model = PanelRows(lambda signal: True)
    order = OneSort()
    model.order_key = order.key
    model.resort(signals)
    assert [s.key for s in model.rows] == ["a", "b", "c"]
    for ranked, expected in ((("svc-03",), ["c", "a", "b"]), ((), ["a", "b", "c"])):
        new = OneSort({name: rank for rank, name in enumerate(ranked)})
        components, keys = order.moved(new)
        order = new
        model.reorder(order.key, components, keys)
        model.update(signals, ())
        assert [s.key for s in model.rows] == expected
        assert model.position == {key: index for index, key in enumerate(expected)}
