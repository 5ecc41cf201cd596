"""The committed example configs, run through `oncall-tui
check --format json` in a subprocess, against a platform switched in place between
healthy, an overloaded service (after a deploy), a risk rule refusing 40% of decisions
(after an edit), the credit bureau down, and a cascade (the bureau down, its symptoms
louder than it).

- examples/prometheus.toml against a real Prometheus (evaluating
  examples/alert-rules.yml) and a real Alertmanager: exactly the failing components
  critical, the matching alerts firing, critical, with their runbook_url, the rest ok,
  exit 2; the probable cause named first, its symptoms in `affects`, the deploy or edit
  that preceded it attached (dated by the gauge's value, though it happened before
  `check` started); healthy, exit 0 and `causes: []`. Prometheus stopped or frozen,
  exit 3 within its timeout, the error on the source, no traceback.
- examples/without-prometheus.toml against the same platform's /metrics, health
  endpoints and a Nagios-style script: the same answers.

One platform, one Prometheus and one Alertmanager for the module; each test switches
the scenario and (for Prometheus) waits until Prometheus and Alertmanager show it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from scenario_monitoring import (
    SETTLE_TIMEOUT,
    Answer,
    Monitoring,
    check,
    module_monitoring,  # noqa: F401  (the fixture `monitoring`)
    module_platform,  # noqa: F401  (the fixture `platform`)
    prometheus_config,
    settle,
    without_prometheus_config,
)
from scenarios import (
    BUSINESS,
    CHANGE_BEFORE,
    EXAMPLES,
    EXPECTED,
    SCENARIOS,
    Scenario,
    ScenarioPlatform,
)
from servers_prometheus import start_prometheus
from waiting import wait_until


def _affected(name: str, components: frozenset[str]) -> bool:
    """Whether signal `name` is about one of `components` ("payment-api errors",
    "payment-api health", "paylater/credit_limit", "credit-bureau")."""
    return any(name == c or name.startswith(f"{c} ") for c in components)


def assert_scenario(
    answer: Answer, scenario: Scenario, platform: ScenarioPlatform, *, with_alerts: bool
) -> None:
    """Exactly the scenario's components critical, the rest ok; one probable cause with
    its symptoms and its change; the firing alerts critical with their runbook_url;
    every source ok; the exit code."""
    expected = EXPECTED[scenario]
    board = [(s["kind"], s["name"], s["status"], s["summary"]) for s in answer.signals]
    assert answer.code == expected.exit_code, board
    assert all(source["status"] == "ok" for source in answer.sources.values()), answer.sources
    assert_business(answer, scenario)
    layers = [s for s in answer.signals if s["kind"] not in ("alert", "change", "business")]
    assert layers, "the config reads nothing"
    assert all(s["status"] in ("ok", "critical") for s in layers), board
    critical = [s for s in layers if s["status"] == "critical"]
    assert all(_affected(s["name"], expected.components) for s in critical), board
    for component in expected.components:
        assert any(_affected(s["name"], frozenset({component})) for s in critical), component
    # The probable cause: exactly one (or none), its own signals, its symptoms.
    causes = answer.causes
    if expected.cause is None:
        assert causes == [], causes
    else:
        (cause,) = causes
        assert cause["component"] == expected.cause, causes
        assert cause["status"] == "critical"
        assert set(cause["affects"]) == expected.affects, causes
        own = {s["key"] for s in critical if _affected(s["name"], frozenset({expected.cause}))}
        assert set(cause["signals"]) == own, (cause, board)
        assert_change(cause, scenario, platform, answer)
    assert answer.document["blind_spots"] == []
    markers = [s for s in answer.signals if s["kind"] == "change"]
    assert {s["name"] for s in markers} >= {"payment-api deployed", "paylater/credit_limit edited"}
    assert all(s["status"] == "ok" for s in markers), "a change is never a status"
    fired = [s for s in answer.signals if s["kind"] == "alert"]
    if not with_alerts:
        assert fired == []
        return
    assert {s["name"]: s["runbook"] for s in fired} == expected.alerts, board
    assert all(alert["status"] == "critical" for alert in fired), board
    if not fired:
        assert answer.sources["alerts"]["status"] == "ok"


def assert_business(answer: Answer, scenario: Scenario) -> None:
    """Every business signal there, with the status the scenario gives it (ok unless
    EXPECTED says otherwise), a runbook; never a cause, never in a cause's signals,
    never marked a symptom."""
    expected = EXPECTED[scenario]
    business = {s["name"]: s for s in answer.signals if s["kind"] == "business"}
    assert set(business) == set(BUSINESS), sorted(business)
    statuses = {name: signal["status"] for name, signal in business.items()}
    assert statuses == {name: expected.business.get(name, "ok") for name in BUSINESS}, {
        name: (signal["value"], signal["summary"]) for name, signal in business.items()
    }
    assert all(signal["runbook"] for signal in business.values())
    assert all(signal["root"] is None for signal in business.values()), "not a symptom either"
    keys = {signal["key"] for signal in business.values()}
    for cause in answer.causes:
        assert cause["component"] not in business and not keys & set(cause["signals"]), cause


def assert_change(
    cause: dict[str, object], scenario: Scenario, platform: ScenarioPlatform, answer: Answer
) -> None:
    """The scenario's change is attached to the cause, dated by the gauge's value: the
    deploy or edit made CHANGE_BEFORE seconds before the switch, so before `check` ran
    and before the breach it caused. A scenario without a change of the cause's own
    component has none (the cascade's symptom was deployed: not the cause's change)."""
    expected = EXPECTED[scenario]
    changes = cause["changes"]
    assert isinstance(changes, list)
    if expected.change is None:
        assert changes == [], changes
        return
    (change,) = changes
    assert change["name"] == expected.change and change["component"] == expected.cause
    what, before = CHANGE_BEFORE[scenario]
    made = platform.collector.changed_at[what]
    assert datetime.fromisoformat(change["at"]).timestamp() == pytest.approx(made, abs=0.001)
    seen = datetime.fromisoformat(str(cause["seen_since"])).timestamp()
    # Made `before` seconds before the switch; `check` saw the breach once Prometheus
    # showed it (within SETTLE_TIMEOUT, plus the check's own run).
    assert before <= seen - made <= before + SETTLE_TIMEOUT + 60
    # A one-shot check reads no history: a breach already there at its first sample
    # began at a time it does not know, and it does not claim one. On a loaded machine
    # its first sample may come before the breach shows; then it saw the breach begin,
    # and says when: a time within its own run, never an earlier one it cannot know.
    if cause["since"] is not None:
        generated = datetime.fromisoformat(answer.document["generated_at"]).timestamp()
        since = datetime.fromisoformat(str(cause["since"])).timestamp()
        assert generated - answer.seconds <= since <= generated, cause


# --------------------------------------------------------------------------- Prometheus


@pytest.mark.servers
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_prometheus_and_alertmanager(
    platform: ScenarioPlatform, monitoring: Monitoring, scenario: Scenario, tmp_path: Path
) -> None:
    platform.switch(scenario)
    config = prometheus_config(monitoring)
    settle(monitoring, scenario, config)

    # `settle` reads the config's plain queries; its SLOs judge windows that still hold
    # the previous scenario for a while (a slow burn at warning), so `check` is asked
    # again until its answer shows the scenario; every try asserts in full.
    def shown() -> Answer:
        answer = check(config, tmp_path)
        assert_scenario(answer, scenario, platform, with_alerts=True)
        return answer

    # A failed assertion counts as "not yet"; the last one is named on timeout.
    answer = wait_until(
        shown, SETTLE_TIMEOUT, what=f"check to show {scenario}", ignore=(AssertionError,)
    )
    if scenario == "healthy":
        assert answer.signals and all(s["status"] == "ok" for s in answer.signals)


@pytest.mark.servers
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_prometheus_down_is_unknown_within_its_timeout(
    platform: ScenarioPlatform, monitoring: Monitoring, fault: str, tmp_path: Path
) -> None:
    """Stopped (connection refused) or frozen (SIGSTOP: connections accepted, never
    answered): exit 3, the error on the prom source, Alertmanager still read."""
    platform.switch("healthy")
    settle(monitoring, "healthy", prometheus_config(monitoring))  # no alert left firing
    if fault == "stopped":
        with start_prometheus([platform.metrics_target]) as prometheus:
            url = prometheus.url
        answer = check(prometheus_config(monitoring, url), tmp_path)
        assert "connection refused" in answer.sources["prom"]["error"]
    else:
        with start_prometheus([platform.metrics_target]) as prometheus:
            os.killpg(prometheus.process.pid, signal.SIGSTOP)
            try:
                answer = check(prometheus_config(monitoring, prometheus.url), tmp_path)
            finally:
                os.killpg(prometheus.process.pid, signal.SIGCONT)
        assert "timed out" in answer.sources["prom"]["error"]
        # The source's 3 s timeout bounds the whole check (5x margin for a loaded box).
        assert answer.seconds < 15
    assert answer.code == 3 and answer.document["status"] == "unknown"
    prom = answer.sources["prom"]
    assert prom["status"] == "error" and prom["plugin"] == "prometheus"
    assert answer.sources["alerts"]["status"] == "ok"
    assert answer.signals == []
    assert "Traceback" not in answer.stderr


# --------------------------------------------------------------------------- without it


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_without_prometheus(platform: ScenarioPlatform, scenario: Scenario, tmp_path: Path) -> None:
    platform.switch(scenario)
    answer = check(without_prometheus_config(platform), tmp_path)
    assert_scenario(answer, scenario, platform, with_alerts=False)
    plugins = {source["plugin"] for source in answer.sources.values()}
    assert plugins == {"openmetrics", "http", "command"}
    by_source = {s["source"]: s for s in answer.signals}
    if scenario == "bureau_down":
        assert by_source["credit-bureau"]["summary"] == ("status 503 (expected 2xx)"), (
            "the http check says why"
        )
    if scenario == "overload":
        health = by_source["payment-api-health"]
        assert health["status"] == "critical"
        assert health["summary"].startswith("CRITICAL: payment-api OVERLOADED (HTTP 503)")


def test_the_examples_are_valid_configs() -> None:
    for name in ("prometheus.toml", "without-prometheus.toml"):
        result = subprocess.run(
            [sys.executable, "-m", "oncall_tui", "validate", "--config", str(EXAMPLES / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
