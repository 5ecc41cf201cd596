"""What each change did (core/triage/change_effect.py): its component's signals before it
against after it, said on the probable cause, in the events screen (`e`) and in
`oncall-tui timeline`; "no visible effect" said too; nothing said before it is known."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from clock_support import FakeClock
from oncall_tui.core.present.causes_json import causes_json
from oncall_tui.core.recording import read_recording
from oncall_tui.core.recording.format import Header
from oncall_tui.core.recording.timeline import build_timeline, render_json, render_markdown
from oncall_tui.core.recording.writer import Recorder
from oncall_tui.core.signals.facts import CanaryFacts
from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.change_effect import NO_EFFECT, change_effect
from ui_support import make_app

LIMITS = Thresholds(warning=0.01, critical=0.05)
ERRORS = Reading(
    key="e", kind="health", name="jiebei-loan errors", unit="ratio", component="jiebei-loan",
    thresholds=LIMITS,
)  # fmt: skip
LATENCY = Reading(
    key="l", kind="health", name="jiebei-loan p99", unit="seconds", component="jiebei-loan"
)
DEPLOY = Reading(
    key="d", kind="change", name="jiebei-loan deployed", component="jiebei-loan", value=500.0
)
RELOAD = Reading(key="r", kind="change", name="sms-otp reloaded", component="sms-otp", value=500.0)
SMS = Reading(key="s", kind="dependency", name="sms-otp errors", unit="ratio", component="sms-otp")


def platform(clock: FakeClock, deploy_at: float = 1005.0) -> tuple[SignalStore, list[float]]:
    """jiebei-loan at 0.1% errors until a deploy at 1005, 30% after it; sms-otp reloaded
    at the same time and unmoved; latency unmoved. Collections every 10 s."""
    store = SignalStore(clock=clock, history=60)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=10))
    times = [1000.0 + 10 * i for i in range(5)]
    for at in times:
        clock.now = at
        after = at > deploy_at
        store.apply(
            "prom",
            [
                replace(ERRORS, value=0.3 if after else 0.001),
                replace(LATENCY, value=0.2),
                replace(SMS, value=0.002),
                replace(DEPLOY, value=deploy_at if after else 500.0),
                replace(RELOAD, value=deploy_at if after else 500.0),
            ],
        )
    return store, times


def test_the_effect_in_words_and_no_visible_effect() -> None:
    clock = FakeClock()
    store, _ = platform(clock)
    signals = list(store.signals.values())
    assert change_effect(1005.0, "jiebei-loan", signals) == "errors 0.1% → 30%"
    assert change_effect(1005.0, "sms-otp", signals) == NO_EFFECT
    # Nothing from before it (a one-shot check of a deploy made before it started).
    assert change_effect(990.0, "jiebei-loan", signals) == ""
    # One sample after it is not enough: the deploy may still have been rolling.
    assert change_effect(1035.0, "jiebei-loan", signals) == ""


def test_a_canary_verdict_is_the_effect_of_its_deploy() -> None:
    clock = FakeClock()
    store, _ = platform(clock)
    canary = next(iter(store.signals.values()))
    canary = replace(canary)
    canary.kind, canary.key, canary.status = "health", "prom/c", Status.CRITICAL
    canary.canary = CanaryFacts("2.4.0", "2.3.1", 0.3, 0.0, 200, 0.1)
    words = change_effect(1005.0, "jiebei-loan", [*store.signals.values(), canary])
    assert words == "canary 2.4.0 fails 30% vs 0% on 2.3.1"


def test_the_cause_carries_the_effect_of_its_change() -> None:
    clock = FakeClock()
    store, _ = platform(clock)
    diagnosis = store_diagnosis(store, {}, 60.0)
    cause = next(c for c in diagnosis.causes if c.component == "jiebei-loan")
    (change,) = cause.changes
    assert change.effect == "errors 0.1% → 30%"
    document = causes_json(diagnosis)
    assert document[0]["changes"][0]["effect"] == "errors 0.1% → 30%"


async def test_the_events_screen_says_what_each_change_did() -> None:
    clock = FakeClock()
    store, _ = platform(clock)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        texts = app.screen.list.texts  # type: ignore[attr-defined]
        assert any(
            "jiebei-loan deployed" in t and t.endswith("→ errors 0.1% → 30%") for t in texts
        ), texts
        assert any("sms-otp reloaded" in t and t.endswith("→ no visible effect") for t in texts)


def test_timeline_says_what_each_change_did(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    clock = FakeClock()
    store = SignalStore(clock=clock, history=60)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=10))
    recorder = Recorder(store, path, Header("loans", 1000.0, {}, 3600.0))
    for at in [1000.0 + 10 * i for i in range(12)]:
        clock.now = at
        after = at > 1005
        store.apply(
            "prom",
            [
                replace(ERRORS, value=0.3 if after else 0.001),
                replace(SMS, value=0.002),
                replace(DEPLOY, value=1005.0 if after else 500.0),
                replace(RELOAD, value=1005.0 if after else 500.0),
            ],
        )
    recorder.close()
    timeline = build_timeline(read_recording(path))
    text = render_markdown(timeline)
    assert "change: jiebei-loan deployed → errors 0.1% → 30% |" in text, text
    assert "change: sms-otp reloaded → no visible effect |" in text, text
    effects = {
        e["name"]: e.get("effect") for e in render_json(timeline)["events"] if e["what"] == "change"
    }
    assert effects == {"jiebei-loan deployed": "errors 0.1% → 30%", "sms-otp reloaded": NO_EFFECT}
