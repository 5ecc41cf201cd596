"""The CLI contract: exit codes, the check JSON, validate, plugins; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SteadyPlugin
from oncall_cli import run_oncall, serving
from oncall_tui.cli import main
from oncall_tui.core.sources.registry import default_registry

DATA = Path(__file__).parent / "data" / "config"


@pytest.fixture
def steady(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(default_registry._loaded, "steady", SteadyPlugin)


@pytest.mark.parametrize(
    ("value", "code", "status"),
    [(0.1, 0, "ok"), (0.6, 1, "warning"), (0.95, 2, "critical")],
)
def test_check_exit_code_follows_the_worst_status(
    steady: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    value: float,
    code: int,
    status: str,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[sources.s]\nplugin = "steady"\nvalue = {value}\n')
    assert main(["check", "--config", str(config), "--format", "json"]) == code
    assert json.loads(capsys.readouterr().out)["status"] == status


def test_check_reads_its_config_once(
    steady: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugins `check` prepares early and the config it loads come from one read: a
    file edited between two reads could prepare one set of plugins and load another."""
    from oncall_tui.core.config import config_text

    reads: list[Path] = []
    real = config_text.read_named_text

    def counted(path: Path, limit: int) -> str:
        reads.append(path)
        return real(path, limit)

    monkeypatch.setattr(config_text, "read_named_text", counted)
    config = tmp_path / "c.toml"
    config.write_text('[sources.s]\nplugin = "steady"\nvalue = 0.1\n')
    assert main(["check", "--config", str(config)]) == 0
    assert reads == [config]


def test_check_counts_a_failing_source_as_unknown(
    steady: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[sources.s]\nplugin = "steady"\nvalue = 0.95\n'
        '[sources.down]\nplugin = "prometheus"\nurl = "http://127.0.0.1:9"\ntimeout = "2s"\n'
        '[[sources.down.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n'
    )
    # Critical outranks unknown ...
    assert main(["check", "--config", str(config)]) == 2
    out = capsys.readouterr().out
    assert "ERROR" in out and "down (prometheus" in out
    # ... and unknown outranks warning and ok.
    config.write_text(config.read_text().replace("0.95", "0.1"))
    assert main(["check", "--config", str(config), "--format", "json"]) == 3
    document = json.loads(capsys.readouterr().out)
    down = next(s for s in document["sources"] if s["name"] == "down")
    assert down["status"] == "error" and down["error"]


def test_check_json_on_the_demo_is_the_contract() -> None:
    result = run_oncall("check", "--config", str(DATA / "valid.toml"), "--format", "json")
    document = json.loads(result.stdout)
    assert set(document) == {
        "status", "generated_at", "signals", "sources", "causes", "blind_spots"
    }  # fmt: skip
    assert (
        result.returncode
        == {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}[document["status"]]
    )
    assert document["signals"], "the demo yields signals"
    kinds = {s["kind"] for s in document["signals"]}
    assert {"business", "health", "risk_rule", "dependency", "change"} <= kinds
    # A healthy platform has no cause; change markers are ok and never counted.
    assert document["status"] == "ok" and document["causes"] == []
    assert document["blind_spots"] == []
    assert all(s["status"] == "ok" for s in document["signals"] if s["kind"] == "change")
    for signal in document["signals"]:
        # Extensions (early warning): `slo` on SLO signals, `canary` on canary signals.
        assert set(signal) - {"slo", "canary"} == {
            "key", "kind", "name", "status", "value", "unit", "summary", "runbook", "source",
            "labels", "reason", "root",
        }  # fmt: skip
        assert signal["root"] is None  # extension (triage): healthy, nobody's symptom
        assert signal["status"] in {"ok", "warning", "critical", "unknown"}
        assert (signal["reason"] is None) == (signal["status"] != "unknown")
    assert document["sources"] == [
        {
            "name": "demo",
            "plugin": "demo",
            "status": "ok",
            "error": None,
            "duration_ms": document["sources"][0]["duration_ms"],
        }
    ]
    severities = ["critical", "unknown", "warning", "ok"]
    order = [severities.index(s["status"]) for s in document["signals"]]
    assert order == sorted(order), "worst first"


def test_check_text_is_a_readable_table() -> None:
    result = run_oncall("check", "--config", str(DATA / "valid.toml"))
    lines = result.stdout.splitlines()
    assert lines[0].split(":")[0] in {"OK", "WARNING", "CRITICAL", "UNKNOWN"}
    assert any("risk_rule" in line for line in lines)
    assert "sources:" in lines
    assert "\x1b" not in result.stdout


def test_validate_ok_and_four_mistakes() -> None:
    ok = run_oncall("validate", "--config", str(DATA / "valid.toml"))
    assert ok.returncode == 0 and "valid" in ok.stdout
    bad = run_oncall("validate", "--config", str(DATA / "four_mistakes.toml"))
    assert bad.returncode == 2
    assert "4 config problems" in bad.stderr
    for path in (
        "refresh:",
        "sources.prom.queries[0].critical:",
        "queries[0].treshold:",
        "sources.gw.plugin:",
    ):
        assert path in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "fixture",
    [
        "not_toml.toml",
        "wrong_type.toml",
        "extra_key.toml",
        "unknown_plugin.toml",
        "bad_duration.toml",
        "missing_env.toml",
        "missing_plugin_key.toml",
        "plugin_option.toml",
        "does_not_exist.toml",
    ],
)
@pytest.mark.parametrize("command", [["validate"], ["check"], []])
def test_bad_input_is_a_message_and_exit_2(fixture: str, command: list[str]) -> None:
    code = main([*command, "--config", str(DATA / fixture)])
    assert code == 2


def test_bad_config_in_a_subprocess_has_no_traceback() -> None:
    result = run_oncall("--config", str(DATA / "not_toml.toml"))
    assert result.returncode == 2
    assert "invalid TOML" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_plugins_lists_options_with_their_docs() -> None:
    result = run_oncall("plugins")
    assert result.returncode == 0
    for name in ("demo", "host", "prometheus"):
        assert any(line.startswith(f"{name}  (") for line in result.stdout.splitlines())
    assert "services: int = 6" in result.stdout
    assert "queries:" in result.stdout  # nested model options are listed too
    assert "slos:" in result.stdout and "canaries:" in result.stdout
    assert "Fisher's exact test" in result.stdout  # the canary's judge, said
    # A source that cannot judge SLOs or canaries says why, where its options are.
    openmetrics = result.stdout.split("openmetrics  (", 1)[1].split("\n    url:", 1)[0]
    assert "No SLO burn rates or canary verdicts" in openmetrics


def test_version_and_help() -> None:
    assert run_oncall("--version").stdout.startswith("oncall-tui ")
    helptext = run_oncall("--help").stdout
    for word in ("check", "validate", "plugins", "--read-only", "--config"):
        assert word in helptext


def test_config_before_the_sub_command_is_honoured() -> None:
    result = run_oncall("--config", str(DATA / "four_mistakes.toml"), "validate")
    assert result.returncode == 2 and "4 config problems" in result.stderr


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_check_finishes_when_a_plugin_ignores_cancellation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import ForeverStubbornPlugin

    monkeypatch.setitem(default_registry._loaded, "forever", ForeverStubbornPlugin)
    config = tmp_path / "c.toml"
    config.write_text('[sources.f]\nplugin = "forever"\ntimeout = "200ms"\n')
    assert main(["check", "--config", str(config), "--format", "json"]) == 3
    assert json.loads(capsys.readouterr().out)["sources"][0]["error"] == "timed out after 200ms"


def test_check_piped_into_head_has_no_traceback() -> None:
    command = f"{sys.executable} -m oncall_tui check --config {DATA / 'valid.toml'} | head -1"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr


def _into_closed_pipe(args: list[str]) -> subprocess.CompletedProcess[str]:
    """`oncall-tui ARGS` writing into a pipe whose reader went away before a byte was
    written (EPIPE on write), as `| true` can."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "oncall_tui", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_into_a_closed_pipe_keeps_the_status_exit_code(tmp_path: Path, fmt: str) -> None:
    """`check | true`: the reader is gone before the report is written. The exit code
    is what a script reads, so a critical result stays 2, not success."""
    config = tmp_path / "c.toml"
    config.write_text(
        '[sources.c]\nplugin = "command"\nargv = ["sh", "-c", "echo CRITICAL - down; exit 2"]\n'
    )
    result = _into_closed_pipe(["check", "--config", str(config), "--format", fmt])
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["plugins"]])
def test_what_is_written_while_arguments_are_read_survives_a_closed_pipe(
    args: list[str],
) -> None:
    """`oncall-tui --version | true`: `--version` prints while the arguments are read,
    which used to be outside the closed-pipe handling (a BrokenPipeError traceback,
    exit 1)."""
    result = _into_closed_pipe(args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_unknown_theme_is_a_message_and_exit_2() -> None:
    result = run_oncall("--config", str(DATA / "valid.toml"), "--theme", "no-such-theme")
    assert result.returncode == 2
    assert "unknown theme 'no-such-theme'" in result.stderr
    assert "high-contrast" in result.stderr  # the available themes are listed


def test_serve_answers_in_a_browser_read_only(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with log.open("wb") as output, serving(DATA / "valid.toml", stdout=output) as served:
        assert served.page.status_code == 200 and "textual" in served.page.text.lower()
    assert "read-only at http://127.0.0.1:" in log.read_text()
