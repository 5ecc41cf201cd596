"""Replay's player: it plays, pauses, steps and jumps on its own and on the dashboard,
keeps the state at the start apart from the end, and carries SLOs, canaries, acks and
maintenance through a recording."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from oncall_tui.core.recording import read_recording
from oncall_tui.core.signals.model import Status
from recording_support import cascade_recording, live_session
from waiting import wait_until_async


async def test_the_player_plays_pauses_steps_and_jumps(tmp_path: Path) -> None:

    from oncall_tui.core.recording.player import Player

    live_session(tmp_path / "rec.jsonl")
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

    cascade_recording(tmp_path / "r.jsonl")
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

    live_session(tmp_path / "rec.jsonl")
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
