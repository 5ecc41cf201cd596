"""`oncall-tui init` against the real Prometheus and Alertmanager of the scenario
platform (Prometheus evaluating examples/alert-rules.yml): the config it writes loads,
and `check` with it — no hand-written line — answers every incident as the hand-written
example does: exit 2 with the failing part critical, exit 0 healthy, every risk rule's
expression a signal with the rule's threshold even while it does not fire.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from scenario_monitoring import (
    Monitoring,
    module_monitoring,  # noqa: F401  (the fixture `monitoring`)
    module_platform,  # noqa: F401  (the fixture `platform`)
    prometheus_config,
    run_cli,
    settle,
)
from scenarios import EXPECTED, SCENARIOS, Scenario, ScenarioPlatform
from servers import closed_port


@pytest.fixture(scope="module")
def written(monitoring: Monitoring, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("init") / "c.toml"
    prometheus, alertmanager = monitoring.prometheus.url, monitoring.alertmanager.url
    args = ["--prometheus", prometheus, "--alertmanager", alertmanager, "--out", str(out)]
    result = run_cli(["init", *args])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def test_the_written_config_validates(written: Path) -> None:
    result = run_cli(["validate", "--config", str(written)])
    assert result.returncode == 0, result.stderr
    assert "sources: prom (prometheus), alerts (alertmanager)" in result.stdout


def test_every_alerting_rule_is_a_live_signal_with_its_threshold(written: Path) -> None:
    config = tomllib.loads(written.read_text())
    queries = {q["name"].split()[0]: q for q in config["sources"]["prom"]["queries"]}
    risk = queries["RiskRuleHitRateHigh"]
    assert risk["kind"] == "risk_rule"
    assert risk["critical"] == 0.2
    assert risk["component"] == "{product}/{rule}"
    assert risk["runbook"] == "https://runbooks.example.com/risk/{rule}"
    assert "risk_rule_hits_total" in risk["query"] and ">" not in risk["query"]
    errors = queries["ServiceErrorRateHigh"]
    assert (errors["kind"], errors["critical"], errors["unit"]) == ("health", 0.05, "ratio")
    down = queries["DependencyDown"]
    assert (down["kind"], down["critical"]) == ("dependency", 1)
    assert "== bool 0" in down["query"]
    changes = {q["name"] for q in config["sources"]["prom"]["queries"] if q["kind"] == "change"}
    assert changes == {"{service} deployed", "{product}/{rule} edited"}
    text = written.read_text()
    assert "kind guessed" in text
    assert "# [topology]" in text
    assert config["sources"]["alerts"]["plugin"] == "alertmanager"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_check_with_the_written_config_answers_each_incident(
    scenario: Scenario, platform: ScenarioPlatform, monitoring: Monitoring, written: Path
) -> None:
    platform.switch(scenario)
    settle(monitoring, scenario, prometheus_config(monitoring))
    result = run_cli(["check", "--config", str(written), "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout)
    expected = EXPECTED[scenario]
    assert result.returncode == expected.exit_code, result.stdout
    by_component: dict[str, set[str]] = {}
    for signal in document["signals"]:
        if signal["kind"] in ("health", "risk_rule", "dependency"):
            component = signal["name"].split(" ", 1)[-1]
            by_component.setdefault(component, set()).add(signal["status"])
    critical = {c for c, statuses in by_component.items() if "critical" in statuses}
    assert critical == set(expected.components)
    # Each risk rule is listed with the rule's threshold, firing or not.
    risks = [s for s in document["signals"] if s["kind"] == "risk_rule"]
    assert {s["name"].split(" ", 1)[1] for s in risks} >= {
        "paylater/credit_limit", "paylater/velocity_check", "cashloan/device_fingerprint",
    }  # fmt: skip
    assert all(s["status"] in ("ok", "critical") for s in risks)
    if expected.cause is not None:
        assert document["causes"][0]["component"] == expected.cause
    else:
        assert document["causes"] == []


def test_unreachable_writes_nothing(tmp_path: Path, monitoring: Monitoring) -> None:
    out = tmp_path / "c.toml"
    for args in (
        ["--prometheus", f"http://127.0.0.1:{closed_port()}"],
        ["--prometheus", monitoring.prometheus.url, "--alertmanager",
         f"http://127.0.0.1:{closed_port()}"],
        # An Alertmanager given as the Prometheus: an API that refuses.
        ["--prometheus", monitoring.alertmanager.url],
    ):  # fmt: skip
        result = run_cli(["init", *args, "--out", str(out)])
        assert result.returncode == 1, result.stderr
        assert "nothing written" in result.stderr
        assert "Traceback" not in result.stderr
        assert not out.exists()
        assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_without_force(tmp_path: Path, monitoring: Monitoring) -> None:
    out = tmp_path / "c.toml"
    out.write_text("mine\n")
    result = run_cli(["init", "--prometheus", monitoring.prometheus.url, "--out", str(out)])
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert out.read_text() == "mine\n"
    result = run_cli(
        ["init", "--prometheus", monitoring.prometheus.url, "--out", str(out), "--force"]
    )
    assert result.returncode == 0, result.stderr
    assert "[sources.prom]" in out.read_text()
    stdout = run_cli(["init", "--prometheus", monitoring.prometheus.url])
    assert stdout.returncode == 0 and "[sources.prom]" in stdout.stdout
