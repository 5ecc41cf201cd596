"""The demo teaches triage: through its cycle, and through `oncall-tui check`, the probable
cause is the component an engineer would name, with the change that set it off.

The cycle runs on one fake clock shared by the demo's timeline, its wall clock (which
dates change markers) and the store, so sixteen minutes take a second.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from clock_support import FakeClock
from demo_triage_support import EXPECTED, check, demo_config
from oncall_cli import proxy_free_env, run_oncall
from oncall_tui.core.config.loader import AppConfig, parse_config
from oncall_tui.core.signals.model import SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.triage.causes import Diagnosis, store_diagnosis
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.scenario import CYCLE, PERIOD, RAMP, TRIGGER_LEAD

T0 = 1_800_000_000.0


@pytest.fixture
def config() -> AppConfig:
    return parse_config(demo_config(), Path("."))


async def walk_cycle(
    config: AppConfig, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, step: float = 1.0
) -> list[tuple[float, Diagnosis, SignalStore]]:
    """One full cycle and a bit, collected every `step` seconds into a real store."""
    monkeypatch.setattr(DemoPlugin, "wall_clock", clock)
    (spec,) = config.sources
    context = SourceContext("demo", Path("."), interval=step, timeout=3.0, clock=clock)
    plugin = DemoPlugin(spec.options, context)  # type: ignore[arg-type]
    store = SignalStore(clock=clock, history=10)
    store.add_source(SourceState("demo", "demo", plugin.kinds(), interval=step))
    frames = []
    offset = 0.0
    while offset <= PERIOD + 60:
        clock.now = T0 + offset
        store.apply("demo", await plugin.collect())
        frames.append((offset, store_diagnosis(store, config.topology, config.change_window)))
        offset += step
    return [(offset, diagnosis, store) for offset, diagnosis in frames]


async def test_the_cycle_names_each_incident_and_its_change(
    config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = await walk_cycle(config, FakeClock(T0), monkeypatch)
    by_offset = {offset: diagnosis for offset, diagnosis, _ in frames}
    for window in CYCLE:
        component, affects, change = EXPECTED[window.kind]
        # Mid-incident, at full strength.
        diagnosis = by_offset[window.start + RAMP + 30]
        cause = diagnosis.cause
        assert cause is not None, window.kind
        assert cause.component == component, (window.kind, diagnosis.causes)
        assert cause.status is Status.CRITICAL
        assert set(cause.affects) == affects, window.kind
        assert [c.name for c in cause.changes] == ([change] if change else []), window.kind
        assert diagnosis.blind_spots == ()
        if change:
            lead = TRIGGER_LEAD[window.kind]
            assert cause.changes[0].at == T0 + window.start - lead
        # Nothing failing stays unexplained: one cause for the whole incident.
        assert [c.component for c in diagnosis.causes if c.status is Status.CRITICAL] == [component]
        # Recovered a minute after the window: no cause left.
        assert by_offset[window.end + 60].causes == (), window.kind


async def test_the_rule_spike_follows_its_edit_by_one_to_two_minutes(
    config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = await walk_cycle(config, FakeClock(T0), monkeypatch)
    window = next(w for w in CYCLE if w.kind == "risk_rule")
    first = next(
        diagnosis.cause
        for offset, diagnosis, _ in frames
        if offset >= window.start
        and diagnosis.cause is not None
        and diagnosis.cause.component == "paylater/device-fingerprint"
    )
    assert first.changes, "the edit is attached from the first moment of the breach"
    assert 60 <= first.since - first.changes[0].at <= 120


async def test_harmless_changes_are_never_blamed(
    config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wallet-api deploys during the overload (pay-api depends on it, but it is fine):
    the cause is pay-api with its own deploy, never wallet-api's."""
    frames = await walk_cycle(config, FakeClock(T0), monkeypatch, step=5.0)
    _, _, store = frames[-1]
    names = {event.name for event in store.events if event.change}
    assert "wallet-api deployed" in names, "the background change happened"
    for _, diagnosis, _ in frames:
        for cause in diagnosis.causes:
            assert all(change.component == cause.component for change in cause.changes)
            assert cause.component != "wallet-api"


async def test_the_demo_topology_names_only_demo_components(
    config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = await walk_cycle(config, FakeClock(T0), monkeypatch, step=60.0)
    assert all(diagnosis.unmatched == () for _, diagnosis, _ in frames)


# --- through the command line --------------------------------------------------------


@pytest.mark.parametrize("incident", ["overload", "risk_rule", "dependency", "cascade"])
def test_check_names_the_first_cause_of_each_incident(tmp_path: Path, incident: str) -> None:
    code, document = check(tmp_path, incident)
    component, affects, change = EXPECTED[incident]
    assert code == 2 and document["status"] == "critical"
    cause = document["causes"][0]
    assert set(cause) >= {"component", "kind", "status", "since", "signals", "affects", "changes"}
    assert cause["component"] == component and cause["status"] == "critical"
    assert set(cause["affects"]) == affects
    assert all(key.startswith("demo/") for key in cause["signals"])
    assert [c["name"] for c in cause["changes"]] == ([change] if change else [])
    # The change happened before the check started: dated by its value all the same.
    for entry in cause["changes"]:
        lead = datetime.fromisoformat(cause["seen_since"]) - datetime.fromisoformat(entry["at"])
        assert lead.total_seconds() == pytest.approx(TRIGGER_LEAD[incident], abs=5)
        if incident == "risk_rule":
            assert 60 <= lead.total_seconds() <= 120
    assert document["blind_spots"] == []
    # Change markers are listed, always ok, and never what makes the exit code.
    changes = [s for s in document["signals"] if s["kind"] == "change"]
    assert changes and all(s["status"] == "ok" for s in changes)


def test_check_on_a_calm_demo_has_no_cause(tmp_path: Path) -> None:
    code, document = check(tmp_path, "none")
    assert (code, document["status"], document["causes"]) == (0, "ok", [])


def test_check_text_says_the_cause_then_the_impact_then_the_layers(tmp_path: Path) -> None:
    code, text = check(tmp_path, "cascade", fmt="text")
    lines = text.splitlines()
    assert code == 2
    assert lines[0].startswith("CRITICAL: ")
    assert lines[1].startswith(
        "LIKELY CAUSE  credit-bureau down (dependency) → cashloan/credit-limit, loan-api"
    )
    assert lines[1].endswith("· client config reloaded 60s before")
    business = lines.index("business:")
    signals = lines.index("signals:")
    assert business < signals < lines.index("changes:") < lines.index("sources:")
    impact = lines[business + 1 : signals - 1]
    assert [line.split()[0] for line in impact] == ["CRIT", "OK", "OK"]
    assert "loan approvals per minute" in impact[0] and "usual 120" in impact[0]
    assert "credit-bureau client config reloaded" in text.split("changes:")[1]
    # Change markers are listed apart and never counted.
    counted = sum(int(part.split()[0]) for part in lines[0].split(": ", 1)[1].split(", "))
    rows = lines[business + 1 : signals - 1] + lines[signals + 1 : lines.index("changes:") - 1]
    assert counted == len(rows) == 48  # 39 measured, an SLO per service, one canary


def test_check_warns_about_topology_names_no_signal_has(tmp_path: Path) -> None:
    """A typo in the topology silently cuts a dependency; it is only knowable once
    signals arrive, so `check` says it (on stderr: the JSON stays clean)."""
    config = tmp_path / "typo.toml"
    config.write_text(demo_config("none") + '"loan-*" = ["credit-bureu"]\n')
    result = run_oncall("check", "--config", str(config), "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["causes"] == []
    assert result.stderr == "warning: topology names matching no signal: credit-bureu\n"


def test_check_text_shortens_the_cause_to_the_terminal(tmp_path: Path) -> None:
    config = tmp_path / "cascade.toml"
    config.write_text(demo_config("cascade"))
    result = run_oncall("check", "--config", str(config), env=proxy_free_env(COLUMNS="80"))
    line = result.stdout.splitlines()[1]
    assert line == "LIKELY CAUSE  credit-bureau down (dependency) → 2 affected · changed 60s before"
