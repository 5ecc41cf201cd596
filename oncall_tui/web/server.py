"""textual-serve, made fit for a bastion or a wallboard network.

- The page is our own template: textual-serve's asks Google for the Roboto Mono web
  font, which a network without internet never answers (the browser waits before it
  falls back). Ours loads the same font from textual-serve's own static files.
- Links on the page are built from the address the browser used, so a board served
  with `--host 0.0.0.0` works from another machine (textual-serve would send the
  browser to `ws://0.0.0.0:8000`).
- At start it says where it listens, and says it loudly when that is not loopback.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

TEMPLATES = Path(__file__).with_name("templates")


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
    """textual-serve's server with our page and our start message."""

    def __init__(self, command: str, *, host: str, port: int, title: str) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)

    async def on_startup(self, app: web.Application) -> None:
        print(listen_message(self.host, self.port), flush=True)
        print("oncall-tui: Ctrl+C stops it", flush=True)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        base = f"{request.scheme}://{request.host}"
        websocket = ("wss" if request.scheme == "https" else "ws") + f"://{request.host}/ws"
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        context: dict[str, Any] = {
            "font_size": max(6, min(font_size, 64)),
            "app_websocket_url": websocket,
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)


def serve(command: str, *, host: str, port: int, title: str) -> None:
    try:
        BoardServer(command, host=host, port=port, title=title).serve()
    except OSError as exc:  # port in use, address not on this machine
        print(f"oncall-tui: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(1) from None
