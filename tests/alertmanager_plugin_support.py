"""What the alertmanager plugin's tests share: a real Alertmanager per module that
inhibits, and the plugin driven through the engine (as the board sees it) or alone.

Every test posting alerts gives them a label `case` of its own and filters on it, so
the tests share one server without seeing each other's alerts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from alertmanager_api import alerts
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_alertmanager import AlertmanagerConfig, AlertmanagerPlugin
from quiet_handler import QuietHandler
from servers import ServerProcess, no_proxy, wait_until
from servers_alertmanager import start_alertmanager

INHIBITING_CONFIG = """\
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
inhibit_rules:
  - source_matchers: ['alertname="Outage"']
    target_matchers: ['alertname="Symptom"']
    equal: ['case']
"""
"""An Outage inhibits the Symptom alerts of the same case."""


@pytest.fixture(scope="module", name="manager")
def inhibiting_manager() -> Iterator[ServerProcess]:
    """The fixture `manager` of a module that imports this one: a real Alertmanager
    whose config inhibits, one per module (tests keep apart by their `case`)."""
    with no_proxy(), start_alertmanager(INHIBITING_CONFIG) as server:
        yield server


def wait_for_state(server: ServerProcess, case: str, count: int, state: str) -> None:
    """Until `count` alerts of `case` are in `state` (silences and inhibitions are
    applied by Alertmanager asynchronously)."""

    def probe() -> bool:
        found = alerts(server, case)
        return sum(1 for alert in found if alert["status"]["state"] == state) >= count

    wait_until(probe, timeout=30, what=f"{count} {state} alerts of case {case}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def engine_for(url: str, **options: Any) -> Engine:
    """An engine with one alertmanager source `alerts`, loaded from TOML like a user's."""
    lines = ["[sources.alerts]", 'plugin = "alertmanager"', f"url = {_toml(url)}", 'timeout = "3s"']
    lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    config = parse_config("\n".join(lines) + "\n", Path("."))
    assert not config.load_errors, config.load_errors
    return Engine(config)


async def board(url: str, **options: Any) -> SignalStore:
    """One collection through the engine and store: sanitised, as the board sees it."""
    engine = engine_for(url, **options)
    try:
        await engine.collect_once()
    finally:
        await engine.stop()
    return engine.store


def named(store: SignalStore) -> dict[str, Signal]:
    signals = {signal.name: signal for signal in store.signals.values()}
    assert len(signals) == len(store.signals), "names should be unique here"
    return signals


@asynccontextmanager
async def plugin_for(
    url: str, *, clock: Callable[[], float] | None = None, **options: Any
) -> AsyncIterator[AlertmanagerPlugin]:
    context = SourceContext(name="alerts", config_dir=Path("."), interval=5.0, timeout=3.0)
    config = AlertmanagerConfig.model_validate({"url": url, **options})
    plugin = AlertmanagerPlugin(config, context, wall_clock=clock or _now)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def _now() -> float:
    return datetime.now(UTC).timestamp()


def recording_proxy(
    target: str, seen: list[tuple[str, dict[str, str]]]
) -> type[BaseHTTPRequestHandler]:
    """A loopback reverse proxy in front of Alertmanager that records every request."""

    class Proxy(QuietHandler):
        def do_GET(self) -> None:
            seen.append((self.path, dict(self.headers)))
            with httpx.Client(trust_env=False, timeout=5) as client:
                upstream = client.get(target + self.path)
            body = upstream.content
            self.send_body(upstream.status_code, body, upstream.headers.get("content-type", ""))

    return Proxy
