"""One clock: every "since" on every screen and in `check` is the same time (when the
failing began, `changed_at`) said by the same rule (`short_duration`)."""

from __future__ import annotations

from pathlib import Path

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
