"""Bastion terminals: the real app in a pseudo-terminal, as SSH would run it, with the
Linux console's TERM and a C locale (ASCII only, 16 colours), with 256 colours and no
COLORTERM (never truecolor), and with NO_COLOR (critical still the most salient);
`--ascii` and `--max-fps` do what they say."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.core.present.words import (
    ASCII,
    GLYPH,
    UNICODE,
    ascii_stand_ins,
    ascii_terminal,
    badge,
    choose_symbols,
    symbols,
)
from oncall_tui.core.signals.model import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.ascii import AsciiFilter, stand_in, to_ascii
from ui_support import T0, make_engine, make_store

DATA = Path(__file__).parent / "data" / "config"
SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


@pytest.fixture
def ascii_symbols() -> Iterator[None]:
    choose_symbols(ascii=True)
    yield
    choose_symbols(ascii=False)


# -- choosing the set ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "linux", "LANG": "en_US.UTF-8"}, True),
        ({"TERM": "xterm-256color", "LANG": "C"}, True),
        ({"TERM": "xterm-256color"}, True),  # no locale at all is the C locale
        ({"TERM": "xterm-256color", "LANG": "en_US.ISO-8859-1"}, True),
        ({"TERM": "xterm-256color", "LANG": "C.UTF-8"}, False),
        ({"TERM": "xterm-256color", "LANG": "de_DE.utf8"}, False),
        ({"TERM": "xterm-256color", "LANG": "C", "LC_ALL": "en_US.UTF-8"}, False),
        ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8", "LC_CTYPE": "C"}, True),
        ({"TERM": "xterm", "LANG": "C", "TEXTUAL_DRIVER": "textual.drivers.web_driver:X"}, False),
    ],
)
def test_ascii_is_chosen_for_the_linux_console_and_non_utf8_locales(
    environ: dict[str, str], expected: bool
) -> None:
    assert ascii_terminal(environ) is expected


def test_choosing_ascii_changes_every_reader(ascii_symbols: None) -> None:
    assert symbols() is ASCII
    assert GLYPH[Status.CRITICAL] == "X" and badge(Status.WARNING) == "! WARN"
    choose_symbols(ascii=False)
    assert symbols() is UNICODE and GLYPH[Status.CRITICAL] == "✖"


def test_every_symbol_has_an_ascii_stand_in_of_the_same_width() -> None:
    table = ascii_stand_ins()
    assert all(value.isascii() and len(value) == 1 for value in table.values())
    for char in "✖▲●◐◓◑◒▁█…\u203a⚠·—○≥≤":
        assert char in table, char
    for text in ("┌─┐│└┘╭╮", "▁▂▃▄▅▆▇█", "payé", "支付网关", "⚡ 🚀", "a\u0301"):
        converted = to_ascii(text)
        assert converted.isascii(), text
        from rich.cells import cell_len

        assert cell_len(converted) == cell_len(text), text
    assert stand_in("─") == "-" and stand_in("│") == "|" and stand_in("┼") == "+"


def test_the_filter_leaves_control_segments_and_ascii_alone() -> None:
    from rich.segment import Segment
    from textual.color import Color

    segments = [Segment("ok"), Segment("✖ crit"), Segment("\x1b[?25l", None, [])]  # type: ignore[list-item]
    out = AsciiFilter().apply(segments, Color(0, 0, 0))
    assert [s.text for s in out] == ["ok", "X crit", "\x1b[?25l"]


# -- NO_COLOR ------------------------------------------------------------------------------


def reversed_video(style: Any) -> bool:
    """Drawn light on dark-reversed: a background lighter than the text."""
    if style.bgcolor is None or style.color is None:
        return False
    back, fore = style.bgcolor.triplet, style.color.triplet
    return sum(back) > sum(fore) + 200


async def test_no_color_keeps_critical_the_most_salient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = OncallApp(
        make_engine(make_store("critical")), clock=lambda: T0, start_engine=False, wallboard=True
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.no_color
        pinned = app.screen.query_one("#wb-pinned")
        styles = {
            status: pinned.get_visual_style(f"wallboard--{status}").rich_style
            for status in ("critical", "unknown", "warning", "ok")
        }
        assert reversed_video(styles["critical"]) and styles["critical"].bold
        assert not any(reversed_video(styles[s]) for s in ("unknown", "warning", "ok"))
        assert styles["unknown"].underline
        word = app.screen.query_one("#wb-word")
        assert reversed_video(word.rich_style), "the big CRITICAL is a light block"
    monkeypatch.delenv("NO_COLOR")
    app = OncallApp(
        make_engine(make_store("critical")), clock=lambda: T0, start_engine=False, wallboard=True
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pinned = app.screen.query_one("#wb-pinned")
        assert not reversed_video(pinned.get_visual_style("wallboard--critical").rich_style)


async def test_no_color_reverses_critical_rows_on_the_dashboard_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = OncallApp(make_engine(make_store("critical")), clock=lambda: T0, start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one("SignalPanel")
        assert reversed_video(panel.get_visual_style("signal-panel--critical").rich_style)
        assert not reversed_video(panel.get_visual_style("signal-panel--warning").rich_style)


# -- pictures --------------------------------------------------------------------------------


def test_ascii_wallboard_picture(snap_compare: Any, ascii_symbols: None, utc: None) -> None:
    app = OncallApp(
        make_engine(make_store("critical")), clock=lambda: T0, start_engine=False, wallboard=True
    )
    assert snap_compare(app, terminal_size=(120, 40))


# -- the real thing, in a pseudo-terminal ----------------------------------------------------


def run_in_pty(
    args: list[str], env: dict[str, str], *, seconds: float = 5.0, size: tuple[int, int] = (120, 40)
) -> tuple[bytes, int | None]:
    """Start oncall-tui on a pty of `size`, read what it draws for `seconds`, press
    ctrl+q; returns the output and the exit code (None if it had to be killed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
    process = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**base, "TZ": "UTC", **env},
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()

    def drain(until: float) -> None:
        while time.monotonic() < until:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                output.extend(chunk)
            elif process.poll() is not None:
                return

    try:
        drain(time.monotonic() + seconds)
        os.write(master, b"\x11")  # ctrl+q
        drain(time.monotonic() + 10)
        try:
            code: int | None = process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
            code = None
    finally:
        os.close(master)
    return bytes(output), code


def colour_params(output: bytes) -> list[str]:
    """Every SGR parameter list that sets a colour."""
    found = []
    for match in SGR.finditer(output):
        params = match.group(1).decode()
        parts = params.replace(":", ";").split(";")
        if any(p in ("38", "48") or (p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107))
               for p in parts):  # fmt: skip
            found.append(params)
    return found


CONFIG = ["--config", str(DATA / "valid.toml")]


@pytest.mark.parametrize("mode", [["--wallboard"], []], ids=["wallboard", "dashboard"])
def test_linux_console_with_c_locale_gets_ascii_and_16_colours(mode: list[str]) -> None:
    output, code = run_in_pty([*mode, *CONFIG], {"TERM": "linux", "LANG": "C"})
    assert code == 0, output[-2000:]
    text = output.decode("ascii", errors="replace")
    assert "READ-ONLY" in text or not mode
    assert max(output) < 0x80, "only ASCII reaches a console without Unicode"
    params = colour_params(output)
    assert params, "still in colour"
    for sgr in params:
        assert "38;2" not in sgr and "48;2" not in sgr and "38;5" not in sgr, sgr


@pytest.mark.parametrize("mode", [["--wallboard"], []], ids=["wallboard", "dashboard"])
def test_no_color_writes_no_colour_code_at_all(mode: list[str]) -> None:
    # Textual's NO_COLOR mode draws in 256-colour greys (38;5;253): still colour.
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_COLOR": "1"}
    output, code = run_in_pty([*mode, *CONFIG], env)
    assert code == 0, output[-2000:]
    assert b"READ-ONLY" in output or not mode
    colours = [
        sgr
        for sgr in colour_params(output)
        if any(part not in ("39", "49") for part in _colour_parts(sgr))
    ]
    assert not colours, colours[:5]


def _colour_parts(sgr: str) -> list[str]:
    def colour(part: str) -> bool:
        number = int(part) if part.isdigit() else -1
        return part in ("38", "48") or 30 <= number <= 49 or 90 <= number <= 107

    return [part for part in sgr.replace(":", ";").split(";") if colour(part)]


def test_256_colours_without_colorterm_is_never_truecolor() -> None:
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    output, code = run_in_pty(["--wallboard", *CONFIG], env)
    assert code == 0
    params = " ".join(colour_params(output))
    assert "38;5;" in params and "38;2;" not in params and "48;2;" not in params
    assert "█".encode() in output, "a UTF-8 locale keeps the Unicode glyphs"
    truecolor, _ = run_in_pty(["--wallboard", *CONFIG], {**env, "COLORTERM": "truecolor"})
    assert b"38;2;" in truecolor or b"48;2;" in truecolor, "the check can tell truecolor"


def test_ascii_can_be_forced_and_refused() -> None:
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    forced, code = run_in_pty(["--ascii", "--wallboard", *CONFIG], env, seconds=4)
    assert code == 0 and max(forced) < 0x80 and b"READ-ONLY" in forced
    refused, _ = run_in_pty(["--no-ascii", "--wallboard", *CONFIG], {"TERM": "linux"}, seconds=4)
    assert "█".encode() in refused


def test_max_fps_reaches_textual() -> None:
    code = (
        "from oncall_tui.cli import build_parser\n"
        "from oncall_tui.commands.dashboard import display_environment\n"
        "display_environment(build_parser().parse_args(['--max-fps', '4']))\n"
        "import textual.screen, textual.constants\n"
        "print(textual.constants.MAX_FPS, textual.screen.UPDATE_PERIOD)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["4", "0.25"], result.stderr


@pytest.mark.parametrize("value", ["0", "fast", "1000"])
def test_max_fps_refuses_nonsense(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    from oncall_tui.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--max-fps", value])
    assert exit_.value.code == 2
    assert "--max-fps" in capsys.readouterr().err


async def test_keys_are_named_not_stood_in_for_on_an_ascii_console(ascii_symbols: None) -> None:
    """The footer said "< Detail" under TERM=linux LANG=C: Enter's "⏎" filtered to "<"."""
    from textual.widgets import Footer

    from ui_support import make_app, make_store

    app = make_app(make_store("critical"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        shown = " ".join(str(key.render()) for key in footer.query("FooterKey"))
    assert "enter Detail" in shown and "<" not in shown
