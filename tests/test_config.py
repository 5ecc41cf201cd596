"""Config errors: one fixture file per mistake; every problem reported with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.core.config.loader import ConfigError, load_config, parse_config
from oncall_tui.core.sanitize import redactor
from oncall_tui.core.sources.registry import PluginRegistry

DATA = Path(__file__).parent / "data" / "config"


def _problems(name: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(DATA / name)
    return info.value.problems


def test_invalid_toml_names_line_and_column() -> None:
    (problem,) = _problems("not_toml.toml")
    assert "invalid TOML" in problem and "line 2" in problem and "column" in problem


def test_wrong_types() -> None:
    assert _problems("wrong_type.toml") == [
        "title: expected a string, got a list",
        "history: expected a whole number, got 'lots'",
    ]


def test_unknown_key_suggests_the_right_one() -> None:
    assert _problems("extra_key.toml") == ["titel: unknown key (did you mean 'title'?)"]


def test_unknown_plugin_names_the_installed_ones() -> None:
    (problem,) = _problems("unknown_plugin.toml")
    assert problem.startswith("sources.gw.plugin: unknown plugin 'nagios-magic' (installed: ")
    assert "demo" in problem and "prometheus" in problem


def test_bad_durations() -> None:
    assert _problems("bad_duration.toml") == [
        "refresh: expected a duration like '5s' or '300ms', got '5 parsecs'",
        "sources.demo.interval: expected a duration like '5s' or '300ms', got 5",
        "sources.demo.timeout: must be longer than 0s",
    ]


def test_missing_environment_variable_is_named() -> None:
    assert _problems("missing_env.toml") == [
        "sources.demo.incident: environment variable ONCALL_TEST_UNSET_VAR is not set",
    ]


def test_missing_plugin_key() -> None:
    assert _problems("missing_plugin_key.toml") == ["sources.demo.plugin: required key is missing"]


def test_plugin_options_are_validated_by_the_plugin_model() -> None:
    problems = _problems("plugin_option.toml")
    assert "sources.demo.services: expected a whole number, got 'six'" in problems
    assert any(p.startswith("sources.demo.incident: ") and "'meteor'" in p for p in problems)
    assert "sources.demo.sevrices: unknown key (did you mean 'services'?)" in problems
    assert len(problems) == 3


def test_four_mistakes_are_all_reported_with_paths() -> None:
    problems = _problems("four_mistakes.toml")
    assert problems == [
        "refresh: expected a duration like '5s' or '300ms', got '5 seconds'",
        "sources.prom.queries[0].critical: expected a number, got 'high'",
        problems[2],
        problems[3],
    ]
    assert problems[2].startswith("sources.prom.queries[0].treshold: unknown key")
    assert problems[3].startswith("sources.gw.plugin: unknown plugin 'nagios-magic' (installed:")


def test_env_expansion_and_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[sources.demo]\nplugin = "demo"\nincident = "${ONCALL_SECRET_X}"\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text, DATA, environ={"ONCALL_SECRET_X": "hunter2-secret"})
    (problem,) = info.value.problems
    assert "hunter2-secret" not in problem and "***" in problem
    assert redactor.redact("token hunter2-secret") == "token ***"


def test_dollar_dollar_is_a_literal_dollar() -> None:
    config = parse_config(
        'title = "cost $$5 ${WHO}"\n[sources.demo]\nplugin = "demo"\nincident = "${INC}"\n',
        DATA,
        environ={"WHO": "team-a", "INC": "overload"},
    )
    # ${VAR} values are secrets (DESIGN): expanded for the plugin, never shown.
    assert config.title == "cost $5 ***"
    assert getattr(config.sources[0].options, "incident", None) == "overload"


def test_valid_config_and_defaults() -> None:
    config = load_config(DATA / "valid.toml")
    (demo,) = config.sources
    assert (config.title, config.refresh) == ("Credit payments on-call", 2.0)
    assert (demo.name, demo.plugin, demo.interval, demo.timeout) == ("demo", "demo", 2.0, 2.0)
    assert config.config_dir == DATA.resolve()


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert info.value.problems == [f"{tmp_path / 'nope.toml'}: config file not found"]
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "is a directory" in info.value.problems[0]
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError) as info:
        load_config(binary)
    assert "not UTF-8" in info.value.problems[0]


def test_default_path_then_embedded_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    demo = load_config(None)
    assert {s.plugin for s in demo.sources} >= {"demo"}
    user = tmp_path / "oncall-tui" / "config.toml"
    user.parent.mkdir()
    user.write_text('title = "mine"\n[sources.h]\nplugin = "host"\n')
    assert load_config(None).title == "mine"


def test_plugin_that_fails_to_import_is_reported_not_fatal(tmp_path: Path) -> None:
    pkg = tmp_path / "brokenplug"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise ImportError('needs libfoo')\n")
    dist = tmp_path / "brokenplug-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplug\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[oncall_tui.tests.broken]\nbroken = brokenplug:Plugin\n"
    )
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        registry = PluginRegistry(group="oncall_tui.tests.broken")
        config = parse_config('[sources.b]\nplugin = "broken"\n', DATA, registry=registry)
    finally:
        sys.path.remove(str(tmp_path))
    (spec,) = config.sources
    assert "failed to import" in spec.load_error and "needs libfoo" in spec.load_error
    assert config.load_errors[0].startswith("sources.b.plugin: plugin 'broken'")


def test_no_sources_is_an_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('title = "empty"\n', DATA)
    assert info.value.problems == ["sources: no sources configured (add a [sources.<name>] table)"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "sources = 5\n",
            "sources: expected a table",
        ),
        (
            '[sources]\nx = "str"\n[sources.demo]\nplugin = "demo"\nservices = "many"\n',
            "sources.x: expected a table ([sources.x]), got 'str'",
        ),
        (
            '[sources."a/b"]\nplugin = "demo"\n',
            "sources.a/b: source names are letters, digits, '_' and '-' (at most 64)",
        ),
        ("[sources.d]\nplugin = 5\n", "sources.d.plugin: expected a string, got 5"),
        (
            '[sources.d]\nplugin = "demo"\ninterval = "10s"\nmax_age = "3s"\n',
            "sources.d.max_age: must be at least the interval (10s), or every signal flaps"
            " to stale between polls",
        ),
        (
            '[sources.d]\nplugin = "demo"\ninterval = "1ms"\n',
            "sources.d.interval: must be at least 50ms",
        ),
        (
            '[sources.d]\nplugin = "demo"\ninterval = "99999999999s"\n',
            "sources.d.interval: '99999999999s' is longer than a year",
        ),
        ("[[sources]]\nplugin = 'demo'\n", "sources: expected a table"),
    ],
)
def test_odd_shapes_are_clear_problems(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, DATA)
    assert any(p.startswith(problem) for p in info.value.problems), info.value.problems


def test_one_bad_source_does_not_hide_the_others() -> None:
    text = '[sources]\nx = "str"\n[sources.demo]\nplugin = "demo"\nservices = "many"\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text, DATA)
    assert len(info.value.problems) == 2


def test_literal_header_values_and_url_passwords_become_secrets() -> None:
    parse_config(
        '[sources.p]\nplugin = "prometheus"\nurl = "http://bob:pa55word-x@127.0.0.1:9"\n'
        'headers = { Authorization = "Bearer literal-token-123" }\n'
        '[[sources.p.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n',
        DATA,
    )
    assert redactor.redact("echo: Bearer literal-token-123") == "echo: ***"
    assert redactor.redact("got literal-token-123 and pa55word-x") == "got *** and ***"


def test_the_title_is_sanitised_once_at_load() -> None:
    # It reaches the terminal as the window title too: no escape sequence may pass.
    config = parse_config(
        'title = "pay\\u001b]0;owned\\u0007"\n[sources.demo]\nplugin = "demo"\n', DATA
    )
    assert config.title == "pay\\x1b]0;owned\\x07"


def test_triage_and_wallboard_keys_are_read() -> None:
    text = """
bell = true
change_window = "30m"
[topology]
"jiebei-loan" = ["credit-bureau", "sms-otp"]
[wallboard]
pages = ["overview", "alert"]
dwell = "10s"
[sources.demo]
plugin = "demo"
"""
    config = parse_config(text, Path("."))
    assert config.bell is True and config.change_window == 1800.0
    assert config.topology == {"jiebei-loan": ["credit-bureau", "sms-otp"]}
    assert config.wallboard.pages == ["overview", "alert"] and config.wallboard.dwell == 10.0


def test_unknown_wallboard_page_is_a_config_error() -> None:
    text = '[wallboard]\npages = ["overveiw"]\n[sources.demo]\nplugin = "demo"\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("."))
    assert caught.value.problems[0].startswith("wallboard.pages[0]:")
