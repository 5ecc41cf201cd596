"""The http plugin against real loopback HTTP(S) servers: a health endpoint of our own
(JSON, slow answers, hostile text), the fault server (redirects, big bodies, drips,
echoed headers), a private CA and a self-signed certificate; `oncall-tui check` in a
subprocess for what reaches the user."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import readme_example
from faults import PKI, FaultServer, serve_faults
from oncall_cli import assert_options_listed, proxy_free_env, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_http import HTTPCheckConfig, HTTPPlugin
from oncall_tui_http.judge import failure_words, lookup, same
from oncall_tui_http.plugin import deadline_for
from quiet_handler import QuietHandler
from servers import closed_port
from servers_http import HTTPTestServer, self_signed_cert, serve_http

TOKEN = "tok-http-5e1d0c9b8a7f"
HOSTILE = "\x1b[2J\x1b]52;c;aGk=\x07\u202eDOWN"

HEALTH = {
    "status": "UP",
    "checks": {"db": {"status": "UP", "latency_ms": 3}, "cache": {"status": "DOWN"}},
    "items": [{"status": "ok"}],
    "ready": True,
    "version": 2,
}


class HealthHandler(QuietHandler):
    """/health (JSON), /slow/MS (200 after MS milliseconds), /hostile (a JSON status
    carrying escape sequences and a bidi override), /text (plain text in latin-1)."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_body(status, body, content_type)

    def do_GET(self) -> None:
        parts = [part for part in self.path.split("?", 1)[0].split("/") if part]
        if parts == ["health"]:
            self._send(200, json.dumps(HEALTH).encode())
        elif parts[:1] == ["slow"]:
            time.sleep(int(parts[1]) / 1000)  # a slow server: the behaviour under test
            self._send(200, b'{"status": "UP"}')
        elif parts == ["hostile"]:
            self._send(200, json.dumps({"status": HOSTILE}).encode())
        elif parts == ["text"]:
            self._send(200, "état: prêt".encode("latin-1"), "text/plain; charset=iso-8859-1")
        else:
            self._send(404, b"not found", "text/plain")

    do_HEAD = do_GET


pytestmark = pytest.mark.usefixtures("direct")


@pytest.fixture(scope="module")
def health() -> Iterator[HTTPTestServer]:
    with serve_http(HealthHandler) as server:
        yield server


@pytest.fixture(scope="module")
def module_faults() -> Iterator[FaultServer]:
    with serve_faults() as running:
        yield running


@pytest.fixture
def faults(module_faults: FaultServer) -> FaultServer:
    module_faults.reset()
    return module_faults


def make(
    url: str, config_dir: Path | None = None, timeout: float = 3.0, **options: Any
) -> HTTPPlugin:
    config = HTTPCheckConfig.model_validate({"url": url, **options})
    context = SourceContext(
        name="bureau", config_dir=config_dir or Path("/nonexistent"), interval=5.0, timeout=timeout
    )
    return HTTPPlugin(config, context)


async def check(url: str, config_dir: Path | None = None, **options: Any) -> Reading:
    plugin = make(url, config_dir, **options)
    try:
        [reading] = await plugin.collect()
    finally:
        await plugin.aclose()
    return reading


def status_of(reading: Reading) -> Status:
    """The status the board shows (the store applies the latency thresholds)."""
    store = SignalStore()
    store.add_source(SourceState(name="s", plugin="http", kinds=frozenset({reading.kind})))
    store.apply("s", [reading])
    return store.signals["s/check"].status


# --------------------------------------------------------------------------- answers


async def test_a_healthy_endpoint(health: HTTPTestServer) -> None:
    reading = await check(f"{health.url}/health?key=abc")
    assert status_of(reading) is Status.OK and reading.status is None
    assert reading.summary == "status 200"
    assert reading.unit == "seconds" and reading.value is not None and 0 < reading.value < 2
    assert reading.labels == {"status_code": "200"}
    assert reading.query == f"GET {health.url}/health?…", "no query string shown"
    assert reading.kind == "dependency" and reading.name == "bureau"
    assert reading.key == "check"


async def test_a_bad_status_is_critical_with_the_expected_one(faults: FaultServer) -> None:
    reading = await check(f"{faults.url}/status/503")
    assert reading.status is Status.CRITICAL
    assert reading.summary == "status 503 (expected 2xx)"
    assert reading.value is not None, "the server answered: its latency is known"
    assert reading.labels["status_code"] == "503"
    assert faults.state.counts["status/503"] == 1, "a probe is never retried"


async def test_expect_status(faults: FaultServer) -> None:
    assert status_of(await check(f"{faults.url}/status/503", expect_status=503)) is Status.OK
    listed = await check(f"{faults.url}/status/503", expect_status=[200, 204])
    assert listed.summary == "status 503 (expected 200 or 204)"
    not_listed = await check(f"{faults.url}/json", expect_status=[204, 401])
    assert not_listed.status is Status.CRITICAL
    assert not_listed.summary == "status 200 (expected 204 or 401)"


async def test_head(faults: FaultServer) -> None:
    reading = await check(f"{faults.url}/json", method="HEAD")
    assert status_of(reading) is Status.OK
    assert faults.state.requests == [("HEAD", "/json")]


async def test_latency_thresholds(health: HTTPTestServer) -> None:
    fast = await check(f"{health.url}/health", warning_latency="150ms", critical_latency="1s")
    assert status_of(fast) is Status.OK
    slow = await check(f"{health.url}/slow/300", warning_latency="150ms", critical_latency="1s")
    assert status_of(slow) is Status.WARNING
    assert slow.summary.startswith("status 200, slow: ") and slow.summary.endswith("(≥ 150ms)")
    slower = await check(f"{health.url}/slow/300", critical_latency="150ms")
    assert status_of(slower) is Status.CRITICAL
    assert slower.thresholds is not None and slower.thresholds.critical == 0.15
    assert slower.value is not None and slower.value >= 0.3


async def test_a_timeout_is_a_critical_observation(faults: FaultServer) -> None:
    reading = await check(f"{faults.url}/drip-body", timeout=1.0)
    assert reading.status is Status.CRITICAL
    assert reading.summary == "timed out after 900ms"
    assert reading.value is None


async def test_connection_refused() -> None:
    port = closed_port()
    reading = await check(f"http://127.0.0.1:{port}/health")
    assert reading.status is Status.CRITICAL and reading.value is None
    assert reading.summary == f"cannot connect to 127.0.0.1:{port} (connection refused)"
    assert reading.labels == {}


async def test_dns_failure() -> None:
    # `.invalid` never resolves (RFC 6761): a name that does not exist, no server needed.
    reading = await check("https://credit-bureau.invalid/health")
    assert reading.status is Status.CRITICAL
    assert reading.summary.startswith("DNS: "), reading.summary


async def test_redirect_to_another_host_is_a_failed_check(faults: FaultServer) -> None:
    reading = await check(f"{faults.url}/redirect-away")
    assert reading.status is Status.CRITICAL
    assert reading.summary == (
        "status 302: redirect to http://evil.example/steal?…, not followed (expected 2xx); "
        "configure the final URL"
    )
    assert "hunter2" not in reading.summary
    assert len(faults.state.requests) == 1, "never followed"


# --------------------------------------------------------------------------- TLS


async def test_self_signed_fails_by_default_and_passes_with_its_ca_file(tmp_path: Path) -> None:
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        refused = await check(f"{tls.url}/json")
        (tmp_path / "certs").mkdir()
        (tmp_path / "certs" / "bureau.pem").write_bytes(cert.cert.read_bytes())
        trusted = await check(f"{tls.url}/json", tmp_path, ca_file="certs/bureau.pem")
        unverified = await check(f"{tls.url}/json", verify_tls=False)
    assert refused.status is Status.CRITICAL
    assert refused.summary == "TLS: self-signed certificate"
    assert status_of(trusted) is Status.OK
    assert status_of(unverified) is Status.OK


async def test_expired_certificate(pki: PKI) -> None:
    with serve_faults(pki.context(pki.expired)) as tls:
        reading = await check(f"{tls.url}/json", ca_file=str(pki.ca))
    assert reading.status is Status.CRITICAL
    assert reading.summary == "TLS: certificate has expired"


async def test_certificate_expiry_days(pki: PKI) -> None:
    # The private CA's server certificate is valid for two days.
    url_options = {"ca_file": str(pki.ca)}
    with serve_faults(pki.context(pki.valid)) as tls:
        url = f"{tls.url}/json"
        unjudged = await check(url, **url_options)
        far = await check(url, cert_expiry_warning_days=1, **url_options)
        warning = await check(url, cert_expiry_warning_days=7, **url_options)
        critical = await check(
            url, cert_expiry_warning_days=7, cert_expiry_critical_days=3, **url_options
        )
    assert status_of(unjudged) is Status.OK and status_of(far) is Status.OK
    assert unjudged.labels["cert_expires"].endswith(" UTC")
    expires = datetime.strptime(unjudged.labels["cert_expires"], "%Y-%m-%d %H:%M UTC")
    left = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=1.5) < left < timedelta(days=2.5)
    assert warning.status is Status.WARNING
    assert warning.summary.startswith("status 200, TLS: certificate expires in ")
    assert warning.summary.endswith(" days")
    assert critical.status is Status.CRITICAL


async def test_certificate_expiry_without_verification(tmp_path: Path) -> None:
    # verify_tls = false still reads the expiry: a self-signed cert that runs out soon.
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        reading = await check(f"{tls.url}/json", verify_tls=False, cert_expiry_critical_days=5)
    assert reading.status is Status.CRITICAL
    assert "TLS: certificate expires in" in reading.summary


# --------------------------------------------------------------------------- body


async def test_body_contains(health: HTTPTestServer) -> None:
    assert status_of(await check(f"{health.url}/health", body_contains='"UP"')) is Status.OK
    missing = await check(f"{health.url}/health", body_contains="MAINTENANCE")
    assert missing.status is Status.CRITICAL
    assert missing.summary == "body does not contain 'MAINTENANCE'"
    # Decoded in the charset the server declares.
    assert status_of(await check(f"{health.url}/text", body_contains="prêt")) is Status.OK


async def test_json_path_and_equals(health: HTTPTestServer) -> None:
    url = f"{health.url}/health"
    assert status_of(await check(url, json_path="status", json_equals="UP")) is Status.OK
    assert status_of(await check(url, json_path="checks.db.status", json_equals="UP")) is (
        Status.OK
    )
    assert status_of(await check(url, json_path="items.0.status", json_equals="ok")) is Status.OK
    assert status_of(await check(url, json_path="ready", json_equals=True)) is Status.OK
    assert status_of(await check(url, json_path="version", json_equals=2.0)) is Status.OK
    down = await check(url, json_path="checks.cache.status", json_equals="UP")
    assert down.status is Status.CRITICAL
    assert down.summary == "json checks.cache.status = 'DOWN' (expected 'UP')"
    typed = await check(url, json_path="ready", json_equals=1)
    assert typed.summary == "json ready = true (expected 1)"
    absent = await check(url, json_path="checks.queue.status", json_equals="UP")
    assert absent.summary == "json checks.queue.status not found"
    # json_path alone: the field must exist.
    assert status_of(await check(url, json_path="checks.db")) is Status.OK
    assert (await check(url, json_path="checks.queue")).status is Status.CRITICAL


async def test_a_body_that_is_not_json(faults: FaultServer) -> None:
    reading = await check(f"{faults.url}/html", json_path="status", json_equals="UP")
    assert reading.status is Status.CRITICAL and reading.summary == "body is not JSON"
    deep = await check(f"{faults.url}/deep-json", json_path="status")
    assert deep.status is Status.CRITICAL


async def test_an_oversized_body_is_capped(faults: FaultServer) -> None:
    started = time.monotonic()
    reading = await check(f"{faults.url}/big-chunked", body_contains="UP")
    assert time.monotonic() - started < 2.5  # 50 MB are never read
    assert reading.summary == "body does not contain 'UP' in its first 64 KB"
    as_json = await check(f"{faults.url}/big-chunked", json_path="status")
    assert as_json.summary == "body is larger than 64 KB: too large to read status from"
    bomb = await check(f"{faults.url}/nested-bomb", body_contains="nothing")
    assert bomb.summary == "body does not contain 'nothing' in its first 64 KB"


# --------------------------------------------------------------------------- fields


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


# --------------------------------------------------------------------------- cost


def ssl_context_of(client: Any) -> object:
    """The TLS context a client's pool connects with (httpx internals, for this test)."""
    return client._transport._pool._ssl_context


async def test_each_check_keeps_its_connection_and_shares_the_tls_context(
    faults: FaultServer, pki: PKI
) -> None:
    plugins = [make(f"{faults.url}/json?n={i}") for i in range(5)]
    for _ in range(3):
        for plugin in plugins:
            [reading] = await plugin.collect()
            assert status_of(reading) is Status.OK
    # Five checks, three rounds: five keep-alive connections, no handshake per check.
    assert faults.state.connections == 5
    contexts = {id(ssl_context_of(plugin.http())) for plugin in plugins}
    assert len(contexts) == 1, "the trust store is loaded once, not per source"
    with_ca = make(f"{faults.url}/json", ca_file=str(pki.ca))
    assert ssl_context_of(with_ca.http()) is not ssl_context_of(plugins[0].http())
    for plugin in [*plugins, with_ca]:
        client = plugin.http()
        await plugin.aclose()
        assert client.is_closed


# --------------------------------------------------------------------------- units


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


# --------------------------------------------------------------------------- end to end

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
