"""Issue 5, "done when": the committed example configs, run through `oncall-tui check
--format json` in a subprocess, against a platform switched in place between healthy,
an overloaded service, a risk rule refusing 40% of decisions, and the credit bureau
down.

- examples/prometheus.toml against a real Prometheus (evaluating
  examples/alert-rules.yml) and a real Alertmanager: exactly the cause critical, the
  matching alert firing, critical, with its runbook_url, the rest ok, exit 2; healthy,
  exit 0; Prometheus stopped or frozen, exit 3 within its timeout, the error on the
  source, no traceback.
- examples/without-prometheus.toml against the same platform's /metrics, health
  endpoints and a Nagios-style script: the same answers.

One platform, one Prometheus and one Alertmanager for the module; each test switches
the scenario and (for Prometheus) waits until Prometheus and Alertmanager show it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from scenarios import (
    EXAMPLES,
    EXPECTED,
    SCENARIOS,
    Scenario,
    ScenarioPlatform,
    example,
    fast_rules,
    start_scenario_platform,
)
from servers import (
    ServerProcess,
    alerts,
    no_proxy,
    query,
    start_alertmanager,
    start_prometheus,
    wait_for_query,
    wait_until,
)

SETTLE_TIMEOUT = 60.0
"""Seconds Prometheus gets to show a switch (5 s windows, 1 s scrape and evaluation:
~6 s in practice)."""


@dataclass
class Monitoring:
    prometheus: ServerProcess
    alertmanager: ServerProcess


@pytest.fixture(scope="module")
def platform() -> Iterator[ScenarioPlatform]:
    with no_proxy(), start_scenario_platform() as running:
        yield running


@pytest.fixture(scope="module")
def monitoring(platform: ScenarioPlatform) -> Iterator[Monitoring]:
    with (
        start_alertmanager() as alertmanager,
        start_prometheus(
            [platform.metrics_target], rules=fast_rules(), alertmanager=alertmanager.target
        ) as prometheus,
    ):
        wait_for_query(prometheus, "dependency_up", min_series=3)
        yield Monitoring(prometheus, alertmanager)


def prometheus_config(monitoring: Monitoring, prometheus_url: str | None = None) -> str:
    return example(
        "prometheus.toml",
        {
            "http://127.0.0.1:9090": prometheus_url or monitoring.prometheus.url,
            "http://127.0.0.1:9093": monitoring.alertmanager.url,
            "[1m]": "[5s]",
        },
    )


def without_prometheus_config(platform: ScenarioPlatform) -> str:
    return example(
        "without-prometheus.toml",
        {
            "http://127.0.0.1:9100/metrics": platform.metrics_url,
            "http://127.0.0.1:8080": platform.health.url,
            'refresh = "5s"': 'refresh = "1s"',
        },
    )


@dataclass
class Answer:
    code: int
    document: dict[str, Any]
    stderr: str
    seconds: float

    @property
    def signals(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.document["signals"])

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return {source["name"]: source for source in self.document["sources"]}


def check(config_text: str, directory: Path) -> Answer:
    """`oncall-tui check --format json` on `config_text`, written next to a copy of the
    example's helper scripts (relative argv resolve against the config's folder)."""
    if not (directory / "checks").exists():
        shutil.copytree(EXAMPLES / "checks", directory / "checks")
    config = directory / "oncall.toml"
    config.write_text(config_text)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "check", "--config", str(config), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    seconds = time.monotonic() - started
    assert "Traceback" not in result.stderr, result.stderr
    return Answer(result.returncode, json.loads(result.stdout), result.stderr, seconds)


def assert_scenario(answer: Answer, scenario: Scenario, *, with_alerts: bool) -> None:
    """Exactly the cause critical, the rest ok; the firing alert critical with its
    runbook_url; every source ok; the exit code."""
    expected = EXPECTED[scenario]
    board = [(s["kind"], s["name"], s["status"], s["summary"]) for s in answer.signals]
    assert answer.code == expected.exit_code, board
    assert all(source["status"] == "ok" for source in answer.sources.values()), answer.sources
    layers = [s for s in answer.signals if s["kind"] != "alert"]
    assert layers, "the config reads nothing"
    assert all(s["status"] in ("ok", "critical") for s in layers), board
    # The critical signals are exactly those of the probable cause, named by component.
    causes = answer.document["causes"]
    assert sorted(cause["component"] for cause in causes) == sorted(expected.components), board
    critical = {s["key"] for s in layers if s["status"] == "critical"}
    assert critical == {key for cause in causes for key in cause["signals"]}, board
    assert all(cause["affects"] == [] for cause in causes)
    fired = [s for s in answer.signals if s["kind"] == "alert"]
    if not with_alerts:
        assert fired == []
        return
    assert {s["name"] for s in fired} == expected.alerts, board
    for alert in fired:
        assert alert["status"] == "critical"
        assert alert["runbook"] == expected.runbook
    if not fired:
        assert answer.sources["alerts"]["status"] == "ok"


# --------------------------------------------------------------------------- Prometheus


def _levels(config: dict[str, Any], url: str) -> dict[str, str]:
    """Component -> status each query of the config's prom source gives now, straight
    from the Prometheus API (the plugin's thresholds, applied here by hand); a query
    without data yet is "no data"."""
    levels: dict[str, str] = {}
    for spec in config["sources"]["prom"]["queries"]:
        result = cast(list[dict[str, Any]], query(url, spec["query"])["result"])
        if not result or any(series["value"][1] == "NaN" for series in result):
            levels[spec["query"]] = "no data"  # rate() needs samples after a start
        for series in result:
            value = float(series["value"][1])
            name = (spec.get("component") or spec["name"]).format_map(series["metric"])
            critical, warning = spec.get("critical"), spec.get("warning")
            below = spec.get("below", False)

            def breached(limit: float | None, value: float = value, below: bool = below) -> bool:
                return limit is not None and (value <= limit if below else value >= limit)

            levels[name] = (
                "critical" if breached(critical) else "warning" if breached(warning) else "ok"
            )
    return levels


def settle(monitoring: Monitoring, scenario: Scenario, config_text: str) -> None:
    """Wait until Prometheus's view and Alertmanager's alerts show `scenario`: the
    windows hold only post-switch samples enough to be past every threshold, and a
    previous scenario's alert is resolved."""
    expected = EXPECTED[scenario]
    config = tomllib.loads(config_text)

    def shown() -> bool:
        levels = _levels(config, monitoring.prometheus.url)
        critical = {name for name, level in levels.items() if level == "critical"}
        calm = all(level in ("ok", "critical") for level in levels.values())
        firing = {
            cast(dict[str, str], alert["labels"])["alertname"]
            for alert in alerts(monitoring.alertmanager)
            if cast(dict[str, str], alert["status"])["state"] == "active"
        }
        return critical == expected.components and calm and firing == expected.alerts

    wait_until(
        shown,
        timeout=SETTLE_TIMEOUT,
        what=f"Prometheus and Alertmanager to show {scenario}",
        detail=monitoring.prometheus.stderr_tail,
        interval=0.5,
    )


@pytest.mark.servers
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_prometheus_and_alertmanager(
    platform: ScenarioPlatform, monitoring: Monitoring, scenario: Scenario, tmp_path: Path
) -> None:
    platform.switch(scenario)
    config = prometheus_config(monitoring)
    settle(monitoring, scenario, config)
    answer = check(config, tmp_path)
    assert_scenario(answer, scenario, with_alerts=True)
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
    assert_scenario(answer, scenario, with_alerts=False)
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
