"""`serve` against what a hostile web page or a crowd of clients would do, through a
real `oncall-tui serve` and real web socket clients: a page of another site cannot read
the board, sessions are capped (the one too many is told why), a browser's size is
clamped, and the page links nothing to the request's `Host` header.

Before: a page of https://evil.example received 35 KB of the board; 12 clients started
12 dashboards (1,029 MiB); 10000 x 10000 cells took 934 MiB in one dashboard; the page's
script came from whatever `Host` said.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from oncall_cli import Served, serving
from waiting import wait_until_async

MiB = 1024 * 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    config = tmp_path / "c.toml"
    config.write_text(
        'title = "board"\n'
        '[serve]\norigins = ["https://wallboard.example.com"]\nmax_sessions = 2\n'
        '[sources.demo]\nplugin = "demo"\nincident = "none"\n'
    )
    with serving(config) as running:
        yield running


async def _session(
    port: int,
    origin: str | None,
    query: str = "width=80&height=24",
    *,
    while_open: Callable[[aiohttp.ClientWebSocketResponse], Awaitable[object]] | None = None,
) -> bytes:
    """What a web socket client with `origin` receives until the board's title shows
    (then `while_open` runs with the socket before it leaves) or the server closes it;
    raises on a refused handshake."""
    headers = {"Origin": origin} if origin else {}
    url = f"http://127.0.0.1:{port}/ws?{query}"
    received = b""
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(url, headers=headers) as socket,
    ):
        deadline = time.monotonic() + 60  # a dashboard starting on a loaded machine
        while time.monotonic() < deadline and b"board" not in received:
            try:
                message = await socket.receive(timeout=deadline - time.monotonic())
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.BINARY:
                return received
            received += message.data
        if while_open is not None:
            await while_open(socket)
    return received


def _dashboards(served: Served) -> list[int]:
    """The dashboard processes `serve` started (children of its shell wrappers)."""
    found = subprocess.run(
        # The python process itself, not the shell textual-serve starts it through.
        ["pgrep", "-s", str(served.process.pid), "-f", "^[^ ]*python[^ ]* -m oncall_tui --read"],
        capture_output=True,
        text=True,
    )
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example"])
def test_a_page_of_another_site_cannot_open_the_board(served: Served, origin: str) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        asyncio.run(_session(served.port, origin))
    assert refused.value.status == 403
    assert not _dashboards(served), "no dashboard was started for it"


@pytest.mark.parametrize(
    "origin",
    [None, "http://127.0.0.1:{port}", "http://localhost:{port}", "https://wallboard.example.com"],
)
def test_the_served_address_and_the_configured_origins_may(
    served: Served, origin: str | None
) -> None:
    origin = origin.format(port=served.port) if origin else None
    assert b"board" in asyncio.run(_session(served.port, origin))


def test_sessions_are_capped_and_the_one_too_many_is_told_why(served: Served) -> None:
    origin = f"http://127.0.0.1:{served.port}"

    async def crowd() -> list[bytes]:
        # Every session, watching or told why (its message says "board" too), stays
        # until all six have been answered, so none leaves a place free meanwhile.
        answered = 0

        async def stay(_: aiohttp.ClientWebSocketResponse) -> None:
            nonlocal answered
            answered += 1
            await wait_until_async(lambda: answered >= 6, 90, what="all six sessions answered")

        return await asyncio.gather(
            *(_session(served.port, origin, while_open=stay) for _ in range(6))
        )

    received = asyncio.run(crowd())
    refused = [r for r in received if b"max_sessions = 2" in r]
    watching = [r for r in received if r not in refused and b"board" in r]
    assert len(watching) == 2 and len(refused) == 4
    assert b"browsers are watching this board already" in refused[0]


REPAINTS = 3
"""Messages the board sends after its title before its peak memory is read."""


def test_a_huge_browser_is_clamped(served: Served) -> None:
    """10000 x 10000 cells (before: one dashboard at 934 MiB and a core pinned)."""
    origin = f"http://127.0.0.1:{served.port}"
    seen: list[tuple[dict[str, str], int]] = []

    async def measure(socket: aiohttp.ClientWebSocketResponse) -> None:
        # A few repaints at the size it was given (the header's clock ticks each
        # second) before the peak is read: counted, not slept for, so that a loaded
        # machine cannot end the wait before the board has drawn anything more.
        for _ in range(REPAINTS):
            message = await socket.receive(timeout=60)
            assert message.type == aiohttp.WSMsgType.BINARY, message
        for pid in _dashboards(served):
            status = Path(f"/proc/{pid}/status").read_text()
            peak = int(status.split("VmHWM:", 1)[1].split()[0]) * 1024
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            sizes = dict(
                item.decode().split("=", 1)
                for item in environ
                if item.startswith((b"COLUMNS=", b"ROWS="))
            )
            seen.append((sizes, peak))

    query = "width=10000&height=10000"
    received = asyncio.run(_session(served.port, origin, query, while_open=measure))
    assert b"board" in received
    assert [sizes for sizes, _ in seen] == [{"COLUMNS": "400", "ROWS": "200"}]
    assert all(peak < 300 * MiB for _, peak in seen), seen


def test_the_page_links_nothing_to_the_host_header(served: Served) -> None:
    async def page() -> str:
        async with (
            aiohttp.ClientSession() as client,
            client.get(
                f"http://127.0.0.1:{served.port}/", headers={"Host": "evil.example:666"}
            ) as answer,
        ):
            return await answer.text()

    text = asyncio.run(page())
    assert "evil.example" not in text
    scripts = re.findall(r'<script src="([^"]*)"', text)
    assert scripts == [f"http://127.0.0.1:{served.port}/static/js/textual.js"]
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in text
