"""`oncall-tui check` pointed at a real Prometheus with a config shaped like DESIGN.md's:
what a user does first with a new config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall_cli import proxy_free_env, run_oncall
from prometheus_features_support import (
    Proxy,
    counting_proxy,  # noqa: F401  (the fixture `proxy`)
)
from servers_platform import RATIO, Platform

CONFIG = """
title = "Credit payments on-call"
refresh = "5s"

[sources.prom]
plugin = "prometheus"
url = "{url}"
timeout = "3s"
headers = {{ Authorization = "Bearer ${{PROM_TOKEN}}" }}

  [[sources.prom.queries]]
  kind = "risk_rule"
  name = "{{product}}/{{rule}}"
  query = '{ratio}'
  unit = "ratio"
  warning = 0.05
  critical = 0.2
  below = false
  runbook = "https://runbooks.example.com/risk/{{rule}}"

  [[sources.prom.queries]]
  kind = "health"
  name = "{{service}} up"
  query = 'service_up'
  unit = "bool"
  critical = 0.5
  below = true
  runbook = "runbooks/service-down.md"
"""

TOKEN = "tok-9f8e7d6c5b4a"


def _check(platform: Platform, tmp_path: Path) -> tuple[int, dict[str, object], str]:
    config = tmp_path / "oncall.toml"
    config.write_text(CONFIG.format(url=platform.prometheus.url, ratio=RATIO))
    result = run_oncall(
        "check", "--config", str(config), "--format", "json", env=proxy_free_env(PROM_TOKEN=TOKEN)
    )
    return result.returncode, json.loads(result.stdout), result.stdout + result.stderr


def test_check_shows_prometheus_series_with_status_and_runbook(
    platform: Platform, tmp_path: Path
) -> None:
    code, document, output = _check(platform, tmp_path)
    signals = {s["name"]: s for s in document["signals"]}  # type: ignore[attr-defined]
    assert document["status"] == "critical" and code == 2
    assert signals["cashloan/device_fingerprint"]["status"] == "critical"
    assert signals["paylater/credit_limit"]["status"] == "warning"
    assert signals["paylater/velocity_check"]["status"] == "ok"
    assert signals["paylater/velocity_check"]["value"] == pytest.approx(0.01, rel=0.05)
    assert (
        signals["cashloan/device_fingerprint"]["runbook"]
        == "https://runbooks.example.com/risk/device_fingerprint"
    )
    assert signals["ledger up"]["status"] == "critical"
    assert signals["payment-api up"]["status"] == "ok"
    assert signals["ledger up"]["runbook"] == str(tmp_path / "runbooks" / "service-down.md")
    assert signals["ledger up"]["labels"]["service"] == "ledger"  # type: ignore[index]
    # The hostile label arrives escaped, never raw.
    evil = [name for name in signals if name.startswith("paylater/evil")]
    assert evil == ["paylater/evil\\x1b[31m\\u202erule"]
    assert "\x1b" not in output and "\u202e" not in output
    assert TOKEN not in output
    assert document["sources"] == [
        {
            "name": "prom",
            "plugin": "prometheus",
            "status": "ok",
            "error": None,
            "duration_ms": document["sources"][0]["duration_ms"],  # type: ignore[index]
        }
    ]


TRIAGE_CONFIG = """
[sources.prom]
plugin = "prometheus"
url = "{url}"
timeout = "5s"

  [[sources.prom.queries]]
  kind = "change"
  name = "{{service}} deployed"
  component = "{{service}}"
  query = 'deploy_timestamp_seconds'

  [[sources.prom.queries]]
  kind = "risk_rule"
  name = "{{product}}/{{rule}}"
  component = "risk-rule {{rule}}"
  query = '{ratio}'
  unit = "ratio"
  baseline = '{baseline}'
  warning_ratio = 2
  critical_ratio = 4.5

  [[sources.prom.queries]]
  kind = "health"
  name = "{{service}} down"
  query = 'service_up{{service="payment-api"}} == 0'
  no_data = "ok"
"""


def test_check_reads_changes_baselines_and_no_data(proxy: Proxy, tmp_path: Path) -> None:
    config = tmp_path / "oncall.toml"
    # The usual hit rate of every rule: a fifth of today's for cashloan (5x now),
    # two thirds for paylater (1.5x now).
    baseline = (
        f'(({RATIO}) / 5) and on(product) risk_decisions_total{{product="cashloan"}}'
        f" or (({RATIO}) / 1.5)"
    )
    config.write_text(TRIAGE_CONFIG.format(url=proxy.url, ratio=RATIO, baseline=baseline))
    result = run_oncall("check", "--config", str(config), "--format", "json")
    document = json.loads(result.stdout)
    signals = {s["name"]: s for s in document["signals"]}
    assert result.returncode == 2, result.stdout + result.stderr
    assert signals["cashloan/device_fingerprint"]["status"] == "critical"
    assert signals["cashloan/device_fingerprint"]["summary"] == "critical: 5x its usual 6% (≥ 4.5x)"
    assert signals["paylater/credit_limit"]["status"] == "ok"
    assert signals["payment-api deployed"]["kind"] == "change"
    assert signals["payment-api deployed"]["status"] == "ok"
    assert signals["down"]["status"] == "ok" and signals["down"]["value"] is None
    assert document["sources"][0]["status"] == "ok"
    # One request per query and per baseline; a one-shot check never backfills.
    assert len(proxy.paths("/api/v1/query")) == 4
    assert proxy.paths("/api/v1/query_range") == []
