"""Sources that answer with a lot, against the real dashboard in a pty: does the screen
keep answering keys while they are collected every second?

A loopback Alertmanager with 27,000 firing alerts (10 MB of API v2 JSON, under the
HTTP cap) and a /metrics endpoint of 50,000 series read with `max_series = 100000`.
Before, each collection held the event loop: 27,000 alerts 2.4-4.1 s at a time,
50,000 series 0.65 s and more, so a key waited that long. Now parsing and picking run on the
source's own thread and the store takes the readings in slices: a key is answered in
the time measured below, with the machine this loaded.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_faults import LagProbe
from oncall_cli import proxy_free_env
from pty_app import PtyApp
from servers_http import HTTPTestServer, serve_body, start_bulk_exporter
from waiting import wait_until, wait_until_async

KEY_SECONDS = 16.0
"""Worst of five `?`/Esc round trips while collecting: measured 2.6-3.2 s here at load
25-35 (medians 0.7-0.8 s); the old code measured 6.5-6.6 s (medians 0.9-1.5 s) in the
same minutes. 5x the measured worst: on this machine's load it guards against a board
that stops answering, not against the old stalls, which the next test measures in CPU
time instead."""
ALERTS = 27_000


def _alert(index: int) -> dict[str, object]:
    return {
        "labels": {
            "alertname": f"HighErrors{index}",
            "service": f"svc-{index}",
            "severity": "critical" if index % 3 == 0 else "warning",
            "instance": f"10.0.{index // 256}.{index % 256}:9100",
        },
        "annotations": {"summary": f"svc-{index} errors"},
        "startsAt": "2026-12-06T10:00:00Z",
        "endsAt": "2031-01-01T00:00:00Z",
        "updatedAt": "2026-12-06T10:00:00Z",
        "fingerprint": f"{index:016x}",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }


@pytest.fixture(scope="module")
def alertmanager() -> Iterator[HTTPTestServer]:
    """An Alertmanager's API v2 answering 27,000 firing alerts, rendered once."""
    body = json.dumps([_alert(index) for index in range(ALERTS)]).encode()
    with serve_body(body, "application/json") as server:
        yield server


@pytest.fixture(scope="module")
def exporter() -> Iterator[HTTPTestServer]:
    with start_bulk_exporter(50_000) as server:
        yield server


def _key_round_trips(app: PtyApp, count: int = 5) -> list[float]:
    took = []
    for _ in range(count):
        shown = app.text.count("Esc closes")
        began = time.monotonic()
        app.send(b"?")
        app.wait_for(lambda text, n=shown: text.count("Esc closes") > n, 60, "the help screen")
        took.append(time.monotonic() - began)
        app.send(b"\x1b")
        # Closed before the next `?`: sent sooner, ESC and `?` would read as one key.
        wait_until(lambda: "Esc closes" not in app.screen, 60, what="the help screen to close")
    return took


def _board(tmp_path: Path, source: str) -> PtyApp:
    config = tmp_path / "config.toml"
    config.write_text(f'title = "bulk test"\n{source}')
    env = proxy_free_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), TERM="xterm-256color")
    return PtyApp([sys.executable, "-m", "oncall_tui", "--config", str(config)], env)


@pytest.mark.parametrize("plugin", ["alertmanager", "openmetrics"])
def test_keys_are_answered_while_a_huge_source_is_collected(
    tmp_path: Path,
    alertmanager: HTTPTestServer,
    exporter: HTTPTestServer,
    plugin: str,
) -> None:
    every = 'interval = "1s"\ntimeout = "10s"\n'
    if plugin == "alertmanager":
        source = f'[sources.am]\nplugin = "alertmanager"\nurl = "{alertmanager.url}"\n{every}'
        shown = "HighErrors"
    else:
        source = (
            f'[sources.om]\nplugin = "openmetrics"\nurl = "{exporter.url}/metrics"\n{every}'
            '[[sources.om.metrics]]\nname = "series {s}"\nmetric = "bulk_series"\n'
            "max_series = 100000\n"
        )
        shown = "series 0"
    app = _board(tmp_path, source)
    try:
        app.wait_for(lambda text: shown in text, 120, f"the {plugin} signals on the board")
        took = _key_round_trips(app)
        print(plugin, "key round trips (s):", [round(t, 2) for t in took])
        assert max(took) < KEY_SECONDS, f"keys took {[round(t, 2) for t in took]} s"
        app.send(b"\x11")
        assert app.wait_exit(30) is not None
    finally:
        app.close()


async def _loop_cpu_chunks(config: Path, collections: int) -> float:
    """The engine on `config` until its source finished `collections`: the longest
    stretch of CPU time the event loop's thread spent without yielding to a probe that
    wakes every 5 ms, from the end of the first collection on (the steady state a
    wallboard lives in: the first one also builds the TLS context and creates every
    signal). CPU time, not wall time: a shared machine deschedules the process for
    hundreds of ms, which says nothing of the engine."""
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine

    engine = Engine(load_config(config))
    runner = engine.runners[next(iter(engine.runners))]
    probe = LagProbe()
    probe.start()
    engine.start()
    try:
        await wait_until_async(lambda: runner.collections >= 1, 120, what="a first collection")
        first = len(probe.stretches)
        await wait_until_async(
            lambda: runner.collections >= collections, 120, what=f"{collections} collections"
        )
    finally:
        await engine.stop()
        await probe.stop()
    return max(probe.stretches[first:], default=0.0)


LOOP_CPU_SECONDS = 0.6
"""Longest CPU stretch of the loop while 27,000 alerts are collected every second, past
the first collection (answer parsed on the source's thread, taken into the store in
slices): measured 0.052-0.095 s over 3 collections at load 11-17 with four more busy
loops, 0.10-0.12 s over 7-8 collections at load 3 after the store's incremental
changes; 5x the worst. The code before the parse left the loop (2ec49a2^) measured
0.95-1.42 s in the same minutes as the first figures, every collection parsed and
applied on the loop: 8x the new worst, 1.6x the bound. (A key's wall latency in a pty
cannot tell the two apart on this machine.)"""


async def test_the_event_loop_never_runs_long_while_27000_alerts_are_collected(
    tmp_path: Path, alertmanager: HTTPTestServer
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[sources.am]\nplugin = "alertmanager"\nurl = "{alertmanager.url}"\n'
        'interval = "1s"\ntimeout = "10s"\n'
    )
    worst = await _loop_cpu_chunks(config, 3)
    assert worst < LOOP_CPU_SECONDS, f"the loop ran {worst:.3f} s of CPU without yielding"
