"""The http plugin against real loopback servers: what each answer means (status,
latency, timeouts, refused connections, DNS failures, redirects) and what a body is
checked for (contains, JSON path, not JSON, oversized)."""

from __future__ import annotations

import time

import pytest

from faults import FaultServer
from http_plugin_support import (
    check,
    health_server,  # noqa: F401  (the fixture `health`)
    reset_faults,  # noqa: F401  (the fixture `faults`)
    status_of,
)
from oncall_tui.core.signals.model import Status
from servers import closed_port
from servers_http import HTTPTestServer

pytestmark = pytest.mark.usefixtures("direct")


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
