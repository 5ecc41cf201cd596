"""A value hovering on its limit is one breach, not a flip at every collection: a
breach that counted ends only once the value has stayed clear for `recover_for`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from oncall_cli import run_oncall
from oncall_tui.core.recording import read_recording
from oncall_tui.core.signals.model import RECOVER_FOR, Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.option_groups import ThresholdOptions
from servers import no_proxy
from servers_platform import start_exporter


def _store() -> SignalStore:
    store = SignalStore(clock=lambda: 0.0)
    store.add_source(SourceState("s", "steady", frozenset({"health"}), interval=5))
    return store


def _reading(value: float, **limits: float) -> Reading:
    limits.setdefault("recover_seconds", RECOVER_FOR)
    return Reading(
        key="p99",
        kind="health",
        name="pay-api p99 latency",
        value=value,
        unit="seconds",
        thresholds=Thresholds(warning=0.5, critical=1.0, **limits),
    )


def _changes(store: SignalStore) -> list[Status]:
    return [event.after for event in store.events if event.key == "s/p99"]


def test_a_value_alternating_around_its_limit_for_ten_minutes_is_one_breach() -> None:
    store = _store()
    for step in range(10 * 60 // 5):  # every collection of a 5 s source, on a fake clock
        store.apply("s", [_reading(0.55 if step % 2 else 0.45)], at=1000.0 + 5 * step)
    assert _changes(store) == [Status.WARNING]
    signal = store.signals["s/p99"]
    assert signal.status is Status.WARNING
    assert signal.changed_at == 1005.0, "the breach keeps its start through every dip"


def test_a_breach_ends_once_the_value_stayed_clear_for_recover_for() -> None:
    store = _store()
    store.apply("s", [_reading(0.6)], at=0)
    store.apply("s", [_reading(0.4)], at=5)
    store.apply("s", [_reading(0.4)], at=5 + RECOVER_FOR - 1)
    assert store.signals["s/p99"].status is Status.WARNING
    # Said so: a warning beside a value under its limit would read as a mistake.
    assert store.signals["s/p99"].summary == "warning, clearing: back under 500ms"
    store.apply("s", [_reading(0.4)], at=5 + RECOVER_FOR)
    assert store.signals["s/p99"].status is Status.OK
    assert _changes(store) == [Status.WARNING, Status.OK]


def test_the_same_cached_reading_still_ends_the_breach() -> None:
    # A plugin handing back the very same reading object (a value that did not move)
    # must not freeze the recovery timer.
    store = _store()
    store.apply("s", [_reading(0.6)], at=0)
    clear = _reading(0.4)
    for at in (5, 20, 40):
        store.apply("s", [clear], at=at)
    assert store.signals["s/p99"].status is Status.OK


def test_critical_is_held_while_the_value_sits_at_warning() -> None:
    store = _store()
    store.apply("s", [_reading(1.2)], at=0)
    store.apply("s", [_reading(0.7)], at=5)
    assert store.signals["s/p99"].status is Status.CRITICAL
    store.apply("s", [_reading(0.7)], at=5 + RECOVER_FOR)
    assert store.signals["s/p99"].status is Status.WARNING


def test_recover_for_zero_recovers_at_once_and_a_pending_breach_never_holds() -> None:
    store = _store()
    store.apply("s", [_reading(0.6, recover_seconds=0)], at=0)
    store.apply("s", [_reading(0.4, recover_seconds=0)], at=5)
    assert store.signals["s/p99"].status is Status.OK
    pending = _store()
    pending.apply("s", [_reading(0.6, for_seconds=60)], at=0)
    pending.apply("s", [_reading(0.4, for_seconds=60)], at=5)
    pending.apply("s", [_reading(0.6, for_seconds=60)], at=10)
    pending.apply("s", [_reading(0.6, for_seconds=60)], at=65)
    assert pending.signals["s/p99"].status is Status.OK, "the dip restarted `for`"


def test_recover_for_is_an_option_with_a_default() -> None:
    assert ThresholdOptions(warning=1).thresholds().recover_seconds == RECOVER_FOR == 30.0
    options = ThresholdOptions.model_validate({"warning": 1, "recover_for": "2m"})
    assert options.thresholds().recover_seconds == 120.0


class _Hovering(Collector):
    """A gauge alternating 0.45 / 0.55 at every scrape, around `warning = 0.5`."""

    def __init__(self) -> None:
        self.values: Iterator[float] = itertools.cycle((0.45, 0.55))

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("pay_api_p99_seconds", "p99 latency")
        gauge.add_metric([], next(self.values))
        yield gauge


def test_an_openmetrics_gauge_hovering_on_its_limit_changes_status_at_most_3_times(
    tmp_path: Path,
) -> None:
    with no_proxy(), start_exporter(_Hovering()) as exporter:
        config = tmp_path / "c.toml"
        config.write_text(
            'refresh = "1s"\n[sources.pay]\nplugin = "openmetrics"\n'
            f'url = "{exporter.url}/metrics"\n'
            '[[sources.pay.metrics]]\nname = "pay-api p99"\nmetric = "pay_api_p99_seconds"\n'
            'unit = "seconds"\nwarning = 0.5\n'
        )
        out = tmp_path / "hover.jsonl"
        result = run_oncall("record", "--config", str(config), "--out", str(out), "--for", "30s")
    assert result.returncode == 0, result.stderr
    statuses = [
        signal.status
        for frame in read_recording(out).frames
        for signal in frame.signals
        if signal.name == "pay-api p99"
    ]
    assert len(statuses) >= 10, f"too few collections recorded: {statuses}"
    changes = sum(1 for before, after in itertools.pairwise(statuses) if before != after)
    assert changes <= 3, f"{changes} status changes: {statuses}"


def test_calm_signals_share_one_empty_firing_set_and_timers() -> None:
    """The levels that fired and the breach and clear timers are replaced, never changed
    in place: a calm signal holds no set or dict of its own (216 + 2 x 64 bytes each,
    0.9 MiB of the 1k demo's 2,800 signals)."""
    store = _store()
    calm = [
        Reading(key=f"k{n}", kind="health", name=f"n{n}", value=0.1, thresholds=Thresholds(0.5, 1))
        for n in range(100)
    ]
    store.apply("s", [*calm, _reading(0.6)], at=0)
    calm_signals = [signal for key, signal in store.signals.items() if key != "s/p99"]
    for part in ("firing", "breach_since", "clear_since"):
        assert len({id(getattr(signal, part)) for signal in calm_signals}) == 1, part
    breached = store.signals["s/p99"]
    assert breached.firing == {Status.WARNING} and breached.breach_since == {Status.WARNING: 0}
    store.apply("s", [*calm, _reading(0.4)], at=5)
    assert breached.clear_since == {Status.WARNING: 5} and breached.status is Status.WARNING
    store.apply("s", [*calm, _reading(0.4)], at=5 + RECOVER_FOR)
    assert not breached.firing and breached.status is Status.OK
    assert not breached.breach_since and not breached.clear_since
    assert all(signal.clear_since is calm_signals[0].clear_since for signal in calm_signals)
