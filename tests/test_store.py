from dataclasses import replace

import pytest

from oncall_tui.core.recording.format import source_to_json
from oncall_tui.core.recording.validate import Checker
from oncall_tui.core.signals.model import Reading, Reason, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import GONE_AFTER, MAX_SIGNALS_PER_SOURCE, SignalStore
from oncall_tui.core.sources.runbook import Runbook


def _store(*, transient: bool = False) -> SignalStore:
    store = SignalStore(clock=lambda: 0.0, history=50, events=20)
    store.add_source(
        SourceState("prom", "prometheus", frozenset({"risk_rule"}), interval=5),
        transient=transient,
    )
    return store


def _rule(value: float | None, key: str = "velocity", **kw: object) -> Reading:
    return Reading(
        key=key,
        kind="risk_rule",
        name=f"paylater/{key}",
        value=value,
        unit="ratio",
        thresholds=Thresholds(warning=0.05, critical=0.2),
        **kw,  # type: ignore[arg-type]
    )


def test_every_string_is_sanitised_on_ingest() -> None:
    store = _store()
    store.apply(
        "prom",
        [
            Reading(
                key="k\x1b",
                kind="health",
                name="pay\x1b[2J-api",
                labels={"rule\u202e": "geo\x07"},
                summary="\x1b]52;c;eA==\x07",
                runbook=Runbook.link("https://x.example/\x1b"),
                query="up\x00",
                value=1.0,
            )
        ],
        at=1,
    )
    (signal,) = store.signals.values()
    assert signal.key == "prom/k\\x1b"
    assert signal.name == "pay\\x1b[2J-api"
    assert signal.labels == {"rule\\u202e": "geo\\x07"}
    assert "\x1b" not in signal.summary and signal.runbook is not None
    assert "\x1b" not in signal.runbook.target and not signal.runbook.is_link
    assert signal.query == "up\\x00"


def test_status_changes_become_events_with_from_and_to() -> None:
    store = _store()
    store.apply("prom", [_rule(0.01)], at=1)
    assert len(store.events) == 0  # appearing healthy is not news
    store.apply("prom", [_rule(0.3)], at=2)
    store.apply("prom", [_rule(0.3)], at=3)
    store.apply("prom", [_rule(0.06)], at=4)
    events = list(store.events)
    assert [(e.before, e.after, e.at) for e in events] == [
        (Status.OK, Status.CRITICAL, 2),
        (Status.CRITICAL, Status.WARNING, 4),
    ]
    assert events[0].value == 0.3 and events[0].key == "prom/velocity"


def test_source_failure_marks_only_its_signals_unknown() -> None:
    store = _store()
    store.add_source(SourceState("demo", "demo", frozenset({"health"}), interval=5))
    store.apply("prom", [_rule(0.01)], at=1)
    store.apply("demo", [Reading(key="a", kind="health", name="pay-api", value=1.0)], at=1)
    store.fail("prom", "cannot connect to 127.0.0.1:9090 (connection refused)", at=2)
    prom, demo = store.signals["prom/velocity"], store.signals["demo/a"]
    assert (prom.status, prom.reason) == (Status.UNKNOWN, Reason.SOURCE_ERROR)
    assert "connection refused" in prom.summary
    assert demo.status is Status.OK
    assert store.source("prom").status == "error"
    assert store.overall() is Status.UNKNOWN


def test_failing_source_without_signals_still_counts_as_unknown() -> None:
    store = _store()
    store.fail("prom", "timed out after 3s", at=1)
    assert store.signals == {}
    assert store.overall() is Status.UNKNOWN


def test_a_failing_source_says_since_when() -> None:
    store = _store()
    store.apply("prom", [_rule(0.01)], at=1)
    assert store.source("prom").failing_since is None
    store.fail("prom", "timed out after 3s", at=2)
    store.fail("prom", "connection refused", at=7)
    assert store.source("prom").failing_since == 2, "since the first failure of the run"
    store.apply("prom", [_rule(0.01)], at=12)
    assert store.source("prom").failing_since is None
    store.apply("prom", [], at=20, error="queries[1] (x): bad_data")  # partly failing
    assert store.source("prom").failing_since == 20
    state = Checker().source(source_to_json(store.source("prom")), "sources[0]")
    assert state.failing_since == 20, "a recording keeps it"


def test_stale_after_twice_the_interval() -> None:
    store = _store()
    store.apply("prom", [_rule(0.3)], at=100)
    store.sweep(at=109)
    assert store.signals["prom/velocity"].status is Status.CRITICAL
    store.sweep(at=111)
    signal = store.signals["prom/velocity"]
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE)
    assert "stale" in signal.summary


def test_own_max_age_overrides_the_interval() -> None:
    store = SignalStore()
    store.add_source(SourceState("p", "x", frozenset({"health"}), interval=5), max_age=60)
    store.apply("p", [_rule(0.0)], at=0)
    store.sweep(at=30)
    assert store.signals["p/velocity"].status is Status.OK
    store.sweep(at=61)
    assert store.signals["p/velocity"].reason is Reason.STALE


def test_vanished_series_turns_unknown_at_the_second_answer_then_is_dropped() -> None:
    store = _store()  # interval 5: stale after 10 s
    store.apply("prom", [_rule(0.01, "a"), _rule(0.01, "b")], at=0)
    store.apply("prom", [_rule(0.01, "a")], at=5)
    gone = store.signals["prom/b"]
    # One answer without it is no news (a failed scrape): its last status holds, and
    # the sweep leaves it to the next answer even past its data's age.
    assert (gone.status, gone.value, gone.missing_since) == (Status.OK, 0.01, 5)
    store.sweep(at=11)
    assert gone.status is Status.OK
    store.apply("prom", [_rule(0.01, "a")], at=12)
    assert (gone.status, gone.reason, gone.value) == (Status.UNKNOWN, Reason.NO_DATA, None)
    assert gone.summary == "no longer reported by its source"
    store.sweep(at=5 + GONE_AFTER + 1)
    assert "prom/b" not in store.signals
    assert [s.key for s in store.by_kind("risk_rule")] == ["prom/a"]


def test_transient_sources_drop_missing_signals_at_once() -> None:
    store = _store(transient=True)
    store.apply("prom", [_rule(0.01, "a"), _rule(0.01, "b")], at=0)
    store.apply("prom", [_rule(0.01, "a")], at=5)
    assert set(store.signals) == {"prom/a"}


def test_explicit_status_wins_over_thresholds() -> None:
    store = _store()
    store.apply("prom", [_rule(0.0, status=Status.CRITICAL)], at=0)
    assert store.signals["prom/velocity"].status is Status.CRITICAL


def test_history_and_events_stay_bounded() -> None:
    store = _store()
    for t in range(500):
        store.apply("prom", [_rule(0.3 if t % 2 else 0.0)], at=t)
    assert len(store.signals["prom/velocity"].history) == 50
    assert len(store.events) == 20


def test_signals_per_source_are_capped() -> None:
    store = _store()
    readings = [_rule(0.0, f"r{i}") for i in range(MAX_SIGNALS_PER_SOURCE + 5)]
    store.apply("prom", readings, at=0)
    assert len(store.signals) == MAX_SIGNALS_PER_SOURCE
    assert "only the first" in store.source("prom").note


def test_listeners_hear_which_keys_changed() -> None:
    store = _store()
    heard: list[set[str]] = []
    store.subscribe(heard.append)
    store.apply("prom", [_rule(0.01, "a"), _rule(0.01, "b")], at=0)
    store.apply("prom", [_rule(0.01, "a"), _rule(0.02, "b")], at=1)
    assert heard == [{"prom/a", "prom/b"}, {"prom/b"}]


def test_sorted_worst_first_then_by_name() -> None:
    store = _store()
    store.apply(
        "prom",
        [_rule(0.0, "a"), _rule(0.3, "z"), _rule(0.1, "m"), _rule(None, "n"), _rule(0.3, "b")],
        at=0,
    )
    names = [s.name for s in store.by_kind("risk_rule")]
    assert names == ["paylater/b", "paylater/z", "paylater/n", "paylater/m", "paylater/a"]
    assert store.worst() is store.signals["prom/b"]


def test_a_breach_timer_survives_a_failed_poll_and_a_gap() -> None:
    store = _store()
    rule = Reading(
        key="k",
        kind="risk_rule",
        name="r",
        value=5.0,
        thresholds=Thresholds(warning=1, critical=2, for_seconds=60),
    )
    store.apply("prom", [rule], at=0)
    store.apply("prom", [rule], at=100)
    assert store.signals["prom/k"].status is Status.CRITICAL
    store.fail("prom", "timed out", at=105)
    store.apply("prom", [replace(rule, value=None)], at=110)
    store.apply("prom", [rule], at=115)
    assert store.signals["prom/k"].status is Status.CRITICAL  # not ok for another 60 s


def test_partial_collection_marks_only_the_missing_signals() -> None:
    store = _store()
    store.apply("prom", [_rule(0.01, "a"), _rule(0.01, "b")], at=0)
    store.apply("prom", [_rule(0.01, "a")], at=5, error="queries[1]: bad_data")
    assert store.signals["prom/a"].status is Status.OK
    assert store.signals["prom/b"].reason is Reason.SOURCE_ERROR
    assert store.source("prom").status == "error"


def test_missing_signals_count_toward_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    import oncall_tui.core.signals.store as store_module

    monkeypatch.setattr(store_module, "MAX_SIGNALS_PER_SOURCE", 10)
    store = _store()
    for poll in range(5):  # every poll a new set of keys
        store.apply("prom", [_rule(0.0, f"p{poll}-{i}") for i in range(8)], at=poll)
    assert len(store.signals) == 10
    assert all(store.signals[f"prom/p4-{i}"].status is Status.OK for i in range(8))


def test_secrets_are_redacted_in_every_stored_string() -> None:
    from oncall_tui.core.sanitize import redactor

    redactor.add("tok-store-secret-1")
    store = _store()
    store.apply(
        "prom",
        [
            _rule(
                0.0,
                "a",
                runbook=Runbook.link("https://grafana.example/d?api_key=tok-store-secret-1"),
            )
        ],
        at=0,
    )
    assert "tok-store-secret-1" not in str(store.signals["prom/a"].runbook)


def test_the_same_reading_object_again_still_advances_for_and_recovers_from_stale() -> None:
    store = _store()
    same = Reading(
        key="k",
        kind="risk_rule",
        name="r",
        value=5.0,
        thresholds=Thresholds(warning=1, critical=2, for_seconds=30),
    )
    store.apply("prom", [same], at=0)
    assert store.signals["prom/k"].status is Status.OK
    store.apply("prom", [same], at=40)  # identical object: the `for` timer still runs
    assert store.signals["prom/k"].status is Status.CRITICAL
    store.sweep(at=100)
    assert store.signals["prom/k"].reason is Reason.STALE
    store.apply("prom", [same], at=101)
    signal = store.signals["prom/k"]
    assert (signal.status, signal.reason, signal.observed_at) == (Status.CRITICAL, None, 101)
    assert len(signal.history) == 3


def test_change_markers_are_events_never_statuses() -> None:
    store = _store()
    deploy = Reading(key="d", kind="change", name="ledger deployed", value=1_700_000_000.0)
    store.apply("prom", [deploy, _rule(0.5)], at=0)
    store.apply("prom", [replace(deploy, value=1_700_000_600.0), _rule(0.5)], at=5)
    store.fail("prom", "connection refused", at=10)
    signal = store.signals["prom/d"]
    assert signal.status is Status.OK and signal.reason is None
    assert signal.component == "ledger deployed"
    changes = [event for event in store.events if event.change]
    assert [event.value for event in changes] == [1_700_000_000.0, 1_700_000_600.0]
    # Never counted: one critical rule, and the change marker is not an ok row either.
    _, counts = store.summary()
    assert counts[Status.OK] == 0 and counts[Status.UNKNOWN] == 1


def test_component_defaults_to_the_name_and_is_sanitised() -> None:
    store = _store()
    store.apply("prom", [_rule(0.0, "a"), _rule(0.0, "b", component="credit\x1b-bureau")], at=0)
    assert store.signals["prom/a"].component == "paylater/a"
    assert store.signals["prom/b"].component == "credit\\x1b-bureau"


def _hits(value: float, baseline: float | None, **kw: object) -> Reading:
    """A rule hit rate with absolute limits it never reaches here, and ratio limits."""
    thresholds = Thresholds(warning=0.5, critical=0.9, warning_ratio=2, critical_ratio=5, **kw)  # type: ignore[arg-type]
    return Reading(
        key="r", kind="risk_rule", name="paylater/velocity", value=value, unit="ratio",
        baseline=baseline, thresholds=thresholds,
    )  # fmt: skip


def test_ratio_to_the_baseline_is_critical_under_any_absolute_limit() -> None:
    store = _store()
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
    store = _store()
    store.apply("prom", [_hits(0.3, baseline=baseline)], at=0)
    signal = store.signals["prom/r"]
    assert (signal.status, signal.summary) == (Status.OK, "")
    assert "x" not in signal.summary, "never 'infx' or '0x'"


def test_ratio_breach_waits_for_its_for() -> None:
    store = _store()
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
    store = _store()  # interval 5: stale after 10 s
    store.apply(
        "prom", [_rule(0.0, "old", observed_at=80.0), _rule(0.0, "new", observed_at=99.5)], at=100
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
        "prom", [_rule(0.0, "old", observed_at=1e12), _rule(0.0, "new", observed_at=111)], at=112
    )
    assert (old.status, old.observed_at) == (Status.OK, 112)
    assert new.status is Status.OK


def test_history_prefill_only_goes_before_what_is_held() -> None:
    store = _store()  # history capacity 50
    store.apply("prom", [_rule(0.1)], at=100)
    earlier = [(float(t), 0.01 * t) for t in range(0, 100)] + [(100.0, 9.0), (105.0, 9.0)]
    store.apply("prom", [_rule(0.2, history=earlier)], at=105)
    history = list(store.signals["prom/velocity"].history)
    assert len(history) == 50, "bounded by the capacity"
    assert history[-2:] == [(100.0, 0.1), (105.0, 0.2)], "live samples stay last"
    assert history[:3] == [(52.0, 0.52), (53.0, 0.53), (54.0, 0.54)]
    # Malformed history is ignored; the reading still counts.
    store.apply("prom", [_rule(0.3, history=[("x",), 5])], at=110)  # type: ignore[list-item]
    assert store.signals["prom/velocity"].value == 0.3
    assert store.source("prom").note == ""


def test_history_prefill_skips_non_numbers_and_keeps_gaps() -> None:
    store = _store()
    store.apply(
        "prom",
        [
            _rule(
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

    store = _store()
    store.apply("prom", [_rule(0.4)], at=1000)  # first look: already critical
    signal = store.signals["prom/velocity"]
    assert signal.changed_at == 1000
    # The source's backfill: ok until 580, critical from 600 on.
    earlier = [(float(t), 0.01 if t < 600 else 0.4) for t in range(400, 1000, 20)]
    store.apply("prom", [_rule(0.4, history=earlier)], at=1005)
    assert signal.status is Status.CRITICAL
    assert signal.breach_since[Status.CRITICAL] == 600
    assert signal.changed_at == 600, "critical for 6m45s, not 5s"
    (cause,) = diagnose(store.signals.values(), {}).causes
    assert cause.since == 600


def test_a_backfilled_breach_satisfies_for_at_once_but_a_gap_breaks_the_run() -> None:
    store = _store()
    slow = Thresholds(warning=0.05, critical=0.2, for_seconds=60)
    store.apply("prom", [replace(_rule(0.4), thresholds=slow)], at=1000)
    signal = store.signals["prom/velocity"]
    assert signal.status is Status.OK, "for = 1m not yet served"
    earlier = [(float(t), 0.4) for t in range(900, 1000, 10)]
    store.apply("prom", [replace(_rule(0.4, history=earlier), thresholds=slow)], at=1005)
    assert signal.status is Status.CRITICAL, "breaching since 900: for is served"

    gapped = _store()
    gapped.apply("prom", [replace(_rule(0.4), thresholds=slow)], at=1000)
    holes = [(900.0, 0.4), (950.0, None), (990.0, 0.4)]
    gapped.apply("prom", [replace(_rule(0.4, history=holes), thresholds=slow)], at=1005)
    other = gapped.signals["prom/velocity"]
    assert other.breach_since[Status.CRITICAL] == 990, "no data is never a breach"
    assert other.status is Status.OK


def test_an_alert_that_stops_firing_resolves_on_the_timeline_with_its_kind() -> None:
    """Found in tmux against a real Alertmanager: DependencyDown fired and vanished with
    no event, and its firing event then read `[?]` and a bare number in the events
    screen, its signal being gone."""
    from oncall_tui.core.recording.timeline import _status_entry
    from oncall_tui.ui.screens.events import event_entry

    store = _store(transient=True)
    alert = Reading(
        key="DependencyDown",
        kind="alert",
        name="DependencyDown",
        value=30.0,
        unit="seconds",
        status=Status.CRITICAL,
    )
    store.apply("prom", [alert, _rule(0.01, "a")], at=0)
    store.apply("prom", [_rule(0.01, "a")], at=5)
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
