"""The `record` and `timeline` commands: a self-contained recording without secrets,
exit codes, and a timeline that reads as a post-mortem, from a written recording and
from the demo's cascade."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from oncall_tui.core.recording import read_recording
from recording_support import cascade_recording


def record(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
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
    result = record(
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
    unwritable = record("--config", str(config), "--out", str(tmp_path / "no" / "x.jsonl"))
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.demo]\nplugin = "demo"\nincident = "meteor"\n')
    assert record("--config", str(bad), "--out", str(tmp_path / "x.jsonl")).returncode == 2
    wrong_for = record("--config", str(config), "--out", str(tmp_path / "x"), "--for", "5")
    assert wrong_for.returncode == 2 and "Traceback" not in wrong_for.stderr


def test_timeline_reads_as_a_post_mortem(tmp_path: Path) -> None:
    from oncall_tui.core.recording.timeline import build_timeline, render_json, render_markdown

    cascade_recording(tmp_path / "r.jsonl")
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
    cascade_recording(tmp_path / "r.jsonl")
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
    assert record("--config", str(config), "--out", str(out), "--for", "1s").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "timeline", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    document = json.loads(result.stdout)
    assert document["initial"]["cause"].startswith("credit-bureau down")
    assert "loan-api" in document["initial"]["cause"]
