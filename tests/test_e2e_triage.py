"""The probable cause on the screen and in a recording: examples/prometheus.toml
against a real Prometheus (evaluating examples/alert-rules.yml) and a real
Alertmanager, watching the scenario platform of tests/scenarios.py.

- The dashboard (the real app under Pilot, its engine collecting from the servers)
  names the probable cause in its top three lines at 80x24 and at 120x40, whole words
  only: the credit bureau in the cascade, payment-api with its deploy after the
  overload, the credit_limit rule with its edit after the spike; `C` drills into it.
- `oncall-tui record` of the cascade as it happens (healthy, then the bureau down),
  `oncall-tui timeline` of the recording (reads as a post-mortem: the status changes,
  the probable cause), `replay` of it (REPLAY badge, the cause named, END).
- `check --format text` says the cause and its change above its table; without a
  topology every failing component is its own cause.

`check --format json` in every scenario is test_e2e_scenarios.py's; this module has
its own platform and servers so the two can run apart.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from oncall_tui.core.config.loader import load_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.present.triage_text import cause_line
from oncall_tui.core.recording import read_recording
from oncall_tui.core.recording.timeline import build_timeline, render_json
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import screen_lines as drawn_lines
from scenario_monitoring import (
    Monitoring,
    check,
    module_monitoring,  # noqa: F401  (the fixture `monitoring`)
    module_platform,  # noqa: F401  (the fixture `platform`)
    prometheus_config,
    run_cli,
    settle,
    start_monitoring,
    write_config,
)
from scenarios import BUSINESS, EXPECTED, Scenario, ScenarioPlatform, start_scenario_platform
from servers import no_proxy, wait_until
from waiting import pilot_until

pytestmark = pytest.mark.servers

SIZES = [(80, 24), (120, 40)]
CHANGE_WORD: dict[Scenario, str] = {"overload": "deployed", "risk_rule": "edited"}
"""How the cause line says the scenario's change (the marker's name, less the cause's)."""
LAYER_WORD: dict[Scenario, str] = {
    "cascade": "credit-bureau down",
    "overload": "payment-api burning",  # its SLO's words over the bare status
    "risk_rule": "paylater/credit_limit critical",
}
UI_TIMEOUT = 60.0
"""Seconds the app gets to collect and show the cause (a second on an idle machine)."""
SHORTENED = re.compile(r"^(<?\d+[smhd]|\d+|\+\d+|\(\+\d+\)|affected|more|changed|)$")
"""Words a shortened cause line may hold that its full form has not: a duration that
ticked, "3 affected" for the list of symptoms, "+2 more", "(+1)" other causes."""


def switch(platform: ScenarioPlatform, monitoring: Monitoring, scenario: Scenario) -> str:
    """Switch the platform and wait until Prometheus and Alertmanager show it; the
    example config pointed at them, as text."""
    if platform.collector.scenario != scenario:
        platform.switch(scenario)
    config = prometheus_config(monitoring, refresh="1s")
    settle(monitoring, scenario, config)
    return config


# --------------------------------------------------------------------------- dashboard


def screen_lines(app: OncallApp) -> list[str]:
    """The screen as text, one string per line."""
    return drawn_lines(app.screen)


async def wait_for_cause(app: OncallApp, pilot: Pilot[None], component: str) -> str:
    """The cause line once it names `component` with everything the store holds (both
    sources answered), polled: the engine collects on its own schedule."""
    board = app.dashboard
    deadline = time.monotonic() + UI_TIMEOUT
    while True:
        sources = board.store.sources
        answered = sources and all(s.last_attempt is not None for s in sources)
        line = board.cause.plain
        if answered and line.startswith(f"LIKELY CAUSE  {component} "):
            return str(line)
        if time.monotonic() > deadline:
            raise AssertionError(f"no cause naming {component} after {UI_TIMEOUT:g}s: {line!r}")
        await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
# In this order each incident's breach starts at its switch. After the cascade (payment-api
# failing too) the overload's breach continues the cascade's: once the backfill dates it
# back the deploy's lead shrinks, and were the cascade older than the deploy, the deploy
# would rightly not be attached (made during the breach, not before it).
@pytest.mark.parametrize("scenario", ["overload", "risk_rule", "cascade"])
async def test_the_dashboard_names_the_cause_in_its_top_three_lines(
    platform: ScenarioPlatform,
    monitoring: Monitoring,
    scenario: Scenario,
    size: tuple[int, int],
    tmp_path: Path,
) -> None:
    config_text = await asyncio.to_thread(switch, platform, monitoring, scenario)
    config = load_config(write_config(config_text, tmp_path))
    app = OncallApp(Engine(config, read_only=True), read_only=True)
    expected = EXPECTED[scenario]
    assert expected.cause is not None
    async with app.run_test(size=size) as pilot:
        await wait_for_cause(app, pilot, expected.cause)
        await pilot.pause()
        causes = app.dashboard.cause.diagnosis.causes
        lines = screen_lines(app)
        await pilot.press("C")  # drill into the cause: its worst signal's detail
        # A condition, not one pause: with the engine collecting from real servers on a
        # loaded machine, one pause can return before the key's action has run.
        await pilot_until(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        assert isinstance(app.screen, SignalDetailScreen)
        assert app.screen.key == causes[0].signals[0]
    assert [c.component for c in causes] == [expected.cause], causes
    cause = causes[0]
    # What the screen shows, not what the widget holds (a duration may tick between).
    top = [row for row in lines[:3] if "LIKELY CAUSE" in row]
    assert top, "\n".join(lines[:6])
    (row,) = top
    shown = row.strip()
    assert shown.startswith(f"LIKELY CAUSE  {expected.cause} "), shown
    assert LAYER_WORD[scenario] in shown
    # Not clipped by the terminal: the widget shortened it to leave the last column free.
    assert len(row.rstrip()) < size[0], row
    # Shortened at word boundaries only: every word shown is a word of the full line
    # or of its shortened forms, the last one too once its ellipsis is off.
    full = cause_line(cause, now=time.time(), window=config.change_window).split(" ")
    for word in shown.split(" "):
        word = word.removesuffix("…").rstrip(",")
        assert word in full or f"{word}," in full or SHORTENED.match(word), (word, shown)
    if scenario in CHANGE_WORD:
        assert [c.name for c in cause.changes] == [expected.change]
        assert f"· {CHANGE_WORD[scenario]} " in shown, shown
    else:
        assert cause.changes == () and set(cause.affects) == expected.affects


# --------------------------------------------------------------------------- recordings


def recorded_start(path: Path) -> bool:
    """Whether the recording written so far holds its first collection: every source
    answered, every signal there."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    initial = build_timeline(read_recording(path)).initial
    # 2 services (an error ratio and an SLO each), 3 rules, 3 dependencies and the
    # business signals; no alert, no canary (one release per service)
    return len(initial) == 10 + len(BUSINESS)


def recorded_cascade(path: Path) -> bool:
    """Whether the recording written so far ends on the whole cascade: the bureau the
    one cause, its three symptoms, the four alerts in."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    document = render_json(build_timeline(read_recording(path)))
    causes = [event for event in document["events"] if event["what"] == "cause"]
    alerts = [s for s in document["final"]["signals"] if s["kind"] == "alert"]
    return (
        bool(causes)
        and causes[-1]["cause"] == "credit-bureau"
        and set(causes[-1]["affects"]) == EXPECTED["cascade"].affects
        and len(alerts) == len(EXPECTED["cascade"].alerts)
    )


@pytest.fixture(scope="module")
def cascade_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`oncall-tui record` of the platform going from healthy into the cascade, stopped
    with Ctrl-C (SIGINT) once the recording holds the whole cascade. On a platform and
    servers of its own: the module's carry the incidents of the tests that ran before
    in Prometheus's history (pytest-xdist picks which), and a recording started on them
    opened with the risk engine's SLO burning and its 30-day budget gone."""
    directory = tmp_path_factory.mktemp("record")
    with (
        no_proxy(),
        start_scenario_platform() as platform,
        start_monitoring(platform) as monitoring,
    ):
        config = write_config(switch(platform, monitoring, "healthy"), directory)
        out = directory / "cascade.jsonl"
        record = ["record", "--config", str(config), "--out", str(out), "--for", "5m"]
        process = subprocess.Popen(
            [sys.executable, "-m", "oncall_tui", *record],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # A healthy first collection of both sources, then the incident.
            wait_until(lambda: recorded_start(out), timeout=30, what="a first collection recorded")
            platform.switch("cascade")
            wait_until(lambda: recorded_cascade(out), timeout=60, what="the cascade recorded")
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "recorded" in stderr
    return out


def test_the_timeline_of_a_recorded_cascade_reads_as_a_post_mortem(
    cascade_recording: Path,
) -> None:
    result = run_cli(["timeline", str(cascade_recording)])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    text = result.stdout
    start = text.split("## What happened")[0]
    assert "Probable cause: nothing warning or critical" in start
    assert re.search(r"- all \d+ signals ok", start), start
    rows = [line for line in text.splitlines() if re.match(r"\| \d\d:\d\d:\d\d \|", line)]
    what = [row.split(" | ", 1)[1].removesuffix(" |") for row in rows]
    # Every failing signal's turn, statuses spelled out, with its value.
    names = ["credit-bureau", "risk-engine errors", "payment-api errors", r"paylater/credit\_limit"]
    for name in names:
        turns = [w for w in what if w.startswith(f"{name}: ")]
        assert turns and turns[0].startswith(f"{name}: ok → "), (name, what)
        assert " → critical (" in turns[-1], (name, what)
    # The probable cause over time: it settles on the bureau, symptoms named.
    causes = [w for w in what if w.startswith("probable cause: ")]
    assert causes and causes[-1].startswith("probable cause: credit-bureau down (dependency) →")
    end = text.split("## At the end")[1]
    assert "Probable cause: credit-bureau down" in end
    assert "- **critical** credit-bureau " in end
    # The risk engine's deploy, ten minutes before the cascade, is on it (a change is
    # information), though never the cause's: the bureau's line says no change.
    assert "change: risk-engine deployed" in what, what
    assert "no change in the" in causes[-1]


async def test_the_replay_of_a_recorded_cascade_names_the_cause(cascade_recording: Path) -> None:
    from oncall_tui.core.recording.player import Player
    from oncall_tui.ui.replay_app import ReplayApp
    from oncall_tui.ui.widgets.status_header import StatusHeader

    player = Player(read_recording(cascade_recording), monotonic=lambda: 0.0)  # frozen
    app = ReplayApp(player)
    async with app.run_test(size=(80, 24)) as pilot:
        header = app.screen.query_one(StatusHeader)
        await pilot.pause()
        assert "REPLAY 1x" in header.text and "READ-ONLY" in header.text
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        assert board.cause.plain == "", "healthy at the start"
        frames = len(player.recording.frames)
        for _ in range(frames):  # jump from status change to status change
            before = player.now
            await pilot.press("right_square_bracket")
            await pilot.pause()
            if player.now == before:  # no status change left
                break
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert board.cause.plain.startswith("LIKELY CAUSE  credit-bureau down")
        for _ in range(frames):  # then one recorded change at a time to the end
            if player.at_end:
                break
            await pilot.press("n")
        await pilot.pause()
        assert player.at_end
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert "REPLAY END" in header.text
        assert board.cause.plain.startswith("LIKELY CAUSE  credit-bureau down")
        lines = screen_lines(app)
        assert any("LIKELY CAUSE  credit-bureau down" in row for row in lines[:3]), lines[:4]


def test_record_for_three_seconds_of_a_steady_cascade(
    platform: ScenarioPlatform, monitoring: Monitoring, tmp_path: Path
) -> None:
    """`record --for 3s` stops by itself, exit 0; a recording that starts mid-incident
    names the cause in its state at the start."""
    config = write_config(switch(platform, monitoring, "cascade"), tmp_path)
    out = tmp_path / "steady.jsonl.gz"
    started = time.monotonic()
    result = run_cli(["record", "--config", str(config), "--out", str(out), "--for", "3s"])
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 3
    timeline = run_cli(["timeline", str(out)])
    assert timeline.returncode == 0, timeline.stderr
    start = timeline.stdout.split("## What happened")[0]
    assert "Probable cause: credit-bureau down" in start, start
    for name in ("credit-bureau", "risk-engine errors", "payment-api errors"):
        assert f"- **critical** {name} " in start, start


# --------------------------------------------------------------------------- check


def test_check_text_says_the_cause_and_its_deploy_above_the_table(
    platform: ScenarioPlatform, monitoring: Monitoring, tmp_path: Path
) -> None:
    config = write_config(switch(platform, monitoring, "overload"), tmp_path)
    result = run_cli(["check", "--config", str(config), "--format", "text"])
    lines = result.stdout.splitlines()
    assert result.returncode == 2, result.stdout + result.stderr
    assert lines[0].startswith("CRITICAL: ")
    # Dated by the gauge's value: deployed 3 minutes before the switch, whenever
    # Prometheus showed the breach.
    assert re.fullmatch(
        r"LIKELY CAUSE  payment-api burning \d+x budget \(health\) (· .+ )?· deployed [34]m "
        r"before( \(.+\))?",
        lines[1],
    ), lines[1]


def test_without_a_topology_each_failing_component_is_its_own_cause(
    platform: ScenarioPlatform, monitoring: Monitoring, tmp_path: Path
) -> None:
    """What the topology buys: without it the cascade has four causes."""
    text = switch(platform, monitoring, "cascade")
    answer = check(text.split("\n[topology]")[0], tmp_path)
    assert answer.code == 2
    assert sorted(c["component"] for c in answer.causes) == sorted(EXPECTED["cascade"].components)
    assert all(c["affects"] == [] for c in answer.causes)
    # The risk engine's own deploy, ten minutes before it broke, is now attached to it.
    (engine,) = [c for c in answer.causes if c["component"] == "risk-engine"]
    assert [change["name"] for change in engine["changes"]] == ["risk-engine deployed"]


@pytest.mark.parametrize("scenario", ["risk_rule", "overload"])
def test_a_firing_alert_about_the_cause_is_its_evidence(
    platform: ScenarioPlatform, monitoring: Monitoring, scenario: Scenario, tmp_path: Path
) -> None:
    """The example's alertmanager source sets no `component`: RiskRuleHitRateHigh
    carries every label of the rule's hit-rate series ({product, rule}), and
    ServiceErrorRateHigh a `service` label equal to the cause's component; either makes
    the alert the cause's evidence, in the JSON and in the words (`· 1 alert`)."""
    text = switch(platform, monitoring, scenario)
    answer = check(text, tmp_path)
    expected = EXPECTED[scenario]
    cause = answer.causes[0]
    assert cause["component"] == expected.cause
    firing = [s["key"] for s in answer.signals if s["kind"] == "alert" and s["status"] != "ok"]
    assert len(firing) == 1 and cause["alerts"] == firing, (cause, firing)
    result = run_cli(["check", "--config", str(tmp_path / "oncall.toml")])
    assert "· 1 alert" in result.stdout.splitlines()[1], result.stdout
