"""`oncall-tui info`, `--version` and `completion`, through the real command: on a pty
and without one, with hostile environments (bounded output, nothing raw reaches the
terminal), and the bash script completing in a real interactive bash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pty_app import PtyApp
from scenario_monitoring import run_cli

BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra)
    return env


def test_version_names_every_plugin() -> None:
    result = run_cli(["--version"])
    assert result.returncode == 0
    first, plugins = result.stdout.splitlines()[:2]
    assert first.startswith("oncall-tui ")
    for name in ("prometheus", "alertmanager", "http", "demo"):
        assert f"{name} " in plugins


def test_info_json_without_a_terminal(tmp_path: Path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path), TERM="xterm-256color", COLORTERM="truecolor")
    env.pop("NO_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "info", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    names = {p["name"]: p for p in document["plugins"]}
    assert names["prometheus"]["version"] and names["prometheus"]["path"]
    assert names["prometheus"]["origin"] == "oncall_tui_prometheus:PrometheusPlugin"
    assert document["paths"]["user_themes"]["path"] == str(tmp_path / "oncall-tui" / "themes")
    assert document["paths"]["config"]["path"] is None  # the demo: no default file
    terminal = document["terminal"]
    assert terminal["attached"]["value"] is False
    assert terminal["truecolor"] == {"value": True, "why": "COLORTERM=truecolor"}


def test_info_on_a_pty_says_why(tmp_path: Path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path), TERM="linux", LANG="C", NO_COLOR="1")
    app = PtyApp([str(BIN / "oncall-tui"), "info"], env, rows=40, cols=200)
    try:
        assert app.wait_exit(60) == 0
        text = app.text
    finally:
        app.close()
    assert "attached        yes" in text
    assert "colours         none       NO_COLOR is set" in text
    assert "unicode         no         TERM=linux, locale C" in text


def test_info_with_a_hostile_environment_is_bounded(tmp_path: Path) -> None:
    hostile = (
        "\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\u202e" + "x" * 100_000
    )  # the kernel refuses one string past 128 KiB
    env = _env(
        TERM=hostile, COLORTERM=hostile, TERM_PROGRAM=hostile, LANG=hostile,
        XDG_CONFIG_HOME=str(tmp_path / ("\x1b[31m" + "d" * 200)),
    )  # fmt: skip
    started = time.monotonic()
    app = PtyApp([str(BIN / "oncall-tui"), "info"], env, rows=40, cols=200)
    try:
        assert app.wait_exit(60) == 0
        raw = app.raw
    finally:
        app.close()
    assert time.monotonic() - started < 30
    assert b"\x1b]52" not in raw and b"\x1b[2J" not in raw and b"\x1b[31m" not in raw
    assert "\u202e".encode() not in raw
    assert len(raw) < 20_000, len(raw)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_generated(shell: str) -> None:
    result = run_cli(["completion", shell])
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for word in ("check", "init", "info", "completion", "--prometheus", "--theme"):
        assert word in script
    assert "_oncall_tui_themes" in script
    if shell == "bash":
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    binary = shutil.which(shell)
    if shell != "bash" and binary:
        assert subprocess.run([binary, "-n"], input=script, text=True).returncode == 0


def _interactive_bash(tmp_path: Path, env_extra: dict[str, str] | None = None) -> PtyApp:
    script = tmp_path / "oncall-tui.bash"
    script.write_text(run_cli(["completion", "bash"]).stdout)
    rc = tmp_path / "bashrc"
    rc.write_text(f"PS1='$ '\nsource {script}\n")
    env = _env(PATH=f"{BIN}:{os.environ['PATH']}", HOME=str(tmp_path), TERM="xterm",
               INPUTRC="/dev/null", **(env_extra or {}))  # fmt: skip
    return PtyApp(["bash", "--rcfile", str(rc), "-i"], env, rows=24, cols=200, cwd=str(tmp_path))


def test_bash_completes_a_subcommand(tmp_path: Path) -> None:
    bash = _interactive_bash(tmp_path)
    try:
        bash.wait_for(lambda screen: "$" in screen, 30, "the prompt")
        bash.send(b"oncall-tui ch\t")
        bash.wait_for(lambda screen: "oncall-tui check " in screen, 30, "check completed")
        bash.send(b"--form\t")
        bash.wait_for(lambda screen: "check --format " in screen, 30, "--format completed")
        bash.send(b"j\t")
        bash.wait_for(lambda screen: "--format json " in screen, 30, "json completed")
    finally:
        bash.close()


def test_bash_completes_themes_without_running_file_names(tmp_path: Path) -> None:
    themes = tmp_path / "cfg" / "oncall-tui" / "themes"
    themes.mkdir(parents=True)
    (themes / "midnight.toml").write_text("")
    (themes / "$(touch PWNED).toml").write_text("")
    bash = _interactive_bash(tmp_path, {"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    try:
        bash.wait_for(lambda screen: "$" in screen, 30, "the prompt")
        bash.send(b"oncall-tui --theme mid\t")
        bash.wait_for(lambda screen: "--theme midnight " in screen, 30, "a user theme")
        bash.send(b"\x15oncall-tui --theme high\t")
        bash.wait_for(lambda screen: "--theme high-contrast " in screen, 30, "a shipped theme")
        bash.send(b"\x15oncall-tui --theme \t\t")
        # The listing shows once the completion ran (and with it any command substitution).
        bash.wait_for(
            lambda screen: "midnight" in screen and "high-contrast" in screen, 30, "the listing"
        )
    finally:
        bash.close()
    assert not (tmp_path / "PWNED").exists()
