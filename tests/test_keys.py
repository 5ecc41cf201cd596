"""`[keys]`: a rebinding works, shows in the footer and the `?` help; unknown actions,
bad key names and a clash within one screen are config errors with their path, all
through the real `validate`; and the keys ship k9s-like when nothing is rebound.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oncall_tui.core.config.keys import ACTIONS, check_keys
from oncall_tui.core.config.loader import MAX_CONFIG_BYTES
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.textual_compat import screen_lines
from scenario_monitoring import run_cli
from ui_support import T0, make_engine, make_store
from waiting import pilot_until

DEMO = """\
[sources.demo]
plugin = "demo"

[keys]
"""


def _text(app: OncallApp) -> str:
    return "\n".join(screen_lines(app.screen))


def _app(keys: dict[str, str]) -> OncallApp:
    engine = make_engine(make_store("critical"))
    keymap, problems = check_keys(keys)
    assert problems == []
    engine.config.keys = keymap
    return OncallApp(engine, clock=lambda: T0, start_engine=False)


async def test_a_rebinding_works_and_shows_in_help_and_footer() -> None:
    app = _app({"drill": "enter,d", "events": "E", "help": "F1,?"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot_until(pilot, lambda: " E Events" in _text(app), what="the footer's E")
        assert " f1 Keys" in _text(app)
        await pilot.press("f1")
        await pilot_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = app.screen.text  # type: ignore[attr-defined]
        assert "Enter d  Open the selected signal" in help_text
        assert "E  Event timeline" in help_text
        await pilot.press("escape")
        await pilot_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("d")
        await pilot_until(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        await pilot.press("q")  # back, as by default
        await pilot_until(pilot, lambda: not isinstance(app.screen, SignalDetailScreen))
        await pilot.press("e")  # no longer the events key
        await pilot.pause()
        assert app.screen is app.dashboard


async def test_defaults_are_k9s_like() -> None:
    app = _app({})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = app.screen.text  # type: ignore[attr-defined]
    for line in ("j ↓  Down", "k ↑  Up", "g Home  First row", "/  Filter", "Enter  Open"):
        assert line in help_text


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ('worst = "e"', 'keys.worst: "e" is also events (event timeline) on the board screen'),
        ('drill = "enter"\nfilter = "enter"', 'keys.drill: "enter" is also filter'),
        ('explode = "x"', "keys.explode: unknown action; rebindable actions are: back, "),
        ('quit = ""', "keys.quit: expected keys as a string"),
        ("quit = 3", "keys.quit: expected keys as a string"),
        ('quit = "ctrl+c"', "keys.quit: ctrl+c always quits and cannot be rebound"),
        ('quit = "\\u001b[31m"', "keys.quit: '\\\\x1b[31m' is not a key name"),
    ],
    ids=["clash", "two-rebound", "unknown", "empty", "number", "reserved", "escape"],
)
def test_bad_keys_are_config_errors_with_their_path(keys: str, said: str, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(DEMO + keys + "\n")
    result = run_cli(["validate", "--config", str(config)])
    assert result.returncode == 2, result.stdout
    assert said in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr


def test_a_hostile_keys_table_is_bounded(tmp_path: Path) -> None:
    # Thousands of actions, long comma lists, a 100 000-character key: hostile, yet under
    # the cap every config file has, so it is the keys table that has to hold.
    lines = [f'a{i} = "{"x," * 200}"' for i in range(2000)]
    lines += [f'quit = "{"k" * 100_000}"']
    config = tmp_path / "c.toml"
    config.write_text(DEMO + "\n".join(lines) + "\n")
    assert 900_000 < config.stat().st_size <= MAX_CONFIG_BYTES
    started = time.monotonic()
    result = run_cli(["validate", "--config", str(config)])
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    assert "keys.quit: 'kkkk" in result.stderr
    assert len(result.stderr) < 2_000_000


def test_every_action_has_a_binding_with_its_id() -> None:
    """The table and the bindings agree: an id in [keys] rebinds something."""
    from oncall_tui.ui.action_app import ActionApp
    from oncall_tui.ui.screens.dashboard import DashboardScreen
    from oncall_tui.ui.screens.events import EventsScreen
    from oncall_tui.ui.widgets.line_list import LineList
    from oncall_tui.ui.widgets.panel_cursor import PanelCursor

    ids = set()
    for owner in (OncallApp, ActionApp, DashboardScreen, SignalDetailScreen, EventsScreen,
                  LineList, PanelCursor):  # fmt: skip
        for binding in owner.BINDINGS:
            ids.add(getattr(binding, "id", None))
    assert set(ACTIONS) <= ids
