"""Read-only holds against everything the UI can do, found from the classes themselves.

Nothing here lists keys or commands by hand. The test walks `oncall_tui.ui` for every
Screen class, shows each (the way a user reaches it where there is one, else built
from its constructor's parameter names), and on each fires: every key of every binding
of the app, the screen and every widget on it (Pilot), every `action_*` method of
those classes (`app.run_action`, with arguments made up from the signature), every
system command (the app's, and Textual's own, which the app may hide) and every hit of
the app's command providers (through the gated palette), every footer key by mouse,
and markup links. Then it proves nothing changed outside the process: the real
Alertmanager holds no new silence and its existing one is still active, no file
appeared in the working directory or the home directory (both temporary), no browser
was asked to open, and the read-only engine's HTTP client refuses a POST before any
byte is sent. The same probes run once in a writable app to show they do see writes.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Any

import pytest
from textual.driver import Driver
from textual.screen import Screen

from alertmanager_api import post_alerts, post_silence, silences
from oncall_tui.ui import silencing
from oncall_tui.ui.screens.silences import SilenceListScreen
from readonly_prober import ProbeApp, Prober, engine_for, first_alert, notes
from servers import ServerProcess
from ui_discovery import build_screen, screen_classes
from waiting import pilot_until

pytestmark = pytest.mark.servers

SIZE = (160, 50)


class World:
    """What the probes watch: the directories a write would land in, the browser."""

    def __init__(self, cwd: Path, home: Path) -> None:
        self.cwd = cwd
        self.home = home
        self.browsed: list[str] = []

    def files(self) -> list[Path]:
        return sorted(p for root in (self.cwd, self.home) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    (home / "Downloads").mkdir(parents=True)  # where Textual delivers a screenshot
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_DOWNLOAD_DIR", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER", "probe")
    seen = World(cwd, home)

    def browse(url: str, *args: object, **kwargs: object) -> bool:
        seen.browsed.append(url)
        return True

    for name in ("open", "open_new", "open_new_tab"):
        monkeypatch.setattr(webbrowser, name, browse)
    original = Driver.open_url

    def driver_open(self: Driver, url: str, new_tab: bool = True) -> None:
        seen.browsed.append(url)
        original(self, url, new_tab)

    monkeypatch.setattr(Driver, "open_url", driver_open)
    return seen


def post_alert(server: ServerProcess, case: str) -> None:
    labels = {"alertname": "LedgerDown", "severity": "critical", "service": "ledger"}
    post_alerts(
        server,
        case,
        {"labels": labels, "annotations": {"runbook_url": "https://runbooks.example.com/l"}},
    )


def silence_states(server: ServerProcess, case: str) -> list[tuple[str, str]]:
    """(id, state) of every silence naming `case`."""
    return sorted((item["id"], item["status"]["state"]) for item in silences(server, case))


async def test_nothing_fired_on_any_screen_mutates_in_read_only(
    manager: ServerProcess, case: str, world: World
) -> None:
    post_alert(manager, case)
    existing = post_silence(manager, case)
    engine = engine_for(manager.url, case, read_only=False)  # the app's flag must win
    app = ProbeApp(engine, read_only=True)
    classes = [cls for cls in screen_classes() if cls.__name__ != "WallboardScreen"]
    assert len(classes) >= 5, classes
    fired: dict[str, tuple[int, int]] = {}
    done: set[str] = set()
    totals: dict[str, set[str]] = {"key": set(), "action": set(), "command": set()}
    async with app.run_test(size=SIZE) as pilot:
        key = await first_alert(pilot, app)
        assert engine.read_only and app.read_only
        dashboard = app.screen

        for cls in classes:

            async def make(cls: type[Screen[Any]] = cls) -> Screen[Any]:
                while len(app.screen_stack) > 1:
                    app.pop_screen()
                    await pilot.pause()
                if isinstance(dashboard, cls):
                    return dashboard
                if cls is SilenceListScreen:  # the way a user gets there: S
                    silencing.show_silences(app, engine)
                else:
                    await app.push_screen(build_screen(cls, app, key))
                await pilot.pause()
                assert isinstance(app.screen, cls)
                return app.screen

            prober = Prober(pilot, app, make, done)
            await prober.everything()
            fired[cls.__name__] = (len(prober.fired["key"]), len(prober.fired["command"]))
            for kind, names in prober.fired.items():
                totals[kind] |= names

    assert all(keys and commands for keys, commands in fired.values()), fired
    # The discovery found what matters (so "nothing happened" means something).
    assert {"ProbeApp:s", "ProbeApp:S", "SilenceListScreen:x"} <= totals["key"]
    assert {"ProbeApp.silence", "ProbeApp.screenshot", "SilenceListScreen.expire"} <= totals[
        "action"
    ]
    assert "Screenshot" in totals["command"]
    said = notes(app)
    assert any(n.startswith("read-only: silence is disabled") for n in said)
    assert any(n.startswith("read-only: expire is disabled") for n in said)
    assert any(n.startswith("read-only: saving a screenshot is disabled") for n in said)

    # Nothing changed outside the process.
    assert silence_states(manager, case) == [(existing, "active")]
    assert world.files() == []
    assert world.browsed == []
    assert app.quits > 0  # q and ctrl+q were fired too


async def test_wallboard_fires_nothing_and_copies_nothing(
    manager: ServerProcess, case: str, world: World
) -> None:
    post_alert(manager, case)
    engine = engine_for(manager.url, case, read_only=False)
    app = ProbeApp(engine, wallboard=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.gate.wallboard and app.read_only and engine.read_only
        assert not app.ENABLE_COMMAND_PALETTE

        async def make() -> Screen[Any]:
            while len(app.screen_stack) > 1:
                app.pop_screen()
                await pilot.pause()
            return app.screen

        prober = Prober(pilot, app, make)
        await prober.everything()
        assert prober.fired["key"] and prober.fired["action"]
        app.copy_to_clipboard("https://runbooks.example.com/l")
        await pilot.pause()
        assert app.clipboard == ""
        assert any(n.startswith("wallboard: copying is disabled") for n in notes(app))
    assert silence_states(manager, case) == []
    assert world.files() == []
    assert world.browsed == []


async def test_the_probes_see_writes_when_not_read_only(
    manager: ServerProcess, case: str, world: World
) -> None:
    """The same watchers catch a screenshot, a browser and a silence in a writable app,
    so their silence above means something."""
    post_alert(manager, case)
    engine = engine_for(manager.url, case, read_only=False)
    app = ProbeApp(engine)
    async with app.run_test(size=SIZE) as pilot:
        await first_alert(pilot, app)
        await app.run_action("screenshot")
        app.open_url("https://runbooks.example.com/l")
        app.copy_to_clipboard("x")
        # The screenshot is written by a thread.
        await pilot_until(pilot, world.files, what="the screenshot file")
        assert app.clipboard == "x"
    assert [p.parent.name for p in world.files()] == ["Downloads"], "the screenshot"
    assert "https://runbooks.example.com/l" in world.browsed
