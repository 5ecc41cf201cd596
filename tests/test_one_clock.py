"""One clock: every "since" on every screen and in `check` is the same time (when the
failing began, `changed_at`) said by the same rule (`short_duration`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from demo_triage_support import check as demo_check
from oncall_tui.core.present.causes_json import causes_json, iso
from oncall_tui.core.present.formatting import age_text
from oncall_tui.core.present.triage_text import cause_line
from oncall_tui.core.present.wallboard import since
from oncall_tui.core.recording import Header, Recorder, Replay, read_recording
from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import diagnose

T0 = 1_800_000_000.0
LIMITS = Thresholds(warning=0.5, critical=1.0, for_seconds=30)


def _p99(value: float) -> Reading:
    return Reading("p99", "health", "pay-api p99", value, "seconds", thresholds=LIMITS)


def _store() -> SignalStore:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState("s", "test", frozenset({"health", "alert"}), interval=10))
    return store


def test_rows_wallboard_cause_line_and_check_say_the_same_since() -> None:
    store = _store()
    store.apply("s", [_p99(0.1)], at=T0 - 10)  # seen fine first: the breach's start is known
    for at in (T0, T0 + 10, T0 + 20, T0 + 30):  # critical once `for` (30 s) has passed
        store.apply("s", [_p99(1.5)], at=at)
    signal = store.signals["s/p99"]
    assert signal.status is Status.CRITICAL
    assert signal.changed_at == T0, "since the breach began, not since `for` counted it"
    now = T0 + 75
    assert age_text(signal, now) == "for 70s"  # seconds in tens: see short_duration
    assert since(signal, now) == "70s"
    cause = diagnose(store.signals.values()).causes[0]
    assert " 70s " in cause_line(cause, now=now)
    assert causes_json(diagnose(store.signals.values()))[0]["since"] == iso(T0)
    assert age_text(signal, T0 + 300) == "for 5m" and since(signal, T0 + 300) == "5m"


def test_an_alert_is_as_old_as_the_source_says() -> None:
    store = _store()
    alert = Reading(
        "DependencyDown", "alert", "DependencyDown", 62.1, "seconds",
        status=Status.CRITICAL, since=T0 - 62.1,
    )  # fmt: skip
    store.apply("s", [alert], at=T0)
    signal = store.signals["s/DependencyDown"]
    assert signal.changed_at == T0 - 62.1
    assert age_text(signal, T0) == "for 60s", "not 'for <1m' beside a value of 62.1s"


def test_a_replay_says_the_since_the_live_board_said(tmp_path: Path) -> None:
    live = _store()
    recorder = Recorder(
        live,
        tmp_path / "r.jsonl",
        Header(title="t", started_at=T0, topology={}, change_window=3600.0),
    )
    for at in (T0, T0 + 10, T0 + 20, T0 + 30, T0 + 40):
        live.apply("s", [_p99(1.5)], at=at)
    recorder.close()
    replayed = SignalStore(clock=lambda: T0)
    replay = Replay(read_recording(tmp_path / "r.jsonl"), replayed)
    replay.advance_to(T0 + 40)
    assert replayed.signals["s/p99"].changed_at == live.signals["s/p99"].changed_at == T0


def test_a_failing_seen_from_the_first_data_on_has_no_known_start() -> None:
    """A breach that began before any data oncall-tui has of it began at an unknown
    time: `since` is null, never the time of the first look; `seen_since` says when
    it was first seen failing. Data that shows the start (the history a source hands
    back, an alert's own start) makes it known."""
    store = _store()
    for at in (T0, T0 + 30):  # failing at the first look, no history; critical after `for`
        store.apply("s", [_p99(1.5)], at=at)
    (cause,) = causes_json(diagnose(store.signals.values()))
    assert cause["since"] is None and cause["seen_since"] == iso(T0)

    backfilled = _store()
    history = [(T0 - 60, 0.2), (T0 - 50, 0.2), (T0 - 40, 1.5), (T0 - 30, 1.5)]
    backfilled.apply("s", [replace(_p99(1.5), history=history)], at=T0)
    (cause,) = causes_json(diagnose(backfilled.signals.values()))
    assert cause["since"] == cause["seen_since"] == iso(T0 - 40), "the history shows it"

    always = _store()
    history = [(T0 - 60, 1.5), (T0 - 50, 1.5)]  # failing from the oldest sample on
    always.apply("s", [replace(_p99(1.5), history=history)], at=T0)
    (cause,) = causes_json(diagnose(always.signals.values()))
    assert cause["since"] is None and cause["seen_since"] == iso(T0 - 60)


def test_a_one_shot_check_says_it_does_not_know_when_the_failing_began(tmp_path: Path) -> None:
    """Through the command line: the demo's fixed incident is at full strength from the
    first collection, and a one-shot `check` reads no history."""
    code, document = demo_check(tmp_path, "dependency")
    assert code == 2
    cause = document["causes"][0]
    assert cause["component"] == "credit-bureau"
    assert cause["since"] is None
    seen = datetime.fromisoformat(cause["seen_since"])
    generated = datetime.fromisoformat(document["generated_at"])
    assert abs((generated - seen).total_seconds()) < 30


def test_a_backfill_that_dates_the_breach_earlier_is_a_change_viewers_hear_of() -> None:
    """Prometheus hands its history back from the second collection on: the breach's
    start moves back, and every "for" shown moves with it. The row was not told (its
    value, status and summary were the same) and said `for <10s` beside a why-line's
    `critical for 30m`."""
    store = _store()
    heard: list[set[str]] = []
    store.subscribe(heard.append)
    bool_down = Thresholds(critical=0.5, below=True)
    down = Reading("up", "dependency", "bureau up", 0.0, "bool", thresholds=bool_down)
    store.apply("s", [down], at=T0)
    assert store.signals["s/up"].changed_at == T0
    heard.clear()
    history = [(T0 - 1800 + 10 * i, 0.0) for i in range(180)]
    store.apply("s", [replace(down, history=history)], at=T0 + 5)
    assert store.signals["s/up"].changed_at == T0 - 1800
    assert any("s/up" in keys for keys in heard), heard


def test_the_cause_line_says_at_least_when_the_start_is_not_known() -> None:
    """Against a real Prometheus whose backfill (30 min) was shorter than the outage
    (45 min, Alertmanager's own start), the cause line said `down 29m`."""
    store = _store()
    for at in (T0, T0 + 30):  # failing from the first look
        store.apply("s", [_p99(1.5)], at=at)
    cause = diagnose(store.signals.values()).causes[0]
    assert not cause.since_known
    assert "pay-api p99 critical (health)" in cause_line(cause, now=T0 + 5)
    assert "pay-api p99 critical 30m+ (health)" in cause_line(cause, now=T0 + 1800)
