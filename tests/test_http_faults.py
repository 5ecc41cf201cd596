"""The HTTP layer against a misbehaving loopback server, one fault per test.

Each test asserts what the user reads (the message), and for the bombs a tracemalloc
peak under a stated bound and an answer well inside the deadline. The server is real
(tests/faults.py); no transport is mocked.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Awaitable
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pytest

from faults import FaultServer, blackhole, serve_faults
from measured import MAIN_WITH_PEAK
from oncall_tui.core.http import (
    HTTPStatusError,
    build_client,
    get_bytes,
    get_json,
    get_text,
)
from oncall_tui.core.http import client as client_module
from oncall_tui.core.http import decode as decode_module
from oncall_tui.core.sources.errors import SourceError
from servers import closed_port, free_port

T = TypeVar("T")

CAP = 1024 * 1024
"""The size cap of the plain-body tests: 1 MB."""
BOMB_CAP = 4 * 1024 * 1024
"""The size cap of the bomb tests: above the bombs' size on the wire (~1 MB), so they
are refused while inflating, not by their Content-Length."""
PEAK_BOUND = 10 * 1024 * 1024
"""Most Python memory a refused body may cost with these caps (measured: 4.6-5.3 MB for
the bombs, 0.6-2.2 MB for the 50 MB bodies). The inflate-then-count reader this
replaced inflated each network chunk whole: 64 MB for one chunk of the gzip bomb,
gigabytes for the nested one."""
DEADLINE = 5.0
"""Generous overall deadline; the bombs are refused in ~0.05 s (100x margin)."""
HANG_BOUND = 10.0
"""Seconds within which a request under a 0.3 s deadline has ended: it only tells an
end from a hang (a drip lasts 100 s; a connect that ignores its timeout, forever).
Measured 0.30-0.66 s at load 7-9 on 2 cores; a full collection of the test worker's
heap (0.3-0.8 s) or a machine keeping the process off the CPU adds to it, which a
1.5 s bound left 2x room for."""


pytestmark = pytest.mark.usefixtures("direct")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the client takes before a retry, taken all the same. "Not retried" and
    "answered at once" are judged by these, not by the wall clock, which a loaded
    machine or a full collection of the test worker's heap stretches."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await asyncio.sleep(seconds)

    monkeypatch.setattr(client_module, "asyncio", SimpleNamespace(sleep=sleep))
    return asked


async def traced(call: Awaitable[T]) -> tuple[T | BaseException, int]:
    """The result (or the exception) of `call` and the peak of Python allocations."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result: T | BaseException = await call
    except Exception as exc:
        result = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


# --------------------------------------------------------------------------- bombs


@pytest.mark.parametrize("path", ["gzip-bomb", "deflate-bomb", "raw-deflate-bomb", "nested-bomb"])
async def test_compression_bombs_are_refused_within_the_cap(server: FaultServer, path: str) -> None:
    # 1 GiB once inflated, 3 KB to 1 MB on the wire. The nested one (gzip, gzip) took
    # 8.4 s past a 3 s deadline and 2 GB RSS before (bench/http_bombs.py).
    async with build_client(timeout=DEADLINE) as client:
        async with asyncio.timeout(DEADLINE):
            result, peak = await traced(
                get_json(client, f"{server.url}/{path}", max_bytes=BOMB_CAP)
            )
    assert isinstance(result, SourceError)
    assert str(result) == "response larger than 4 MB"
    assert peak < PEAK_BOUND, f"{path}: peak {peak / 1e6:.1f} MB"


async def test_stacked_encodings_are_inflated_layer_by_layer(server: FaultServer) -> None:
    # `Content-Encoding: deflate, gzip` is legal: deflate applied first, gzip last.
    async with build_client(timeout=2.0) as client:
        assert await get_json(client, f"{server.url}/stacked") == {"stacked": True}


async def test_more_layers_than_accepted_are_refused(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/triple")
    assert str(caught.value) == (
        "response compressed 3 times over (Content-Encoding: gzip, gzip, gzip); "
        "at most 2 layers are accepted"
    )


async def test_unknown_encoding_is_refused(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/zstd")
    assert str(caught.value).startswith("unsupported Content-Encoding 'zstd' (supported: gzip,")


async def test_brotli_without_the_package_is_refused(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_module, "_BROTLI", None)
    assert decode_module.accept_encoding() == "gzip, deflate"
    async with build_client(timeout=2.0) as client:
        assert client.headers["Accept-Encoding"] == "gzip, deflate"
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/br")
    assert "needs the brotli package >= 1.2" in str(caught.value)


async def test_broken_brotli_is_a_decoding_error(server: FaultServer) -> None:
    pytest.importorskip("brotli")
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/br")
    assert str(caught.value).startswith("cannot decompress the response (")


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("path", ["big", "big-chunked", "big-close"])
async def test_50_mb_body_is_refused_at_the_cap(server: FaultServer, path: str) -> None:
    # With Content-Length it is refused before reading; without, while streaming.
    async with build_client(timeout=DEADLINE) as client:
        async with asyncio.timeout(DEADLINE):
            result, peak = await traced(get_bytes(client, f"{server.url}/{path}", max_bytes=CAP))
    assert isinstance(result, SourceError)
    assert str(result) == "response larger than 1 MB"
    assert peak < PEAK_BOUND, f"{path}: peak {peak / 1e6:.1f} MB"


async def test_false_content_length(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/false-length")
    assert str(caught.value) == (
        f"127.0.0.1:{server.port} broke the HTTP protocol (peer closed connection without "
        "sending complete message body (received 20 bytes, expected 1000))"
    )


# --------------------------------------------------------------------------- bodies


async def test_truncated_json(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/truncated-json")
    # One "at", not "starting at at byte" (the two messages were once glued).
    assert str(caught.value) == (
        "invalid JSON in response (Unterminated string starting at byte 31)"
    )


async def test_html_with_200(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/html")
    assert str(caught.value) == "invalid JSON in response (got text/html; is the URL right?)"


async def test_100000_deep_json(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/deep-json")
    assert str(caught.value) == "invalid JSON in response (nested too deeply)"


async def test_get_text_returns_text_and_content_type(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        text, content_type = await get_text(client, f"{server.url}/metrics")
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert 'risk_decisions_total{product="paylater"} 1027' in text


async def test_get_text_inflates_and_caps(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        stacked = await get_text(client, f"{server.url}/stacked")
        with pytest.raises(SourceError, match=r"^response larger than 1 MB$"):
            await get_text(client, f"{server.url}/gzip-bomb", max_bytes=CAP)
    assert stacked.text == '{"stacked": true}'


# --------------------------------------------------------------------------- slow servers


@pytest.mark.parametrize("path", ["drip-headers", "drip-body"])
async def test_slow_drip_is_cut_by_the_overall_deadline(server: FaultServer, path: str) -> None:
    # A byte every 50 ms never trips the 2 s read timeout; the caller's deadline must
    # still end the request, as a cancellation (the engine's), not a SourceError.
    started = time.monotonic()
    async with build_client(timeout=2.0) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await get_json(client, f"{server.url}/{path}")
    assert time.monotonic() - started < HANG_BOUND


async def test_connection_refused() -> None:
    port = closed_port()
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"http://127.0.0.1:{port}/api")
    assert str(caught.value) == f"cannot connect to 127.0.0.1:{port} (connection refused)"


async def test_blackholed_connect_times_out(waits: list[float]) -> None:
    with blackhole() as port:
        started = time.monotonic()
        async with build_client(timeout=0.3) as client:
            with pytest.raises(SourceError) as caught:
                await get_json(client, f"http://127.0.0.1:{port}/api")
        elapsed = time.monotonic() - started
    assert str(caught.value) == f"cannot connect to 127.0.0.1:{port} (timed out after 300ms)"
    # No retry: a second 0.3 s connect would not fit in the 0.3 s budget.
    assert waits == []
    assert elapsed < HANG_BOUND


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_are_not_retried(server: FaultServer, status: int) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await get_json(client, f"{server.url}/status/{status}")
    assert caught.value.status_code == status
    assert str(caught.value) == {401: "HTTP 401 Unauthorized", 403: "HTTP 403 Forbidden"}[status]
    assert server.state.counts[f"status/{status}"] == 1


async def test_server_errors_other_than_502_to_504_are_not_retried(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(HTTPStatusError):
            await get_json(client, f"{server.url}/status/500")
    assert server.state.counts["status/500"] == 1


async def test_retry_after_1e9_does_not_stall(server: FaultServer, waits: list[float]) -> None:
    async with build_client(timeout=3.0) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await get_json(client, f"{server.url}/retry-after/1e9")
    assert waits == [], "answered at once, not after a wait"
    assert str(caught.value) == (
        "HTTP 429 Too Many Requests (the server asks to retry after more than a year)"
    )
    assert server.state.counts["retry-after"] == 1, "a wait over 2 s is not retried"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_one_retry_turns_a_blip_into_an_answer(server: FaultServer, status: int) -> None:
    async with build_client(timeout=2.0) as client:
        assert await get_json(client, f"{server.url}/flaky/s{status}/{status}") == {"ok": True}
    assert server.state.counts[f"flaky/s{status}"] == 2


async def test_retries_can_be_switched_off(server: FaultServer) -> None:
    async with build_client(timeout=2.0, retries=0) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await get_json(client, f"{server.url}/flaky/off/429")
    assert caught.value.status_code == 429
    assert server.state.counts["flaky/off"] == 1


async def test_retry_never_goes_past_the_budget(server: FaultServer, waits: list[float]) -> None:
    # Retry-After: 2 is within the cap, but not within a 1 s budget.
    async with build_client(timeout=1.0) as client:
        with pytest.raises(HTTPStatusError):
            await get_json(client, f"{server.url}/retry-after/2")
    assert waits == [], "neither waited for nor retried"
    assert server.state.counts["retry-after"] == 1


async def test_a_connect_error_is_retried_once() -> None:
    # A server restarting: refused at first, listening 50 ms later; the retry comes
    # after 200 ms.
    port = free_port()
    done = threading.Event()

    def restart() -> None:
        time.sleep(0.05)  # back between the first attempt and the retry: time is the scenario
        with serve_faults(port=port):
            done.wait(10)

    thread = threading.Thread(target=restart, daemon=True)
    thread.start()
    try:
        async with build_client(timeout=2.0) as client:
            assert await get_json(client, f"http://127.0.0.1:{port}/json") == {"ok": True}
    finally:
        done.set()
        thread.join(5)


# --------------------------------------------------------------------------- redirects


async def test_cross_host_redirect_is_refused(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/redirect-away")
    message = str(caught.value)
    assert message == (
        "HTTP 302 redirect to http://evil.example/steal?…; redirects are not followed, "
        "configure the final URL"
    )
    assert "hunter2-redirect" not in message
    assert ("GET", "/redirect-away") in server.state.requests
    assert len(server.state.requests) == 1


# --------------------------------------------------------------------------- end to end


_CHECK_WITH_PEAK = MAIN_WITH_PEAK


def test_check_against_a_nested_bomb_keeps_its_deadline_and_memory(
    server: FaultServer, tmp_path: Path
) -> None:
    # Measured before the fix: `check` ran 17.3 s despite a 3 s timeout and peaked at 4.25 GB.
    # The prometheus plugin appends /api/v1/query; the fault server routes on the first
    # path segment, so every query gets the bomb.
    config = tmp_path / "config.toml"
    config.write_text(
        f'[sources.prom]\nplugin = "prometheus"\nurl = "{server.url}/nested-bomb"\n'
        'timeout = "3s"\n'
        '[[sources.prom.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n'
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHECK_WITH_PEAK,
            "check",
            "--format",
            "json",
            "--config",
            str(config),
        ],
        capture_output=True,
        env=env,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    report = json.loads(result.stdout)
    assert result.returncode == 3, result.stderr.decode()
    assert report["sources"][0]["error"] == "response larger than 10 MB"
    assert b"Task was destroyed" not in result.stderr
    assert elapsed < 15  # the 3 s deadline, 5x margin (measured ~1 s with start-up)
    peak_kb = int(result.stderr.decode().rsplit("VmHWM:", 1)[1].split()[0])
    # Before: 4.25 GB. Now the interpreter, httpx and the 10 MB cap (measured 64 MB).
    assert peak_kb < 250 * 1024, f"peak RSS {peak_kb // 1024} MB"
    # The query is sent with its evaluation time (the prometheus plugin's `time=`).
    assert [
        (method, path.split("&time=")[0])
        for method, path in server.state.requests
        if path.startswith("/nested-bomb/")
    ] == [("GET", "/nested-bomb/api/v1/query?query=up")]
