"""The scenario platform (tests/scenarios.py) watched by a real Prometheus evaluating
examples/alert-rules.yml and a real Alertmanager, and the committed example configs
pointed at them: the machinery the end-to-end modules share (test_e2e_scenarios.py for
`check`, test_e2e_triage.py for the dashboard and recordings).

    with start_scenario_platform() as platform, start_monitoring(platform) as monitoring:
        platform.switch("cascade")
        config = prometheus_config(monitoring)
        settle(monitoring, "cascade", config)   # Prometheus and Alertmanager show it
        answer = check(config, tmp_path)

`settle` reads Prometheus's API directly (no oncall-tui code), so a bug in the plugin
cannot make the wait pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from scenarios import (
    EXAMPLES,
    EXPECTED,
    Scenario,
    ScenarioPlatform,
    example,
    fast_rules,
    start_scenario_platform,
)
from servers import ServerProcess, no_proxy, wait_until
from servers_alertmanager import alerts, start_alertmanager
from servers_prometheus import query, start_prometheus, wait_for_query

SETTLE_TIMEOUT = 60.0
"""Seconds Prometheus gets to show a switch (5 s windows, 1 s scrape and evaluation:
~6 s in practice)."""


@dataclass
class Monitoring:
    prometheus: ServerProcess
    alertmanager: ServerProcess
    healthy_at: float
    """A unix time when the platform was healthy and Prometheus had a rate of it: the
    tests' "week ago" (examples/prometheus.toml's baselines read `offset 1w`)."""


@pytest.fixture(scope="module")
def scenario_platform() -> Iterator[ScenarioPlatform]:
    """The scenario platform, one per module (conftest offers it to every module)."""
    with no_proxy(), start_scenario_platform() as running:
        yield running


@pytest.fixture(scope="module", name="platform")
def module_platform(scenario_platform: ScenarioPlatform) -> ScenarioPlatform:
    """The module's scenario platform, by the name the end-to-end tests take."""
    return scenario_platform


@pytest.fixture(scope="module", name="monitoring")
def module_monitoring(platform: ScenarioPlatform) -> Iterator[Monitoring]:
    """Alertmanager and Prometheus watching the module's platform (start_monitoring)."""
    with start_monitoring(platform) as running:
        yield running


@contextlib.contextmanager
def start_monitoring(platform: ScenarioPlatform) -> Iterator[Monitoring]:
    """Alertmanager, and Prometheus scraping the platform every second, evaluating the
    example's alert rules with 5 s windows; ready once the first scrape is stored."""
    with (
        start_alertmanager() as alertmanager,
        start_prometheus(
            [platform.metrics_target], rules=fast_rules(), alertmanager=alertmanager.target
        ) as prometheus,
    ):
        wait_for_query(prometheus, "dependency_up", min_series=3)
        yield Monitoring(prometheus, alertmanager, healthy_at(platform, prometheus))


def healthy_at(platform: ScenarioPlatform, prometheus: ServerProcess) -> float:
    """A moment of the platform's healthy start with a 5 s rate at it in Prometheus, its
    counters scraped for 10 s before it: a window near a counter's first sample reads
    low (Prometheus extrapolates it towards zero)."""
    assert platform.collector.scenario == "healthy", "the platform starts healthy"

    def rated() -> float | None:
        at = round(time.time() - 1, 3)
        expression = f'count_over_time(payments_total{{result="success"}}[12s] @ {at:.3f})'
        result = cast(list[dict[str, Any]], query(prometheus.url, expression)["result"])
        return at if result and float(result[0]["value"][1]) >= 10 else None

    at = wait_until(rated, timeout=SETTLE_TIMEOUT, what="a healthy rate", interval=0.5)
    assert platform.collector.scenario == "healthy", "switched before the baseline was read"
    return at


def prometheus_config(
    monitoring: Monitoring, prometheus_url: str | None = None, *, refresh: str = "5s"
) -> str:
    """examples/prometheus.toml pointed at `monitoring`, with 5 s windows (the SLO's
    pairs and the canary's too) and its baselines ("a week ago") at the platform's
    healthy start."""
    return example(
        "prometheus.toml",
        {
            "http://127.0.0.1:9090": prometheus_url or monitoring.prometheus.url,
            "http://127.0.0.1:9093": monitoring.alertmanager.url,
            "[1m]": "[5s]",
            "offset 1w": f"@ {monitoring.healthy_at:.3f}",
            'refresh = "5s"': f'refresh = "{refresh}"',
            # The SLO's and the canary's windows, seconds for hours like the queries'.
            '"1h", short = "5m"': '"5s", short = "5s"',
            '"6h", short = "30m"': '"5s", short = "5s"',
            '"1d", short = "2h"': '"5s", short = "5s"',
            '"3d", short = "6h"': '"5s", short = "5s"',
            'window = "10m"': 'window = "5s"',
        },
    )


def without_prometheus_config(platform: ScenarioPlatform) -> str:
    """examples/without-prometheus.toml pointed at the platform, with a 1 s refresh."""
    return example(
        "without-prometheus.toml",
        {
            "http://127.0.0.1:9100/metrics": platform.metrics_url,
            "http://127.0.0.1:8080": platform.health.url,
            'refresh = "5s"': 'refresh = "1s"',
        },
    )


def write_config(config_text: str, directory: Path) -> Path:
    """`config_text` as oncall.toml in `directory`, next to a copy of the example's
    helper scripts (relative argv resolve against the config's folder)."""
    if not (directory / "checks").exists():
        shutil.copytree(EXAMPLES / "checks", directory / "checks")
    config = directory / "oncall.toml"
    config.write_text(config_text)
    return config


def run_cli(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m oncall_tui ARGS` without proxy variables, output captured."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
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

    @property
    def causes(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.document["causes"])


def check(config_text: str, directory: Path) -> Answer:
    """`oncall-tui check --format json` on `config_text` (see `write_config`)."""
    config = write_config(config_text, directory)
    started = time.monotonic()
    result = run_cli(["check", "--config", str(config), "--format", "json"])
    seconds = time.monotonic() - started
    assert "Traceback" not in result.stderr, result.stderr
    return Answer(result.returncode, json.loads(result.stdout), result.stderr, seconds)


def levels(config: dict[str, Any], url: str, *, business: bool = False) -> dict[str, str]:
    """Component -> status each query of the config's prom source gives now, straight
    from the Prometheus API (the plugin's thresholds and baseline ratios, applied here
    by hand); a query without data yet is "no data". Change markers (a time, not a
    status) are left out; business signals (the impact, not a component) are read by
    name alone, and only with `business`."""
    found: dict[str, str] = {}
    rank = {"ok": 0, "warning": 1, "critical": 2}
    for spec in config["sources"]["prom"]["queries"]:
        if spec["kind"] == "change" or (spec["kind"] == "business") != business:
            continue
        result = cast(list[dict[str, Any]], query(url, spec["query"])["result"])
        if not result or any(series["value"][1] == "NaN" for series in result):
            found[spec["query"]] = "no data"  # rate() needs samples after a start
        usual = _baselines(spec, url)
        for series in result:
            value = float(series["value"][1])
            labels = {k: v for k, v in series["metric"].items() if k != "__name__"}
            key = "name" if business else "component"
            name = (spec.get(key) or spec["name"]).format_map(labels)
            level = _grade(value, spec.get("warning"), spec.get("critical"), spec)
            baseline = usual.get(tuple(sorted(labels.items())))
            if baseline:
                ratio = _grade(
                    value / baseline, spec.get("warning_ratio"), spec.get("critical_ratio"), spec
                )
                level = max(level, ratio, key=rank.__getitem__)
            if rank[level] >= rank.get(found.get(name, "ok"), 0):  # as bad as its worst
                found[name] = level
    return found


def _baselines(spec: dict[str, Any], url: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The query's baseline per label set (the metric name aside)."""
    if not spec.get("baseline"):
        return {}
    result = cast(list[dict[str, Any]], query(url, spec["baseline"])["result"])
    return {
        tuple(sorted((k, v) for k, v in series["metric"].items() if k != "__name__")): float(
            series["value"][1]
        )
        for series in result
    }


def _grade(
    value: float, warning: float | None, critical: float | None, spec: dict[str, Any]
) -> str:
    below = spec.get("below", False)

    def breached(limit: float | None) -> bool:
        return limit is not None and (value <= limit if below else value >= limit)

    return "critical" if breached(critical) else "warning" if breached(warning) else "ok"


def settle(monitoring: Monitoring, scenario: Scenario, config_text: str) -> None:
    """Wait until Prometheus's view and Alertmanager's alerts show `scenario`: the
    windows hold only post-switch samples enough to be past every threshold (the
    business signals' too), and a previous scenario's alert is resolved."""
    expected = EXPECTED[scenario]
    config = tomllib.loads(config_text)

    def shown() -> bool:
        now = levels(config, monitoring.prometheus.url)
        critical = {name for name, level in now.items() if level == "critical"}
        calm = all(level in ("ok", "critical") for level in now.values())
        firing = {
            cast(dict[str, str], alert["labels"])["alertname"]
            for alert in alerts(monitoring.alertmanager)
            if cast(dict[str, str], alert["status"])["state"] == "active"
        }
        impact = levels(config, monitoring.prometheus.url, business=True)
        hurt = {name: level for name, level in impact.items() if level != "ok"}
        return (
            critical == expected.components
            and calm
            and firing == expected.alertnames
            and hurt == expected.business
        )

    wait_until(
        shown,
        timeout=SETTLE_TIMEOUT,
        what=f"Prometheus and Alertmanager to show {scenario}",
        detail=monitoring.prometheus.stderr_tail,
        interval=0.5,
    )
