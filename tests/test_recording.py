"""Recordings: written as the engine collects, read up to any damage, replayed through
the same store so statuses and events come out as they went in."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.core.recording import Header, Recorder, RecordingError, Replay, read_recording
from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook
from waiting import wait_until_async

HEADER = Header(title="drill", started_at=1000.0, topology={"a": ["b"]}, change_window=600.0)
RULE = Thresholds(warning=0.05, critical=0.2)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _live_session(path: Path) -> SignalStore:
    """A store fed for a minute of a small incident, recorded to `path`."""
    clock = Clock()
    store = SignalStore(clock=clock, history=50, events=100)
    store.add_source(SourceState("prom", "prometheus", frozenset({"risk_rule"}), interval=5))
    recorder = Recorder(store, path, HEADER)
    rule = Reading(
        key="velocity",
        kind="risk_rule",
        name="paylater/velocity",
        unit="ratio",
        thresholds=RULE,
        component="velocity",
        runbook=Runbook.link("https://runbooks.example.com/risk/velocity"),
    )
    deploy = Reading(key="edit", kind="change", name="velocity edited", component="velocity")
    for step, value in enumerate([0.01, 0.01, 0.3, 0.4, 0.1, 0.01]):
        clock.now = 1000.0 + 10 * step
        readings = [replace(rule, value=value), replace(deploy, value=1015.0)]
        store.apply("prom", readings)
    clock.now = 1070.0
    store.fail("prom", "connection refused")
    recorder.close()
    return store


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_replay_reproduces_statuses_and_events(tmp_path: Path, name: str) -> None:
    live = _live_session(tmp_path / name)
    recording = read_recording(tmp_path / name)
    assert recording.damage == ""
    assert recording.header == HEADER
    replayed = SignalStore(history=50, events=100)
    replay = Replay(recording, replayed)
    replayed.clock = replay.clock
    while replay.step():
        pass
    assert replay.at_end and replay.now == 1070.0
    live_events = [(e.at, e.key, e.before, e.after, e.change) for e in live.events]
    assert [(e.at, e.key, e.before, e.after, e.change) for e in replayed.events] == live_events
    signal = replayed.signals["prom/velocity"]
    assert (signal.status, signal.reason) == (Status.UNKNOWN, live.signals["prom/velocity"].reason)
    assert signal.runbook == Runbook.link("https://runbooks.example.com/risk/velocity")
    assert replayed.source("prom").error == "connection refused"
    assert replayed.overall() is Status.UNKNOWN


def test_replay_advances_on_the_recorded_clock_and_finds_the_next_change(tmp_path: Path) -> None:
    _live_session(tmp_path / "rec.jsonl")
    store = SignalStore(history=50)
    replay = Replay(read_recording(tmp_path / "rec.jsonl"), store)
    store.clock = replay.clock
    replay.advance_to(1010.0)
    assert store.signals["prom/velocity"].status is Status.OK
    assert replay.next_status_change() == 1020.0
    replay.advance_to(replay.next_status_change() or 0)
    assert store.signals["prom/velocity"].status is Status.CRITICAL
    assert store.data_age() == 0.0


def test_a_truncated_gzip_recording_is_read_up_to_the_damage(tmp_path: Path) -> None:
    _live_session(tmp_path / "rec.jsonl.gz")
    whole = (tmp_path / "rec.jsonl.gz").read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[:-12])  # a crash: the last block and the trailer are missing
    recording = read_recording(cut)
    assert "truncated" in recording.damage
    assert len(recording.frames) == len(read_recording(tmp_path / "rec.jsonl.gz").frames)
    # Cut inside a frame: the frames before it are kept, the damage is named.
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    assert read_recording(cut).damage.startswith("line ")


def test_a_corrupt_line_stops_reading_there(tmp_path: Path) -> None:
    _live_session(tmp_path / "rec.jsonl")
    lines = (tmp_path / "rec.jsonl").read_text().splitlines()
    lines[3] = lines[3][:40]
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
    recording = read_recording(tmp_path / "bad.jsonl")
    assert recording.damage.startswith("line 4: corrupt")
    assert len(recording.frames) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ('{"hello": 1}\n', "not an oncall-tui recording"),
        ("not json\n", "not an oncall-tui recording"),
        ('{"format": "oncall-tui recording", "schema": 99}\n', "schema 99 is not supported"),
    ],
)
def test_what_is_not_a_recording_says_so(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError, match=message):
        read_recording(path)


def test_a_hostile_recording_is_sanitised_and_cannot_name_local_files(tmp_path: Path) -> None:
    header = json.dumps(HEADER.to_json())
    signal = {
        "key": "x/evil",
        "kind": "health",
        "name": "pay\x1b[2J\u202e-api",
        "source": "x",
        "labels": {"a\x1b": "b\x9b"},
        "unit": "count",
        "value": 1,
        "status": "critical",
        "summary": "\x1b]52;c;AAAA\x07",
        "runbook": {"kind": "file", "target": "/root/.ssh/id_rsa"},
    }
    wrong = {"key": "x/wrong", "kind": "nope", "unit": "count"}
    frames = [
        {"t": 1001.0, "signals": [signal], "gone": [], "sources": []},
        {"t": 1002.0, "signals": [signal, wrong, 7], "gone": [], "sources": []},
    ]
    path = tmp_path / "evil.jsonl"
    path.write_text("\n".join([header, *map(json.dumps, frames)]) + "\n")
    store = SignalStore()
    recording = read_recording(path)
    replay = Replay(recording, store)
    replay.step()
    evil = store.signals["x/evil"]
    shown = evil.name + evil.summary + "".join(evil.labels) + "".join(evil.labels.values())
    assert not any(ch in shown for ch in "\x1b\x9b\u202e\x07")
    assert evil.runbook is not None and not evil.runbook.is_file
    # A frame with one malformed signal is damage: read up to it, and said which field.
    assert len(recording.frames) == 1 and "x/wrong" not in store.signals
    assert recording.damage == (
        "line 3: corrupt (signals[1].kind: expected one of business, health, risk_rule, "
        "dependency, alert, change, got 'nope'); read up to there"
    )


def test_the_recorder_stops_at_its_size_limit(tmp_path: Path) -> None:
    clock = Clock()
    store = SignalStore(clock=clock)
    store.add_source(SourceState("s", "steady", frozenset({"health"}), interval=5))
    recorder = Recorder(store, tmp_path / "r.jsonl", HEADER, max_bytes=5000)
    for step in range(100):
        clock.now += 1
        store.apply("s", [Reading(key="k", kind="health", name="k", value=float(step))])
    recorder.close()
    assert recorder.full and recorder.written <= 5000
    assert (tmp_path / "r.jsonl").stat().st_size <= 5000
    assert read_recording(tmp_path / "r.jsonl").damage == ""


# --- the command --------------------------------------------------------------------


def _record(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", "record", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_record_writes_a_self_contained_recording_without_secrets(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'title = "drill ${DRILL_TOKEN}"\nrefresh = "200ms"\n'
        '[topology]\n"loan-api" = ["credit-bureau"]\n'
        '[sources.demo]\nplugin = "demo"\nincident = "dependency"\n'
    )
    out = tmp_path / "drill.jsonl.gz"
    token = "tok-recording-secret-42"
    result = _record(
        "--config", str(config), "--out", str(out), "--for", "1s", env={"DRILL_TOKEN": token}
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "recorded" in result.stderr
    text = gzip.decompress(out.read_bytes()).decode()
    assert token not in text
    recording = read_recording(out)
    assert recording.header.title == "drill ***"
    assert recording.header.topology == {"loan-api": ["credit-bureau"]}
    assert len(recording.frames) >= 3, "a 200ms source for 1s collects several times"
    # The size said is the file's, compressed, not the JSON fed to the compressor.
    said = re.search(r"\((\d+) (KB|bytes)\)", result.stderr)
    assert said is not None, result.stderr
    size = int(said[1]) * (1024 if said[2] == "KB" else 1)
    assert abs(size - out.stat().st_size) <= 512, (said[0], out.stat().st_size)


def test_record_exit_codes(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[sources.demo]\nplugin = "demo"\n')
    unwritable = _record("--config", str(config), "--out", str(tmp_path / "no" / "x.jsonl"))
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.demo]\nplugin = "demo"\nincident = "meteor"\n')
    assert _record("--config", str(bad), "--out", str(tmp_path / "x.jsonl")).returncode == 2
    wrong_for = _record("--config", str(config), "--out", str(tmp_path / "x"), "--for", "5")
    assert wrong_for.returncode == 2 and "Traceback" not in wrong_for.stderr


# --- timeline -----------------------------------------------------------------------


def _cascade_recording(path: Path) -> None:
    """The bureau fails, the loan service follows, both recover; a bureau config reload
    came just before."""
    clock = Clock()
    store = SignalStore(clock=clock, history=20)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=10))
    header = Header("payments", 1000.0, {"loan-api": ["credit-bureau"]}, 600.0)
    recorder = Recorder(store, path, header)
    ratio = Thresholds(warning=0.02, critical=0.05)
    bureau = Reading(
        key="b",
        kind="dependency",
        name="credit-bureau errors",
        unit="ratio",
        component="credit-bureau",
        thresholds=ratio,
    )
    loan = Reading(
        key="l",
        kind="health",
        name="loan-api errors",
        unit="ratio",
        component="loan-api",
        thresholds=ratio,
    )
    reload = Reading(
        key="c",
        kind="change",
        name="credit-bureau config reloaded",
        component="credit-bureau",
        value=990.0,
    )
    for at, b, loan_value in [
        (1000, 0.0, 0.0),
        (1010, 0.3, 0.0),
        (1020, 0.3, 0.2),
        (1030, 0.0, 0.0),
    ]:
        clock.now = float(at)
        store.apply("prom", [replace(bureau, value=b), replace(loan, value=loan_value), reload])
    recorder.close()


def test_timeline_reads_as_a_post_mortem(tmp_path: Path) -> None:
    from oncall_tui.core.recording.timeline import build_timeline, render_json, render_markdown

    _cascade_recording(tmp_path / "r.jsonl")
    built = build_timeline(read_recording(tmp_path / "r.jsonl"))
    text = render_markdown(built)
    assert text.startswith("# Incident timeline: payments\n")
    assert "- all 2 signals ok" in text  # the state at the first collection
    rows = [line for line in text.splitlines() if line.startswith("| 00:")]
    what = [row.split(" | ", 1)[1] for row in rows]
    assert what[0] == "change: credit-bureau config reloaded |"
    assert "credit-bureau errors: ok → critical (30%) |" in what
    assert any(w.startswith("probable cause: credit-bureau down") and "loan-api" in w for w in what)
    assert "loan-api errors: critical → ok (0%) |" in what
    assert what[-1] == "probable cause: none (nothing failing) |"
    events = render_json(built)["events"]
    assert [e["what"] for e in events][:2] == ["change", "status"]
    causes = [e for e in events if e["what"] == "cause" and e["cause"]]
    assert [c["affects"] for c in causes] == [[], ["loan-api"]]
    cause = causes[0]
    assert cause["changes"] == [
        {"name": "credit-bureau config reloaded", "at": "1970-01-01T00:16:30+00:00"}
    ]
    assert [e["to"] for e in events if e["what"] == "status"] == [
        "critical",
        "critical",
        "ok",
        "ok",
    ]


def test_timeline_command(tmp_path: Path) -> None:
    _cascade_recording(tmp_path / "r.jsonl")
    run = [sys.executable, "-m", "oncall_tui", "timeline"]
    json_out = subprocess.run(
        [*run, str(tmp_path / "r.jsonl"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json_out.returncode == 0 and json.loads(json_out.stdout)["title"] == "payments"
    (tmp_path / "cut.jsonl").write_text((tmp_path / "r.jsonl").read_text()[:-40])
    damaged = subprocess.run(
        [*run, str(tmp_path / "cut.jsonl")], capture_output=True, text=True, timeout=60
    )
    assert damaged.returncode == 0 and "truncated" in damaged.stderr
    assert "> The recording is damaged: line 5: truncated" in damaged.stdout
    (tmp_path / "x.txt").write_text("hello\n")
    wrong = subprocess.run(
        [*run, str(tmp_path / "x.txt")], capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2 and "not an oncall-tui recording" in wrong.stderr
    assert "Traceback" not in wrong.stderr + damaged.stderr


def test_record_then_timeline_of_the_demo_cascade(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'title = "drill"\nrefresh = "200ms"\nchange_window = "10m"\n'
        '[topology]\n"loan-api" = ["credit-bureau"]\n"cashloan/credit-limit" = ["credit-bureau"]\n'
        '[sources.demo]\nplugin = "demo"\nincident = "cascade"\n'
    )
    out = tmp_path / "drill.jsonl.gz"
    assert _record("--config", str(config), "--out", str(out), "--for", "1s").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "timeline", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    document = json.loads(result.stdout)
    assert document["initial"]["cause"].startswith("credit-bureau down")
    assert "loan-api" in document["initial"]["cause"]


# --- the player (replay's engine) ----------------------------------------------------


async def test_the_player_plays_pauses_steps_and_jumps(tmp_path: Path) -> None:

    from oncall_tui.core.recording.player import Player

    _live_session(tmp_path / "rec.jsonl")
    recording = read_recording(tmp_path / "rec.jsonl")
    player = Player(recording, speed=10.0)
    assert player.read_only and player.config.title == "drill"
    assert player.config.topology == {"a": ["b"]}
    assert player.now == 1000.0 and "prom/velocity" in player.store.signals  # first frame
    player.advance(1.0)  # one real second at 10x: ten recorded seconds
    assert player.now == 1010.0
    player.toggle_pause()
    player.advance(100.0)
    assert player.now == 1010.0, "paused"
    assert player.jump_to_next_change()
    assert player.now == 1020.0
    assert player.store.signals["prom/velocity"].status is Status.CRITICAL
    while player.step():
        pass
    assert player.at_end and not player.jump_to_next_change()
    assert player.store.source("prom").error == "connection refused"
    # And on its own timer, as the app starts it:
    fresh = Player(recording, speed=1000.0)
    fresh.start()
    await wait_until_async(lambda: fresh.at_end, what="the end of the recording")
    await fresh.stop()
    assert fresh.at_end


async def test_replay_on_the_dashboard_pauses_steps_jumps_and_ends(tmp_path: Path) -> None:
    from oncall_tui.core.recording.player import Player
    from oncall_tui.ui.replay_app import ReplayApp
    from oncall_tui.ui.widgets.status_header import StatusHeader

    _cascade_recording(tmp_path / "r.jsonl")
    frozen = Player(read_recording(tmp_path / "r.jsonl"), monotonic=lambda: 0.0)
    app = ReplayApp(frozen)
    async with app.run_test(size=(120, 40)) as pilot:
        header = app.screen.query_one(StatusHeader)
        await pilot.pause()
        assert app.read_only
        assert "REPLAY 1x" in header.text and "READ-ONLY" in header.text
        recorded = time.strftime("%H:%M:%S", time.localtime(1000.0))
        assert recorded in header.text  # the recorded clock, not the wall clock
        await pilot.press("space")
        assert frozen.paused and "REPLAY PAUSED" in header.text
        await pilot.press("space")
        await pilot.press("right_square_bracket")  # the bureau turns critical
        await pilot.pause()
        assert frozen.now == 1010.0
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert board.cause.plain.startswith("LIKELY CAUSE  credit-bureau down")
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert frozen.at_end and "REPLAY END" in header.text
        assert app.engine.store.signals["prom/b"].status is Status.OK
        await pilot.press("q")


def test_the_timeline_keeps_the_state_at_the_start_apart_from_the_end(tmp_path: Path) -> None:
    """The state at the first collection is a copy: the replay goes on changing the
    store's signals, and "at the start" must not end up saying what the end says (found
    recording a real cascade: the start listed the end's critical signals under "no
    probable cause")."""
    from oncall_tui.core.recording.timeline import build_timeline, render_markdown

    _live_session(tmp_path / "rec.jsonl")
    built = build_timeline(read_recording(tmp_path / "rec.jsonl"))
    assert [(s.name, s.status) for s in built.initial] == [("paylater/velocity", Status.OK)]
    assert [(s.name, s.status) for s in built.final] == [("paylater/velocity", Status.UNKNOWN)]
    start = render_markdown(built).split("## What happened")[0]
    assert "- all 1 signals ok" in start and "unknown" not in start


def test_an_slo_canary_ack_and_maintenance_survive_a_recording_and_a_bad_one_is_named() -> None:
    """The facts a signal may carry (partial answers included, so a replay shows the
    partial mark as the board did) are written and read back through the one check of
    a frame; a malformed one names its field, as every other field does."""
    from oncall_tui.core.recording.fields import Malformed
    from oncall_tui.core.recording.format import signal_to_json
    from oncall_tui.core.recording.validate import Checker
    from oncall_tui.core.signals.facts import CanaryFacts, SloFacts
    from oncall_tui.core.signals.model import Ack, Maintenance, Signal

    signal = Signal(
        key="prom/repay", kind="health", name="repay", source="prom", labels={}, unit="ratio"
    )
    signal.headline = "burning 20x budget"
    signal.partial = "prometheus warning: 1 of 2 stores did not answer"
    signal.slo = SloFacts(0.999, {"1h": 20.0, "5m": None}, 0.62, 3600.0, 86400.0)
    signal.canary = CanaryFacts("2.4.0", "2.3.1", 0.3, 0.0, 120.0, 0.1)
    signal.ack = Ack("alice", 1_700_000_000.0, 1_700_003_600.0, "abc")
    signal.maintenance = Maintenance("bureau upgrade", 1_700_007_200.0, "bureau", "bob")
    data = json.loads(json.dumps(signal_to_json(signal)))
    record = Checker().signal(data, "signals[0]", "prom")
    back = record.new_signal(10)
    assert back.headline == "burning 20x budget" and back.partial == signal.partial
    assert back.slo == signal.slo and back.canary == signal.canary
    assert back.ack == signal.ack and back.maintenance == signal.maintenance
    data["slo"]["objective"] = 10**400
    with pytest.raises(Malformed, match=r"signals\[0\]\.slo\.objective: expected a number"):
        Checker().signal(data, "signals[0]", "prom")
    data["slo"] = None
    data["ack"]["since"] = -1e18
    with pytest.raises(Malformed, match=r"signals\[0\]\.ack\.since: expected a unix time"):
        Checker().signal(data, "signals[0]", "prom")
