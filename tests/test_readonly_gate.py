"""Read-only below the UI: the engine's HTTP client refuses a write before any byte
is sent, and neither the gate, the config nor the app can undo read-only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.gate import ActionGate, ActionRefused, Effect
from oncall_tui.core.http import ReadOnlyError, client_for, send_json
from oncall_tui.ui.app import OncallApp
from quiet_handler import QuietHandler
from readonly_prober import engine_for
from servers import no_proxy
from servers_http import serve_http

pytestmark = pytest.mark.servers


async def test_read_only_engine_client_refuses_a_post_before_any_io(case: str) -> None:
    requests: list[str] = []

    class Counting(QuietHandler):
        def _answer(self) -> None:
            requests.append(self.command)
            self.send_body(200, b"[]")

        do_GET = do_POST = do_DELETE = _answer

    with no_proxy(), serve_http(Counting) as server:
        engine = engine_for(server.url, case, read_only=True)
        plugin = engine.runners["alerts"].plugin
        assert plugin is not None and plugin.context.read_only
        async with client_for(plugin.config, plugin.context, writes=True) as client:
            with pytest.raises(ReadOnlyError, match="refused before sending"):
                await client.post(f"{server.url}/api/v2/silences", json={})
            with pytest.raises(ReadOnlyError):
                await send_json(client, "DELETE", f"{server.url}/api/v2/silence/x")
            assert requests == [], "not a byte sent"
            await client.get(f"{server.url}/api/v2/alerts")  # reading still works
        assert requests == ["GET"]
        with pytest.raises(ActionRefused):
            await engine.actions.run("alerts", "expire")
        await engine.stop()
    assert requests == ["GET"]


def test_read_only_cannot_be_undone() -> None:
    gate = ActionGate(read_only=True)
    with pytest.raises(AttributeError):
        gate.read_only = False  # type: ignore[misc]
    gate.lock_read_only()
    assert gate.read_only and gate.refusal("writing", Effect.FILE).startswith("read-only:")
    assert gate.refusal("copying", Effect.CLIPBOARD) == "", "the viewer's clipboard is allowed"
    board = ActionGate()
    board.lock_wallboard()
    assert board.read_only and board.refusal("copying", Effect.CLIPBOARD).startswith("wallboard:")
    assert ActionGate().refusal("silence", Effect.REMOTE) == ""
    # Nor by the config: there is no such key.
    with pytest.raises(ConfigError, match="read_only"):
        parse_config('read_only = false\n[sources.d]\nplugin = "demo"\n', Path("."))


async def test_app_read_only_has_no_setter() -> None:
    config = parse_config('[sources.d]\nplugin = "demo"\n', Path("."))
    app = OncallApp(Engine(config), read_only=True, start_engine=False)
    with pytest.raises(AttributeError):
        app.read_only = False  # type: ignore[misc]
    assert app.read_only and app.engine.read_only
    await asyncio.sleep(0)  # not a wait: an async test (the app wants a running loop)
