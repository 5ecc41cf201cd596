"""textual-serve, made fit for a bastion or a wallboard network.

- The page is our own template: textual-serve's asks Google for the Roboto Mono web
  font, which a network without internet never answers (the browser waits before it
  falls back). Ours loads the same font from textual-serve's own static files.
- Nothing on the page is built from the request's `Host` header: its script and static
  links come from the configured address (root-relative when serving every interface),
  and the web socket's address from the page's own location in the browser.
- The board's web socket is opened only by a page of the served address itself or of
  an origin `[serve] origins` names: a page of any other site, opened in the same
  browser, cannot read the board (browsers send `Origin`; a page cannot forge it).
- At most `[serve] max_sessions` browsers at once (each runs a dashboard process); one
  more is told why on its screen and closed. A browser's size is clamped, so asking for
  10000 x 10000 cells cannot pin a core.
- At start it says where it listens, and says it loudly when that is not loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger("oncall_tui.serve")

TEMPLATES = Path(__file__).with_name("templates")
COLUMNS = (20, 400)
ROWS = (5, 200)
"""A browser's terminal size is clamped to these (cells): a wall of 4K screens is about
400 x 120; 10000 x 10000 would pin a core and take half a gigabyte per session."""
WILDCARDS = {"0.0.0.0", "::", ""}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_message(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if is_loopback(host):
        return (
            f"oncall-tui: serving the board read-only at {url} "
            "(this machine only; --host 0.0.0.0 shares it)"
        )
    return (
        f"oncall-tui: serving the board read-only at {url}\n"
        f"oncall-tui: WARNING: {host} is not loopback: anyone who can reach this machine "
        f"on port {port} can watch the board"
    )


class BoardServer(Server):
    """textual-serve's server with our page, our start message, an origin check, a cap
    on sessions and clamped sizes."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        origins: list[str] | None = None,
        max_sessions: int = 4,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        self.origins = frozenset(origins or ())
        self.max_sessions = max_sessions
        self.sessions = 0

    async def on_startup(self, app: web.Application) -> None:
        print(listen_message(self.host, self.port), flush=True)
        print("oncall-tui: Ctrl+C stops it", flush=True)

    def served_url(self) -> str:
        """The configured address as a URL prefix; "" when serving every interface
        (then links are root-relative: the browser's own address, not a header's)."""
        if self.host in WILDCARDS:
            return ""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        base = self.served_url()
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        context: dict[str, Any] = {
            "font_size": max(6, min(font_size, 64)),
            # Empty: the page builds it from its own location (see the template).
            "app_websocket_url": "ws" + base[4:] + "/ws" if base else "",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def origin_allowed(self, origin: str | None, host_header: str) -> bool:
        """Whether a page of `origin` may open the board. No `Origin` is a program, not
        a browser page (a browser always sends it on a web socket), and is let in."""
        if origin is None:
            return True
        origin = origin.lower()
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme != "http" or parts.hostname is None:
            return False
        try:
            port = parts.port or 80
        except ValueError:
            return False
        if port != self.port:
            return False
        host = parts.hostname
        if is_loopback(host) and (is_loopback(self.host) or self.host in WILDCARDS):
            return True  # this machine, under any of its loopback names
        if self.host in WILDCARDS:
            # Served on every interface, the board has as many addresses as the machine:
            # a page of one of them by IP (no DNS name, so no DNS rebinding) that the
            # browser also sent the request to. A name must be listed in `origins`.
            return _is_ip(host) and host_header.lower() == parts.netloc
        return host == self.host.lower().strip("[]")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's, with the origin check, the session cap, clamped sizes, and
        a browser's malformed message ignored rather than ending its session."""
        origin = request.headers.get("Origin")
        if not self.origin_allowed(origin, request.host):
            log.warning("refused a web socket from origin %r", origin)
            allowed = ", ".join(sorted(self.origins)) or "none"
            raise web.HTTPForbidden(
                text=(
                    f"oncall-tui: a page of {origin} may not open this board "
                    f"(allowed besides the served address: {allowed}; see [serve] origins)\n"
                )
            )
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.sessions >= self.max_sessions:
            await websocket.send_bytes(
                f"oncall-tui: {self.sessions} browsers are watching this board already, "
                f"the most it serves at once ([serve] max_sessions = {self.max_sessions}). "
                "Close one, or raise max_sessions.\r\n".encode()
            )
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"board full")
            return websocket
        self.sessions += 1
        try:
            await self._session(websocket, request)
        finally:
            self.sessions -= 1
        return websocket

    async def _session(self, websocket: web.WebSocketResponse, request: web.Request) -> None:
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))

        async def close() -> None:
            await websocket.close()

        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        try:
            await service.start(width, height)
            async for message in websocket:
                if message.type == WSMsgType.TEXT:
                    await self._message(websocket, service, message.data)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a browser gone mid-write, a process that died
            log.warning("board session ended: %s", error)
        finally:
            await service.stop()

    async def _message(
        self, websocket: web.WebSocketResponse, service: AppService, data: str
    ) -> None:
        try:
            envelope = json.loads(data)
        except ValueError:
            return
        if not isinstance(envelope, list) or not envelope:
            return
        kind, body = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(body, str):
            await service.send_bytes(body.encode("utf-8"))
        elif kind == "resize" and isinstance(body, dict):
            await service.set_terminal_size(*clamp_size(body.get("width"), body.get("height")))
        elif kind == "ping":
            await websocket.send_json(["pong", body])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A browser's terminal size in cells, within `COLUMNS` and `ROWS` (80 x 24 when
    it is not a number)."""
    return _clamp(width, 80, COLUMNS), _clamp(height, 24, ROWS)


def _clamp(value: object, default: int, bounds: tuple[int, int]) -> int:
    try:
        number = int(value) if isinstance(value, int | str) else default
    except ValueError:
        number = default
    return max(bounds[0], min(number, bounds[1]))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def serve(server: BoardServer) -> None:
    """Run `server` until Ctrl+C; a port in use is a message and exit 1."""
    try:
        server.serve()
    except OSError as exc:  # port in use, address not on this machine
        where = f"{server.host}:{server.port}"
        print(f"oncall-tui: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(1) from None
