"""Files named by a person, made hostile: FIFOs, `/dev/zero`, nesting, escapes in names.

Through the real entry points (`validate`, `check`, `timeline`, the dashboard in a
pty), each with its bound: seconds to the answer (5x what was measured here on a
loaded 2-core machine), the process's own peak RSS, and the raw bytes that reach the
terminal. Before: a FIFO config or theme hung `validate` and the dashboard forever, a
config or theme symlinked to /dev/zero grew to 6.5-7.8 GB in 15 s, a config nested
500 deep ended in a RecursionError traceback, and a theme file's name or a TOML key
carried a complete OSC 52 / OSC 0 to stderr and to the dashboard's toast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from measured import run_measured
from oncall_cli import proxy_free_env
from pty_app import PtyApp

SECONDS = 15.0
"""`validate` answers in ~1.3 s here under load (start-up included): 5x, and more."""
PEAK_MIB = 150.0
"""`validate` peaks at ~35-40 MiB; a file read whole from /dev/zero passed 6 GB."""
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
OSC0 = "\x1b]0;pwned\x07"
DEMO = '[sources.demo]\nplugin = "demo"\nservices = 2\nrules = 2\ndependencies = 1\n'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "oncall-tui" / "themes").mkdir(parents=True)
    return tmp_path


def _env(home: Path) -> dict[str, str]:
    return proxy_free_env(HOME=str(home), XDG_CONFIG_HOME=str(home), TERM="xterm-256color")


def _hostile(path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        raise AssertionError(kind)
    return path


WORDS = {"fifo": "is a FIFO (named pipe), not a regular file", "dev-zero": "is a character device"}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", ["validate", "check"])
def test_a_config_that_is_no_regular_file_is_refused_at_once(
    home: Path, kind: str, command: str
) -> None:
    config = _hostile(home / "config.toml", kind)
    run = run_measured(command, "--config", str(config), env=_env(home))
    assert run.code == 2, run.stderr
    assert f"{config}: {WORDS[kind]}" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < SECONDS, f"took {run.seconds:.1f} s"
    assert run.peak_mib < PEAK_MIB, f"peak {run.peak_mib:.0f} MiB"


def test_a_config_over_its_size_cap_is_refused_unread(home: Path) -> None:
    config = home / "config.toml"
    config.write_text(DEMO + "# padding\n" * 200_000)  # 2 MB of comments
    run = run_measured("validate", "--config", str(config), env=_env(home))
    assert run.code == 2
    assert f"{config}: is larger than 1 MiB" in run.stderr


@pytest.mark.parametrize("shape", ["arrays", "tables"])
def test_a_config_nested_500_deep_is_a_config_error(home: Path, shape: str) -> None:
    config = home / "config.toml"
    depth = 500
    value = "[" * depth + "]" * depth if shape == "arrays" else "{a = " * depth + "1" + "}" * depth
    config.write_text(f"{DEMO}x = {value}\n")
    run = run_measured("validate", "--config", str(config), env=_env(home))
    assert run.code == 2
    assert "Traceback" not in run.stderr and "RecursionError" not in run.stderr
    assert f"{config}: nested deeper than 64 levels" in run.stderr
    assert run.seconds < SECONDS


def _hostile_theme_folder(home: Path) -> Path:
    themes = home / "oncall-tui" / "themes"
    _hostile(themes / "piped.toml", "fifo")
    _hostile(themes / "zero.toml", "dev-zero")
    (themes / f"evil{OSC52}.toml").write_text('primary = "#ffffff"\n')
    (themes / "keys.toml").write_text('primary = "#ffffff"\n"\\u001b]0;pwned\\u0007" = 1\n')
    config = home / "config.toml"
    config.write_text(DEMO)
    return config


def test_validate_reports_hostile_themes_escaped_and_bounded(home: Path) -> None:
    config = _hostile_theme_folder(home)
    run = run_measured("validate", "--config", str(config), env=_env(home))
    assert run.code == 0, run.stderr  # a broken theme is a warning: the config is fine
    assert run.seconds < SECONDS, f"took {run.seconds:.1f} s"
    assert run.peak_mib < PEAK_MIB, f"peak {run.peak_mib:.0f} MiB"
    for output in (run.stdout, run.stderr):
        assert "\x1b" not in output and "\x07" not in output, repr(output)
    assert "piped.toml: is a FIFO (named pipe), not a regular file" in run.stderr
    assert "zero.toml: is a character device, not a regular file" in run.stderr
    assert "evil\\x1b]52;c;cHduZWQ=\\x07.toml: theme names are" in run.stderr
    assert "keys.toml: \\x1b]0;pwned\\x07: unknown key" in run.stderr


def test_config_keys_reach_stderr_escaped(home: Path) -> None:
    config = home / "config.toml"
    config.write_text(
        f'"\\u001b]52;c;cHduZWQ=\\u0007" = 1\n{DEMO}"\\u001b[2J\\u001b]0;pwned\\u0007" = 3\n'
    )
    run = run_measured("validate", "--config", str(config), env=_env(home))
    assert run.code == 2
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr, repr(run.stderr)
    assert "\\x1b]52;c;cHduZWQ=\\x07: unknown key" in run.stderr
    assert "sources.demo.\\x1b[2J\\x1b]0;pwned\\x07: unknown key" in run.stderr


def test_the_dashboard_starts_past_hostile_themes_and_toasts_them_escaped(
    home: Path, pty_apps: list[PtyApp]
) -> None:
    """Before: the dashboard never drew (the FIFO theme's open waited for a writer).

    The problems are notices, shown on the notice line under the header (toasts are
    hidden); the line shows the newest, and none of them writes its file's name raw."""
    config = _hostile_theme_folder(home)
    app = PtyApp([sys.executable, "-m", "oncall_tui", "--config", str(config)], _env(home))
    pty_apps.append(app)

    # Which theme, as far as the row has room (a long temporary path is cut with "…").
    notice = f"Theme not loaded: {home / 'oncall-tui' / 'themes'}/"[:90]

    def on_notice_line(_: str) -> bool:
        # The cause area: the one or two rows under the header.
        return any(notice in row for row in app.screen.splitlines()[1:3])

    app.wait_for(on_notice_line, 60, "the theme notice on the notice line")
    app.wait_for(lambda text: "Health" in text, 60, "the board")
    app.send(b"\x11")
    assert app.wait_exit(10) is not None, "ctrl+q did not end the app"
    raw = app.raw
    assert OSC52.encode() not in raw and OSC0.encode() not in raw
    assert b"\x1b]52" not in raw and b"\x1b]0;" not in raw
    assert b"Traceback" not in raw


def test_a_recording_that_is_a_fifo_is_refused(home: Path) -> None:
    recording = _hostile(home / "incident.jsonl", "fifo")
    run = run_measured("timeline", str(recording), env=_env(home))
    assert run.code == 2
    assert f"{recording}: is a FIFO (named pipe), not a regular file" in run.stderr
    assert run.seconds < SECONDS


@pytest.mark.parametrize("key", ["bearer_token_file", "ca_file"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_token_and_ca_files_that_are_no_regular_files_are_config_errors(
    home: Path, key: str, kind: str
) -> None:
    target = _hostile(home / "secret", kind)
    config = home / "config.toml"
    config.write_text(
        f'[sources.h]\nplugin = "http"\nurl = "https://127.0.0.1:9/health"\n{key} = "{target}"\n'
    )
    run = run_measured("check", "--config", str(config), env=_env(home))
    assert run.code == 2
    assert f"sources.h.{key}: not a regular file: {target}" in run.stderr
    assert run.seconds < SECONDS


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_token_file_swapped_for_a_fifo_after_validation_fails_its_source(
    tmp_path: Path, kind: str
) -> None:
    """The reader, not only the validator: a file replaced between the two."""
    from oncall_tui.core.http.options import _read_token
    from oncall_tui.core.sources.errors import SourceError

    target = _hostile(tmp_path / "token", kind)
    with pytest.raises(SourceError, match="not a regular file"):
        _read_token(target)
