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

from scenarios import EXAMPLES, EXPECTED, Scenario, ScenarioPlatform, example, fast_rules
from servers import (
    ServerProcess,
    alerts,
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
        yield Monitoring(prometheus, alertmanager)


def prometheus_config(
    monitoring: Monitoring, prometheus_url: str | None = None, *, refresh: str = "5s"
) -> str:
    """examples/prometheus.toml pointed at `monitoring`, with 5 s windows."""
    return example(
        "prometheus.toml",
        {
            "http://127.0.0.1:9090": prometheus_url or monitoring.prometheus.url,
            "http://127.0.0.1:9093": monitoring.alertmanager.url,
            "[1m]": "[5s]",
            'refresh = "5s"': f'refresh = "{refresh}"',
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


def levels(config: dict[str, Any], url: str) -> dict[str, str]:
    """Component -> status each query of the config's prom source gives now, straight
    from the Prometheus API (the plugin's thresholds, applied here by hand); a query
    without data yet is "no data". Change markers (a time, not a status) are left out."""
    found: dict[str, str] = {}
    rank = {"ok": 0, "warning": 1, "critical": 2}
    for spec in config["sources"]["prom"]["queries"]:
        if spec["kind"] == "change":
            continue
        result = cast(list[dict[str, Any]], query(url, spec["query"])["result"])
        if not result or any(series["value"][1] == "NaN" for series in result):
            found[spec["query"]] = "no data"  # rate() needs samples after a start
        for series in result:
            value = float(series["value"][1])
            name = (spec.get("component") or spec["name"]).format_map(series["metric"])
            critical, warning = spec.get("critical"), spec.get("warning")
            below = spec.get("below", False)

            def breached(limit: float | None, value: float = value, below: bool = below) -> bool:
                return limit is not None and (value <= limit if below else value >= limit)

            level = "critical" if breached(critical) else "warning" if breached(warning) else "ok"
            if rank[level] >= rank.get(found.get(name, "ok"), 0):  # as bad as its worst
                found[name] = level
    return found


def settle(monitoring: Monitoring, scenario: Scenario, config_text: str) -> None:
    """Wait until Prometheus's view and Alertmanager's alerts show `scenario`: the
    windows hold only post-switch samples enough to be past every threshold, and a
    previous scenario's alert is resolved."""
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
        return critical == expected.components and calm and firing == expected.alertnames

    wait_until(
        shown,
        timeout=SETTLE_TIMEOUT,
        what=f"Prometheus and Alertmanager to show {scenario}",
        detail=monitoring.prometheus.stderr_tail,
        interval=0.5,
    )
