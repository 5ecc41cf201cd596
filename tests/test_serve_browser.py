"""`oncall-tui serve` in a real browser with no internet: Debian's headless Chromium,
every host but loopback unresolvable and every proxied request sent to a closed port,
loads the page; the board's text is read from the page's terminal through the DevTools
protocol, and no request left loopback (the web font included)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from oncall_cli import serving, stop_session
from servers import free_port
from waiting import WaitTimeout, wait_until, wait_until_async

DATA = Path(__file__).parent / "data" / "config"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (scripts/test installs it with apt-get)",
)

CAPTURE_TERMINAL = """
// The page's xterm.js terminal is a local of textual-serve's script; keep a
// reference when it is assigned, so its buffer (what is on screen) can be read.
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.loadAddon) { window.__oncallTerminal = value; }
  },
});
"""

READ_TERMINAL = """
(() => {
  const terminal = window.__oncallTerminal;
  if (!terminal) { return ""; }
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (line) { lines.push(line.translateToString(true)); }
  }
  return lines.join("\\n");
})()
"""


@pytest.fixture
def server() -> Iterator[int]:
    with serving(DATA / "valid.toml") as served:
        yield served.port


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """Headless Chromium with the network cut off but for loopback; yields the
    DevTools port."""
    assert CHROMIUM is not None
    closed = free_port()  # nothing listens there: a proxied request fails at once
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{closed}",
            "--proxy-bypass-list=<-loopback>;127.0.0.1",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1600,1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        active = profile / "DevToolsActivePort"

        def listening() -> str:
            assert process.poll() is None, f"chromium exited ({process.returncode})"
            return active.exists() and active.read_text().strip()

        yield int(wait_until(listening, what="chromium's DevTools port").split()[0])
    finally:
        stop_session(process)


class DevTools:
    """The smallest DevTools-protocol client: commands, and every event kept."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self.socket.send_str(
            json.dumps({"id": self._next, "method": method, "params": params})
        )
        reply = await asyncio.wait_for(future, 30)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply["result"].get("value")

    def close(self) -> None:
        self._reader.cancel()


async def test_the_board_in_a_browser_without_internet(
    server: int, chromium: int, tmp_path: Path
) -> None:
    async with aiohttp.ClientSession(trust_env=False) as http:
        async with http.get(f"http://127.0.0.1:{chromium}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket:
            tools = DevTools(socket)
            try:
                await tools.send("Network.enable")
                await tools.send("Page.enable")
                await tools.send("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL)
                url = f"http://127.0.0.1:{server}/"
                await tools.send("Page.navigate", url=url)
                text = ""

                async def board_drawn() -> bool:
                    nonlocal text
                    text = await tools.evaluate(READ_TERMINAL) or ""
                    return "READ-ONLY" in text and "Risk rules" in text and "? Keys" in text

                with contextlib.suppress(WaitTimeout):  # the asserts below say more
                    await wait_until_async(board_drawn, 60, what="the board in the browser")
                shot = await tools.send("Page.captureScreenshot", format="png")
                (tmp_path / "board.png").write_bytes(base64.b64decode(shot["data"]))
                font = await tools.evaluate(
                    "document.fonts.check('16px \"Roboto Mono\"') && "
                    "[...document.fonts].some(f => f.status === 'loaded')"
                )
            finally:
                tools.close()

    assert "READ-ONLY" in text, f"the board never appeared in the page:\n{text[:2000]}"
    assert "Credit payments" in text or "oncall" in text.lower()
    assert "Health" in text and "Dependencies" in text
    # The footer's keys: a page without focus (headless, or a tab in the background)
    # left the row blank (Textual lays its keys out only while the app has focus).
    assert "? Keys" in text.rstrip().splitlines()[-1], text[-400:]
    urls = [e["params"]["request"]["url"] for e in tools.events
            if e["method"] == "Network.requestWillBeSent"]  # fmt: skip
    urls += [e["params"]["url"] for e in tools.events if e["method"] == "Network.webSocketCreated"]
    outside = [u for u in urls if urlsplit(u).scheme not in ("data", "blob", "about")
               and urlsplit(u).hostname not in ("127.0.0.1", "localhost")]  # fmt: skip
    assert outside == [], "requests left loopback"
    assert any(u.startswith("ws://127.0.0.1") for u in urls), "the board came over the websocket"
    assert any("fonts/RobotoMono" in u for u in urls), "the font was asked for, locally"
    failed = [e["params"] for e in tools.events if e["method"] == "Network.loadingFailed"]
    assert not [f for f in failed if f.get("type") in ("Font", "Stylesheet", "Script")], failed
    assert font, "the page's font loaded from loopback"
