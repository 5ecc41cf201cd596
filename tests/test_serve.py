"""`serve` without a browser: what it says at start, and what `--help` documents."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "textual_serve", reason="`oncall-tui serve` needs the serve extra: pip install '.[serve]'"
)

from oncall_tui.cli import build_parser, main
from oncall_tui.web.server import is_loopback, listen_message


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("board.example", False)],
)  # fmt: skip
def test_loopback_is_said_and_anything_else_is_warned_about(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    message = listen_message(host, 8000)
    assert "read-only" in message
    assert ("WARNING" in message) is not loopback


def test_host_and_port_are_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--host HOST" in out and "127.0.0.1" in out and "--port PORT" in out


def test_serve_passes_the_board_options_on() -> None:
    args = build_parser().parse_args(["serve", "--wallboard", "--theme", "light", "--port", "9"])
    assert (args.wallboard, args.theme, args.port, args.host) == (True, "light", 9, "127.0.0.1")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--port", "70000"])


@pytest.mark.parametrize(
    ("host", "origin", "host_header", "allowed"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("127.0.0.1", "http://localhost:8000", "localhost:8000", True),
        ("127.0.0.1", "http://[::1]:8000", "[::1]:8000", True),
        ("127.0.0.1", "http://127.0.0.1:9000", "127.0.0.1:8000", False),  # another port
        ("127.0.0.1", "https://evil.example", "127.0.0.1:8000", False),
        ("127.0.0.1", "http://evil.example:8000", "evil.example:8000", False),  # rebinding
        ("127.0.0.1", "null", "127.0.0.1:8000", False),  # a sandboxed frame or a file
        ("127.0.0.1", "https://wallboard.example.com", "127.0.0.1:8000", True),  # listed
        ("127.0.0.1", None, "127.0.0.1:8000", True),  # no browser page: a program
        ("0.0.0.0", "http://10.0.0.5:8000", "10.0.0.5:8000", True),
        ("0.0.0.0", "http://10.0.0.5:8000", "10.0.0.6:8000", False),
        ("0.0.0.0", "http://board.lan:8000", "board.lan:8000", False),  # a name: list it
        ("0.0.0.0", "http://localhost:8000", "localhost:8000", True),
        ("board.lan", "http://board.lan:8000", "board.lan:8000", True),
        ("board.lan", "http://other.lan:8000", "board.lan:8000", False),
    ],
)  # fmt: skip
def test_which_pages_may_open_the_board(
    host: str, origin: str | None, host_header: str, allowed: bool
) -> None:
    from oncall_tui.web.server import BoardServer

    server = BoardServer(
        "true", host=host, port=8000, title="t", origins=["https://wallboard.example.com"]
    )
    assert server.origin_allowed(origin, host_header) is allowed


def test_a_browsers_size_is_clamped() -> None:
    from oncall_tui.web.server import clamp_size

    assert clamp_size("10000", "10000") == (400, 200)
    assert clamp_size("-5", "x") == (20, 24)
    assert clamp_size(None, 3.5) == (80, 24)
    assert clamp_size(120, 40) == (120, 40)
