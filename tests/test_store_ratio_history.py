"""The signal store's judgement over time: ratios to a baseline, samples too old on
arrival, history prefilled before what is held, breaches dated and timed from their
history, and an alert that stops firing resolving on the timeline."""

from dataclasses import replace

import pytest

from oncall_tui.core.signals.model import Reading, Reason, Status, Thresholds
from store_support import prom_store, rule_reading


def _hits(value: float, baseline: float | None, **kw: object) -> Reading:
    """A rule hit rate with absolute limits it never reaches here, and ratio limits."""
    thresholds = Thresholds(warning=0.5, critical=0.9, warning_ratio=2, critical_ratio=5, **kw)  # type: ignore[arg-type]
    return Reading(
        key="r", kind="risk_rule", name="paylater/velocity", value=value, unit="ratio",
        baseline=baseline, thresholds=thresholds,
    )  # fmt: skip


def test_ratio_to_the_baseline_is_critical_under_any_absolute_limit() -> None:
    store = prom_store()
    store.apply("prom", [_hits(0.05, baseline=0.01)], at=0)
    signal = store.signals["prom/r"]
    assert signal.status is Status.CRITICAL, "5x its baseline, far below warning = 0.5"
    assert signal.summary == "critical: 5x its usual 1% (≥ 5x)"
    store.apply("prom", [_hits(0.03, baseline=0.01)], at=5)
    assert (signal.status, signal.summary) == (Status.WARNING, "warning: 3x its usual 1% (≥ 2x)")
    store.apply("prom", [_hits(0.015, baseline=0.01)], at=10)
    assert signal.status is Status.OK
    # The worse of the two: an absolute breach still counts with a normal ratio.
    store.apply("prom", [_hits(0.95, baseline=0.9)], at=15)
    assert (signal.status, signal.summary) == (Status.CRITICAL, "critical: ≥ 90% (usual 90%)")


@pytest.mark.parametrize("baseline", [None, 0.0, -1.0])
def test_without_a_positive_baseline_the_ratio_does_not_apply(baseline: float | None) -> None:
    store = prom_store()
    store.apply("prom", [_hits(0.3, baseline=baseline)], at=0)
    signal = store.signals["prom/r"]
    assert (signal.status, signal.summary) == (Status.OK, "")
    assert "x" not in signal.summary, "never 'infx' or '0x'"


def test_ratio_breach_waits_for_its_for() -> None:
    store = prom_store()
    store.apply("prom", [_hits(0.06, baseline=0.01, for_seconds=30)], at=0)
    signal = store.signals["prom/r"]
    assert signal.status is Status.OK
    store.apply("prom", [_hits(0.06, baseline=0.01, for_seconds=30)], at=29)
    assert signal.status is Status.OK
    store.apply("prom", [_hits(0.06, baseline=0.01, for_seconds=30)], at=30)
    assert signal.status is Status.CRITICAL


def test_low_is_bad_ratio() -> None:
    thresholds = Thresholds(below=True, warning_ratio=0.5, critical_ratio=0.2)
    assert thresholds.level(40, baseline=100) is Status.WARNING
    assert thresholds.level(20, baseline=100) is Status.CRITICAL
    assert thresholds.level(90, baseline=100) is Status.OK
    assert thresholds.level(0, baseline=0) is Status.OK


def test_an_old_sample_is_stale_on_ingest_and_by_the_sweep() -> None:
    store = prom_store()  # interval 5: stale after 10 s
    store.apply(
        "prom",
        [rule_reading(0.0, "old", observed_at=80.0), rule_reading(0.0, "new", observed_at=99.5)],
        at=100,
    )
    old, new = store.signals["prom/old"], store.signals["prom/new"]
    assert (old.status, old.reason, old.summary) == (
        Status.UNKNOWN,
        Reason.STALE,
        "stale: last data 20s ago",
    )
    assert old.value == 0.0, "the value is kept, only not trusted"
    assert (new.status, new.observed_at) == (Status.OK, 99.5)
    store.sweep(at=109)
    assert new.status is Status.OK
    store.sweep(at=110)
    assert new.reason is Reason.STALE, "10.5 s after its sample, not after its fetch"
    # A fresh sample again recovers; a timestamp from the future counts as now.
    store.apply(
        "prom",
        [rule_reading(0.0, "old", observed_at=1e12), rule_reading(0.0, "new", observed_at=111)],
        at=112,
    )
    assert (old.status, old.observed_at) == (Status.OK, 112)
    assert new.status is Status.OK


def test_history_prefill_only_goes_before_what_is_held() -> None:
    store = prom_store()  # history capacity 50
    store.apply("prom", [rule_reading(0.1)], at=100)
    earlier = [(float(t), 0.01 * t) for t in range(0, 100)] + [(100.0, 9.0), (105.0, 9.0)]
    store.apply("prom", [rule_reading(0.2, history=earlier)], at=105)
    history = list(store.signals["prom/velocity"].history)
    assert len(history) == 50, "bounded by the capacity"
    assert history[-2:] == [(100.0, 0.1), (105.0, 0.2)], "live samples stay last"
    assert history[:3] == [(52.0, 0.52), (53.0, 0.53), (54.0, 0.54)]
    # Malformed history is ignored; the reading still counts.
    store.apply("prom", [rule_reading(0.3, history=[("x",), 5])], at=110)  # type: ignore[list-item]
    assert store.signals["prom/velocity"].value == 0.3
    assert store.source("prom").note == ""


def test_history_prefill_skips_non_numbers_and_keeps_gaps() -> None:
    store = prom_store()
    store.apply(
        "prom",
        [
            rule_reading(
                0.1, history=[(float("nan"), 1.0), (90.0, None), (95.0, float("inf")), (96.0, 0.5)]
            )
        ],
        at=100,
    )
    assert list(store.signals["prom/velocity"].history) == [
        (90.0, None), (95.0, None), (96.0, 0.5), (100.0, 0.1),
    ]  # fmt: skip


def test_a_breach_older_than_the_board_is_dated_from_its_history() -> None:
    """Found on a real Prometheus: opened 7 minutes into an outage, the board said
    "critical 4s" (and the cause line "4s") while the firing alert said 409 s."""
    from oncall_tui.core.triage.causes import diagnose

    store = prom_store()
    store.apply("prom", [rule_reading(0.4)], at=1000)  # first look: already critical
    signal = store.signals["prom/velocity"]
    assert signal.changed_at == 1000
    # The source's backfill: ok until 580, critical from 600 on.
    earlier = [(float(t), 0.01 if t < 600 else 0.4) for t in range(400, 1000, 20)]
    store.apply("prom", [rule_reading(0.4, history=earlier)], at=1005)
    assert signal.status is Status.CRITICAL
    assert signal.breach_since[Status.CRITICAL] == 600
    assert signal.changed_at == 600, "critical for 6m45s, not 5s"
    (cause,) = diagnose(store.signals.values(), {}).causes
    assert cause.since == 600


def test_a_backfilled_breach_satisfies_for_at_once_but_a_gap_breaks_the_run() -> None:
    store = prom_store()
    slow = Thresholds(warning=0.05, critical=0.2, for_seconds=60)
    store.apply("prom", [replace(rule_reading(0.4), thresholds=slow)], at=1000)
    signal = store.signals["prom/velocity"]
    assert signal.status is Status.OK, "for = 1m not yet served"
    earlier = [(float(t), 0.4) for t in range(900, 1000, 10)]
    store.apply("prom", [replace(rule_reading(0.4, history=earlier), thresholds=slow)], at=1005)
    assert signal.status is Status.CRITICAL, "breaching since 900: for is served"

    gapped = prom_store()
    gapped.apply("prom", [replace(rule_reading(0.4), thresholds=slow)], at=1000)
    holes = [(900.0, 0.4), (950.0, None), (990.0, 0.4)]
    gapped.apply("prom", [replace(rule_reading(0.4, history=holes), thresholds=slow)], at=1005)
    other = gapped.signals["prom/velocity"]
    assert other.breach_since[Status.CRITICAL] == 990, "no data is never a breach"
    assert other.status is Status.OK


def test_an_alert_that_stops_firing_resolves_on_the_timeline_with_its_kind() -> None:
    """Found in tmux against a real Alertmanager: DependencyDown fired and vanished with
    no event, and its firing event then read `[?]` and a bare number in the events
    screen, its signal being gone."""
    from oncall_tui.core.recording.timeline import _status_entry
    from oncall_tui.ui.screens.events import event_entry

    store = prom_store(transient=True)
    alert = Reading(
        key="DependencyDown",
        kind="alert",
        name="DependencyDown",
        value=30.0,
        unit="seconds",
        status=Status.CRITICAL,
    )
    store.apply("prom", [alert, rule_reading(0.01, "a")], at=0)
    store.apply("prom", [rule_reading(0.01, "a")], at=5)
    assert "prom/DependencyDown" not in store.signals
    fired, gone = [e for e in store.events if e.key == "prom/DependencyDown"]
    assert (fired.after, fired.first, fired.kind, fired.unit) == (
        Status.CRITICAL, True, "alert", "seconds",
    )  # fmt: skip
    assert not gone.first
    assert (gone.before, gone.after, gone.value, gone.kind, gone.at) == (
        Status.CRITICAL, Status.OK, None, "alert", 5,
    )  # fmt: skip
    # An ok signal that goes is not news; one that never failed makes no event.
    store.apply("prom", [], at=10)
    assert [e.key for e in store.events][-1] == "prom/DependencyDown"
    # Read back with the signal gone: kind and unit come from the event.
    firing_line = "".join(part for part, _ in event_entry(fired, None).line)
    assert "[alert]" in firing_line and "30s" in firing_line
    assert " new " in firing_line and "UNKN" not in firing_line  # it fired; never unknown
    assert "appeared critical (30s)" in _status_entry(fired, store).text
    assert "resolved" in "".join(part for part, _ in event_entry(gone, None).line)
    entry = _status_entry(gone, store)
    assert "critical → ok (resolved)" in entry.text and entry.data["kind"] == "alert"
