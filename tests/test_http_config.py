"""The http plugin's options: the signal's fields, headers and auth from the config,
a check that cannot be made, the config's checks and documentation, and `oncall-tui
check` in a subprocess for what reaches the user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import readme_example
from faults import FaultServer
from http_plugin_support import (
    check,
    health_server,  # noqa: F401  (the fixture `health`)
    make,
    reset_faults,  # noqa: F401  (the fixture `faults`)
)
from oncall_cli import assert_options_listed, proxy_free_env, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_http import HTTPCheckConfig
from oncall_tui_http.judge import failure_words, lookup, same
from oncall_tui_http.plugin import deadline_for
from servers_http import HTTPTestServer

TOKEN = "tok-http-5e1d0c9b8a7f"

pytestmark = pytest.mark.usefixtures("direct")


async def test_signal_fields_from_the_config(tmp_path: Path, health: HTTPTestServer) -> None:
    reading = await check(
        f"{health.url}/health",
        tmp_path,
        kind="health",
        name="credit bureau",
        component="credit-bureau",
        runbook="runbooks/bureau.md",
    )
    assert reading.kind == "health" and reading.name == "credit bureau"
    assert reading.component == "credit-bureau"
    assert reading.runbook == Runbook.file(tmp_path / "runbooks" / "bureau.md")
    linked = await check(f"{health.url}/health", runbook="https://runbooks.example.com/bureau")
    assert linked.runbook == Runbook.link("https://runbooks.example.com/bureau")
    default = await check(f"{health.url}/health")
    assert default.component == "" and default.runbook is None


async def test_headers_and_auth_reach_the_server(faults: FaultServer, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n")
    await check(f"{faults.url}/echo", headers={"X-Scope-OrgID": "payments"})
    await check(f"{faults.url}/echo", bearer_token=TOKEN)
    await check(f"{faults.url}/echo", tmp_path, bearer_token_file="token")
    await check(f"{faults.url}/echo", basic_auth={"username": "oncall", "password": "pw"})
    sent = faults.state.headers
    assert sent[0].get("X-Scope-OrgID") == "payments"
    assert sent[1].get("Authorization") == f"Bearer {TOKEN}"
    assert sent[2].get("Authorization") == f"Bearer {TOKEN}"
    assert sent[3].get("Authorization", "").startswith("Basic ")


async def test_a_check_that_cannot_be_made_is_a_source_error(tmp_path: Path) -> None:
    plugin = make("http://127.0.0.1:1/health", tmp_path, bearer_token_file="missing-token")
    with pytest.raises(SourceError, match="bearer_token_file: cannot read"):
        await plugin.collect()
    await plugin.aclose()


def test_deadline_stays_inside_the_engines() -> None:
    assert deadline_for(3.0) == pytest.approx(2.7)
    assert deadline_for(10.0) == pytest.approx(9.5)
    assert deadline_for(0.05) == pytest.approx(0.1)


def test_failure_words() -> None:
    where = "cannot connect to bureau.example.com:443"
    assert failure_words(f"{where} (host name not found)") == "DNS: host name not found"
    assert failure_words(f"{where} (DNS lookup failed, try again)") == (
        "DNS: lookup failed, try again"
    )
    assert failure_words(f"{where} (TLS handshake failed: WRONG_VERSION_NUMBER)") == (
        "TLS: handshake failed: WRONG_VERSION_NUMBER"
    )
    assert failure_words(f"{where} (connection refused)") == f"{where} (connection refused)"
    assert failure_words("timed out after 2.7s") == "timed out after 2.7s"


def test_json_lookup_and_equality() -> None:
    document = {"a": {"b": [10, {"c": None}]}, "0": "zero"}
    assert lookup(document, "a.b.0") == (True, 10)
    assert lookup(document, "a.b.1.c") == (True, None)
    assert lookup(document, "a.b.2") == (False, None)
    assert lookup(document, "0") == (True, "zero")
    assert lookup(document, "a.x") == (False, None)
    assert same(1, 1.0) and same("UP", "UP") and same(True, True)
    assert not same(True, 1) and not same(1, True) and not same("1", 1) and not same(1, "1")


def test_config_errors() -> None:
    def error(**options: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            HTTPCheckConfig.model_validate({"url": "http://127.0.0.1/health", **options})
        return str(caught.value)

    assert "HEAD reads none" in error(method="HEAD", body_contains="UP")
    assert "HEAD reads none" in error(method="HEAD", json_path="status")
    assert "json_equals needs json_path" in error(json_equals="UP")
    assert "warning_latency must not be above" in error(warning_latency="2s", critical_latency="1s")
    assert "cert_expiry_warning_days must not be below" in error(
        cert_expiry_warning_days=3, cert_expiry_critical_days=7
    )
    assert "not an HTTP status" in error(expect_status=42)
    assert "at least one status" in error(expect_status=[])
    assert "not a dotted path" in error(json_path="checks..status")
    assert "finite" in error(json_path="x", json_equals=float("nan"))
    assert "method" in error(method="POST")
    assert "timeout_ms" in error(timeout_ms=3)  # unknown keys are errors
    assert TOKEN not in error(bearer_token=TOKEN, method="PUT")


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("http", HTTPCheckConfig)


CHECK_CONFIG = """
[sources.bureau]
plugin = "http"
url = "{health}/hostile"
json_path = "status"
json_equals = "UP"
name = "credit bureau"
bearer_token = "${{BUREAU_TOKEN}}"

[sources.gateway]
plugin = "http"
url = "{faults}/redirect-echo"
bearer_token = "${{BUREAU_TOKEN}}"

[sources.sms]
plugin = "http"
url = "{health}/health"
kind = "dependency"

[sources.broken]
plugin = "http"
url = "{health}/health"
bearer_token_file = "two-tokens"
"""


def test_check_end_to_end(health: HTTPTestServer, faults: FaultServer, tmp_path: Path) -> None:
    config = tmp_path / "oncall.toml"
    config.write_text(CHECK_CONFIG.format(health=health.url, faults=faults.url))
    (tmp_path / "two-tokens").write_text("one\ntwo\n")  # exists (validate passes), unusable
    result = run_oncall(
        "check", "--config", str(config), "--format", "json", env=proxy_free_env(BUREAU_TOKEN=TOKEN)
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in output and "\u202e" not in output and "\x07" not in output
    assert TOKEN not in output, "the token, echoed by the server, never reaches the user"
    document = json.loads(result.stdout)
    signals = {signal["source"]: signal for signal in document["signals"]}
    sources = {source["name"]: source for source in document["sources"]}
    assert result.returncode == 2 and document["status"] == "critical"
    bureau = signals["bureau"]
    assert bureau["status"] == "critical" and bureau["name"] == "credit bureau"
    assert bureau["summary"] == (
        "json status = '\\x1b[2J\\x1b]52;c;aGk=\\x07\\u202eDOWN' (expected 'UP')"
    )
    assert bureau["unit"] == "seconds" and bureau["value"] > 0
    assert sources["bureau"]["status"] == "ok", "a check that ran and failed is an observation"
    gateway = signals["gateway"]
    assert gateway["status"] == "critical" and gateway["summary"].startswith("status 302: ")
    assert signals["sms"]["status"] == "ok" and signals["sms"]["kind"] == "dependency"
    assert sources["broken"]["status"] == "error"
    assert "must hold one token on one line" in sources["broken"]["error"]


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    config = parse_config(readme_example("### http"), tmp_path)
    assert not config.load_errors
    options = config.sources[0].options
    assert isinstance(options, HTTPCheckConfig)
    assert options.json_path == "status" and options.expect_status == 200
