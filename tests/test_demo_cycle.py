"""The demo source's incident cycle: it walks through every incident and recovers,
ramps in through warning, never stalls, and follows a clock set on the class."""

from __future__ import annotations

import pytest

from clock_support import FakeClock
from demo_plugin_support import (
    LAYER,
    by_key,
    critical_layers,
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    level,
    make,
)
from oncall_tui.core.signals.model import Kind, Status
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.scenario import CALM, CYCLE, PERIOD, RAMP


async def test_cycle_walks_through_every_incident_and_recovers() -> None:
    clock = FakeClock(5000.0)
    plugin = make(clock)
    start = clock.now
    timeline: list[tuple[int, set[Kind]]] = []
    summaries: list[str] = []
    reached: dict[str, set[Kind]] = {}
    first_seen: dict[str, int] = {}
    for offset in range(0, int(PERIOD + CALM), 5):
        clock.now = start + offset
        readings = await plugin.collect()
        layers = critical_layers(readings)
        window = next((w for w in CYCLE if w.start <= offset % PERIOD < w.end), None)
        allowed = LAYER[window.kind] if window is not None else frozenset()
        assert layers <= allowed, f"one incident at a time, got {layers} at {offset}s"
        if window is not None and layers:
            reached.setdefault(window.kind, set()).update(layers)
            first_seen.setdefault(window.kind, offset)
        timeline.append((offset, layers))
        summaries += [r.summary for r in readings]

    assert reached == {kind: set(layers) for kind, layers in LAYER.items()}
    order = ["overload", "risk_rule", "dependency", "cascade", "canary"]
    assert sorted(first_seen, key=first_seen.__getitem__) == order
    # Calm at the start, and calm again once the last incident has recovered.
    assert all(not layers for offset, layers in timeline if offset < CALM)
    assert all(not layers for offset, layers in timeline if offset >= PERIOD)
    # Between incidents the board recovers completely.
    for window in CYCLE:
        after = window.end + 5
        assert all(not layers for offset, layers in timeline if after <= offset < after + 60)
    assert any("recovering" in s for s in summaries)


async def test_cycle_ramps_in_through_warning() -> None:
    """An incident creeps in: the overloaded service warns before it goes critical."""
    clock = FakeClock()
    plugin = make(clock)
    start = clock.now
    await plugin.collect()  # the cycle starts at the first collection
    overload = next(w for w in CYCLE if w.kind == "overload")
    statuses = []
    for second in range(int(overload.start), int(overload.start + RAMP + 10)):
        clock.now = start + second
        statuses.append(level(by_key(await plugin.collect())["svc/pay-api/errors"]))
    assert statuses[0] is Status.OK
    first_critical = statuses.index(Status.CRITICAL)
    assert Status.WARNING in statuses[:first_critical]


async def test_cycle_does_not_stall_when_few_values_move() -> None:
    clock = FakeClock()
    plugin = make(clock, change_rate=0.0)
    start = clock.now
    await plugin.collect()
    for window in CYCLE:
        clock.now = start + window.start + WINDOW_MIDDLE
        assert critical_layers(await plugin.collect()) == LAYER[window.kind]
        clock.now = start + window.end + 1
        assert not critical_layers(await plugin.collect())


WINDOW_MIDDLE = RAMP + 30.0


async def test_class_clock_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine builds plugins itself; the class attribute lets a test or a screenshot
    run move time for those too."""
    clock = FakeClock()
    monkeypatch.setattr(DemoPlugin, "clock", clock)
    plugin = make()  # no clock in the context
    start = clock.now
    await plugin.collect()
    dependency = next(w for w in CYCLE if w.kind == "dependency")
    clock.now = start + dependency.start + WINDOW_MIDDLE
    assert critical_layers(await plugin.collect()) == {"dependency"}
