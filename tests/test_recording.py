"""Recordings: written as the engine collects, read up to any damage, replayed through
the same store so statuses and events come out as they went in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clock_support import FakeClock
from oncall_tui.core.recording import Recorder, RecordingError, Replay, read_recording
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook
from recording_support import HEADER, live_session


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_replay_reproduces_statuses_and_events(tmp_path: Path, name: str) -> None:
    live = live_session(tmp_path / name)
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
    live_session(tmp_path / "rec.jsonl")
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
    live_session(tmp_path / "rec.jsonl.gz")
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
    live_session(tmp_path / "rec.jsonl")
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
    clock = FakeClock()
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
