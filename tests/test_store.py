"""The signal store's ingestion: every string sanitised and redacted, status changes
as events, a failing source marking only its signals, staleness, vanished and capped
signals, listeners, the sort order, and breach timers."""

from dataclasses import replace

import pytest

from oncall_tui.core.recording.format import source_to_json
from oncall_tui.core.recording.validate import Checker
from oncall_tui.core.signals.model import Reading, Reason, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import GONE_AFTER, MAX_SIGNALS_PER_SOURCE, SignalStore
from oncall_tui.core.sources.runbook import Runbook
from store_support import prom_store, rule_reading


def test_every_string_is_sanitised_on_ingest() -> None:
    store = prom_store()
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
    store = prom_store()
    store.apply("prom", [rule_reading(0.01)], at=1)
    assert len(store.events) == 0  # appearing healthy is not news
    store.apply("prom", [rule_reading(0.3)], at=2)
    store.apply("prom", [rule_reading(0.3)], at=3)
    store.apply("prom", [rule_reading(0.06)], at=4)
    events = list(store.events)
    assert [(e.before, e.after, e.at) for e in events] == [
        (Status.OK, Status.CRITICAL, 2),
        (Status.CRITICAL, Status.WARNING, 4),
    ]
    assert events[0].value == 0.3 and events[0].key == "prom/velocity"


def test_source_failure_marks_only_its_signals_unknown() -> None:
    store = prom_store()
    store.add_source(SourceState("demo", "demo", frozenset({"health"}), interval=5))
    store.apply("prom", [rule_reading(0.01)], at=1)
    store.apply("demo", [Reading(key="a", kind="health", name="pay-api", value=1.0)], at=1)
    store.fail("prom", "cannot connect to 127.0.0.1:9090 (connection refused)", at=2)
    prom, demo = store.signals["prom/velocity"], store.signals["demo/a"]
    assert (prom.status, prom.reason) == (Status.UNKNOWN, Reason.SOURCE_ERROR)
    assert "connection refused" in prom.summary
    assert demo.status is Status.OK
    assert store.source("prom").status == "error"
    assert store.overall() is Status.UNKNOWN


def test_failing_source_without_signals_still_counts_as_unknown() -> None:
    store = prom_store()
    store.fail("prom", "timed out after 3s", at=1)
    assert store.signals == {}
    assert store.overall() is Status.UNKNOWN


def test_a_failing_source_says_since_when() -> None:
    store = prom_store()
    store.apply("prom", [rule_reading(0.01)], at=1)
    assert store.source("prom").failing_since is None
    store.fail("prom", "timed out after 3s", at=2)
    store.fail("prom", "connection refused", at=7)
    assert store.source("prom").failing_since == 2, "since the first failure of the run"
    store.apply("prom", [rule_reading(0.01)], at=12)
    assert store.source("prom").failing_since is None
    store.apply("prom", [], at=20, error="queries[1] (x): bad_data")  # partly failing
    assert store.source("prom").failing_since == 20
    state = Checker().source(source_to_json(store.source("prom")), "sources[0]")
    assert state.failing_since == 20, "a recording keeps it"


def test_stale_after_twice_the_interval() -> None:
    store = prom_store()
    store.apply("prom", [rule_reading(0.3)], at=100)
    store.sweep(at=109)
    assert store.signals["prom/velocity"].status is Status.CRITICAL
    store.sweep(at=111)
    signal = store.signals["prom/velocity"]
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE)
    assert "stale" in signal.summary


def test_own_max_age_overrides_the_interval() -> None:
    store = SignalStore()
    store.add_source(SourceState("p", "x", frozenset({"health"}), interval=5), max_age=60)
    store.apply("p", [rule_reading(0.0)], at=0)
    store.sweep(at=30)
    assert store.signals["p/velocity"].status is Status.OK
    store.sweep(at=61)
    assert store.signals["p/velocity"].reason is Reason.STALE


def test_vanished_series_turns_unknown_at_the_second_answer_then_is_dropped() -> None:
    store = prom_store()  # interval 5: stale after 10 s
    store.apply("prom", [rule_reading(0.01, "a"), rule_reading(0.01, "b")], at=0)
    store.apply("prom", [rule_reading(0.01, "a")], at=5)
    gone = store.signals["prom/b"]
    # One answer without it is no news (a failed scrape): its last status holds, and
    # the sweep leaves it to the next answer even past its data's age.
    assert (gone.status, gone.value, gone.missing_since) == (Status.OK, 0.01, 5)
    store.sweep(at=11)
    assert gone.status is Status.OK
    store.apply("prom", [rule_reading(0.01, "a")], at=12)
    assert (gone.status, gone.reason, gone.value) == (Status.UNKNOWN, Reason.NO_DATA, None)
    assert gone.summary == "no longer reported by its source"
    store.sweep(at=5 + GONE_AFTER + 1)
    assert "prom/b" not in store.signals
    assert [s.key for s in store.by_kind("risk_rule")] == ["prom/a"]


def test_transient_sources_drop_missing_signals_at_once() -> None:
    store = prom_store(transient=True)
    store.apply("prom", [rule_reading(0.01, "a"), rule_reading(0.01, "b")], at=0)
    store.apply("prom", [rule_reading(0.01, "a")], at=5)
    assert set(store.signals) == {"prom/a"}


def test_explicit_status_wins_over_thresholds() -> None:
    store = prom_store()
    store.apply("prom", [rule_reading(0.0, status=Status.CRITICAL)], at=0)
    assert store.signals["prom/velocity"].status is Status.CRITICAL


def test_history_and_events_stay_bounded() -> None:
    store = prom_store()
    for t in range(500):
        store.apply("prom", [rule_reading(0.3 if t % 2 else 0.0)], at=t)
    assert len(store.signals["prom/velocity"].history) == 50
    assert len(store.events) == 20


def test_signals_per_source_are_capped() -> None:
    store = prom_store()
    readings = [rule_reading(0.0, f"r{i}") for i in range(MAX_SIGNALS_PER_SOURCE + 5)]
    store.apply("prom", readings, at=0)
    assert len(store.signals) == MAX_SIGNALS_PER_SOURCE
    assert "only the first" in store.source("prom").note


def test_listeners_hear_which_keys_changed() -> None:
    store = prom_store()
    heard: list[set[str]] = []
    store.subscribe(heard.append)
    store.apply("prom", [rule_reading(0.01, "a"), rule_reading(0.01, "b")], at=0)
    store.apply("prom", [rule_reading(0.01, "a"), rule_reading(0.02, "b")], at=1)
    assert heard == [{"prom/a", "prom/b"}, {"prom/b"}]


def test_sorted_worst_first_then_by_name() -> None:
    store = prom_store()
    store.apply(
        "prom",
        [
            rule_reading(0.0, "a"),
            rule_reading(0.3, "z"),
            rule_reading(0.1, "m"),
            rule_reading(None, "n"),
            rule_reading(0.3, "b"),
        ],
        at=0,
    )
    names = [s.name for s in store.by_kind("risk_rule")]
    assert names == ["paylater/b", "paylater/z", "paylater/n", "paylater/m", "paylater/a"]
    assert store.worst() is store.signals["prom/b"]


def test_a_breach_timer_survives_a_failed_poll_and_a_gap() -> None:
    store = prom_store()
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
    store = prom_store()
    store.apply("prom", [rule_reading(0.01, "a"), rule_reading(0.01, "b")], at=0)
    store.apply("prom", [rule_reading(0.01, "a")], at=5, error="queries[1]: bad_data")
    assert store.signals["prom/a"].status is Status.OK
    assert store.signals["prom/b"].reason is Reason.SOURCE_ERROR
    assert store.source("prom").status == "error"


def test_missing_signals_count_toward_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    import oncall_tui.core.signals.store as store_module

    monkeypatch.setattr(store_module, "MAX_SIGNALS_PER_SOURCE", 10)
    store = prom_store()
    for poll in range(5):  # every poll a new set of keys
        store.apply("prom", [rule_reading(0.0, f"p{poll}-{i}") for i in range(8)], at=poll)
    assert len(store.signals) == 10
    assert all(store.signals[f"prom/p4-{i}"].status is Status.OK for i in range(8))


def test_secrets_are_redacted_in_every_stored_string() -> None:
    from oncall_tui.core.sanitize import redactor

    redactor.add("tok-store-secret-1")
    store = prom_store()
    store.apply(
        "prom",
        [
            rule_reading(
                0.0,
                "a",
                runbook=Runbook.link("https://grafana.example/d?api_key=tok-store-secret-1"),
            )
        ],
        at=0,
    )
    assert "tok-store-secret-1" not in str(store.signals["prom/a"].runbook)


def test_the_same_reading_object_again_still_advances_for_and_recovers_from_stale() -> None:
    store = prom_store()
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
    store = prom_store()
    deploy = Reading(key="d", kind="change", name="ledger deployed", value=1_700_000_000.0)
    store.apply("prom", [deploy, rule_reading(0.5)], at=0)
    store.apply("prom", [replace(deploy, value=1_700_000_600.0), rule_reading(0.5)], at=5)
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
    store = prom_store()
    store.apply(
        "prom",
        [rule_reading(0.0, "a"), rule_reading(0.0, "b", component="credit\x1b-bureau")],
        at=0,
    )
    assert store.signals["prom/a"].component == "paylater/a"
    assert store.signals["prom/b"].component == "credit\\x1b-bureau"
