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
