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

import asyncio
import importlib
import inspect
import json
import pkgutil
import time
import webbrowser
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

import oncall_tui.ui
from alertmanager_api import post_alerts, post_silence, silences
from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.gate import ActionGate, ActionRefused, Effect
from oncall_tui.core.http import ReadOnlyError, client_for, send_json
from oncall_tui.ui import silencing
from oncall_tui.ui.action_app import gated_provider, provider_classes
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.help import help_entries
from oncall_tui.ui.screens.silences import SilenceListScreen
from oncall_tui.ui.textual_compat import notification_messages
from quiet_handler import QuietHandler
from servers import ServerProcess, no_proxy
from servers_http import serve_http
from waiting import pilot_until

pytestmark = pytest.mark.servers

SIZE = (160, 50)


# --------------------------------------------------------------------------- world


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


def engine_for(url: str, case: str, *, read_only: bool) -> Engine:
    text = (
        '[sources.alerts]\nplugin = "alertmanager"\n'
        f'url = {json.dumps(url)}\ninterval = "1s"\ntimeout = "3s"\n'
        f"filter = [{json.dumps(f'case={json.dumps(case)}')}]\n"
    )
    config = parse_config(text, Path("."))
    assert not config.load_errors
    return Engine(config, read_only=read_only)


class ProbeApp(OncallApp):
    """The real app, except that quitting is noted instead of done, so `q` and ctrl+q
    can be fired like every other key."""

    quits = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.said: list[str] = []
        """Every notification, kept: Textual drops expired ones, and on a loaded machine
        the probe outlasts the first ones' timeout."""

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.quits += 1

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.said.append(str(message))
        super().notify(message, *args, **kwargs)


# --------------------------------------------------------------------------- discovery


def screen_classes() -> list[type[Screen[Any]]]:
    """Every Screen subclass defined in the oncall_tui.ui package."""
    found: dict[str, type[Screen[Any]]] = {}
    for info in pkgutil.walk_packages(oncall_tui.ui.__path__, "oncall_tui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__.startswith("oncall_tui.ui."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


def screen_arguments(app: OncallApp, key: str) -> dict[str, Any]:
    """Values for a screen constructor's parameters, by parameter name."""
    engine = app.engine

    async def load() -> tuple[list[Any], list[str]]:
        return [], []

    return {
        "store": engine.store,
        "key": key,
        "title": "probe",
        "clock": time.time,
        "settings": engine.config.wallboard,
        "read_only": app.read_only,
        "alerts": [(key, Text("probe alert"))],
        "author": "probe",
        "duration": "1h",
        "question": Text("probe?"),
        "confirm": "Confirm",
        "load": load,
        "expire": lambda row: None,
        "attention": app.attention,
        "flags": app.flags,
        "entries": help_entries(app.dashboard),
    }


def build_screen(cls: type[Screen[Any]], app: OncallApp, key: str) -> Screen[Any]:
    pool = screen_arguments(app, key)
    arguments: dict[str, Any] = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name in pool:
            arguments[name] = pool[name]
        elif param.default is param.empty:
            raise AssertionError(f"{cls.__name__}({name}=...): add a value to screen_arguments")
    return cls(**arguments)


def nodes_of(app: App[Any], screen: Screen[Any]) -> list[DOMNode]:
    """The app, the screen and every widget on it, one per class."""
    seen: dict[type[DOMNode], DOMNode] = {}
    for node in [app, screen, *screen.walk_children(with_self=False)]:
        seen.setdefault(type(node), node)
    return list(seen.values())


def bindings_of(node: DOMNode) -> list[Binding]:
    """Each binding of `node` once (a binding of "j,down" is listed under both keys)."""
    found: dict[tuple[str, str], Binding] = {}
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            found.setdefault((binding.key, binding.action), binding)
    return list(found.values())


def action_names(node: DOMNode) -> list[str]:
    return sorted(
        name[len("action_") :]
        for name in dir(type(node))
        if name.startswith("action_") and callable(getattr(type(node), name, None))
    )


ACTION_ARGUMENTS: dict[str, object] = {
    "key": "s",
    "widget_id": "panel-alert",
    "selector": "Screen",
    "class_name": "probe",
    "message": "probe",
    "screen": "probe",
    "mode": "probe",
    "attribute_name": "probe",
}
"""Values for required action parameters by name (others by annotation)."""

BY_ANNOTATION: dict[str, object] = {"int": 1, "float": 1.0, "bool": True, "str": "probe"}


def action_call(node: DOMNode, name: str) -> str:
    """`name(args)` with a value for each required parameter."""
    method = getattr(node, f"action_{name}")
    args = []
    for param in inspect.signature(method).parameters.values():
        if param.default is not param.empty or param.kind in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            continue
        if param.name in ACTION_ARGUMENTS:
            args.append(ACTION_ARGUMENTS[param.name])
        else:
            args.append(BY_ANNOTATION.get(str(param.annotation).split("|")[0].strip(), "probe"))
    return f"{name}({', '.join(repr(a) for a in args)})"


def once_label(target: DOMNode, name: str) -> str | None:
    """A label for an action fired once in the whole test, or None for one fired on
    every screen: the app's and the screens' own actions (ours) run on every screen;
    a widget's act on the widget, and Textual's own base-class actions (scrolling,
    toggling dark, ...) do the same everywhere, so once each is enough."""
    method = getattr(type(target), f"action_{name}")
    ours = method.__module__.startswith("oncall_tui.")
    if ours and (isinstance(target, App | Screen)):
        return None
    return f"{method.__qualname__}" if not ours else f"{type(target).__name__}.{name}"


# --------------------------------------------------------------------------- firing


class Prober:
    """Fires everything on one screen, bringing it back to the top after each shot."""

    def __init__(
        self,
        pilot: Pilot[Any],
        app: ProbeApp,
        make: Callable[[], Awaitable[Screen[Any]]],
        done: set[str] | None = None,
    ):
        self.done = done if done is not None else set()
        """Actions fired once for the whole test (see `once_label`), already fired."""
        self.pilot = pilot
        self.app = app
        self.make = make
        self.screen: Screen[Any] | None = None
        self.fired: dict[str, set[str]] = {"key": set(), "action": set(), "command": set()}
        self.errors: list[str] = []

    async def restore(self) -> Screen[Any]:
        app = self.app
        assert app.is_running, "the app died"
        if self.screen is not None and app.screen is self.screen:
            return self.screen  # untouched by the last shot (Pilot waited for it)
        await self.pilot.pause()
        if self.screen is not None and self.screen in app.screen_stack:
            while app.screen is not self.screen:
                app.pop_screen()
                await self.pilot.pause()
        else:
            self.screen = await self.make()
        await self.pilot.pause()
        return self.screen

    async def keys(self) -> None:
        screen = await self.restore()
        for node in nodes_of(self.app, screen):
            for binding in bindings_of(node):
                for key in binding.key.split(","):
                    screen = await self.restore()
                    target = self._current(node, screen)
                    if target is None:
                        continue
                    if isinstance(target, Widget) and target.focusable:
                        target.focus()
                    await self.pilot.press(key.strip())
                    self.fired["key"].add(f"{type(node).__name__}:{key.strip()}")

    async def actions(self) -> None:
        screen = await self.restore()
        for node in nodes_of(self.app, screen):
            for name in action_names(node):
                screen = await self.restore()
                target = self._current(node, screen)
                if target is None:
                    continue
                label = once_label(target, name)
                if label is not None:
                    if label in self.done:
                        continue
                    self.done.add(label)
                try:
                    await self.app.run_action(action_call(target, name), target)
                except Exception as exc:  # bad made-up arguments; nothing may be written
                    self.errors.append(f"{type(node).__name__}.{name}: {exc!r}")
                self.fired["action"].add(f"{type(node).__name__}.{name}")

    def _current(self, node: DOMNode, screen: Screen[Any]) -> DOMNode | None:
        """`node`, or the widget of its class on the screen as it is now (a screen
        dismissed by the last shot is built again, with new widgets)."""
        if node is self.app or isinstance(node, Screen):
            return self.app if node is self.app else screen
        for candidate in screen.walk_children(with_self=False):
            if type(candidate) is type(node):
                return candidate
        return None

    async def commands(self) -> None:
        screen = await self.restore()
        app = self.app
        commands = [*app.get_system_commands(screen), *App.get_system_commands(app, screen)]
        titles = sorted({command.title for command in commands})
        for title in titles:
            screen = await self.restore()
            fresh = [
                c
                for c in [*app.get_system_commands(screen), *App.get_system_commands(app, screen)]
                if c.title == title
            ]
            result = app.run_command(title, fresh[0].callback)
            if inspect.isawaitable(result):
                await result
            self.fired["command"].add(title)
        for provider_class in provider_classes([*app.COMMANDS, *screen.COMMANDS]):
            screen = await self.restore()
            provider = gated_provider(provider_class)(screen)
            hits = [hit async for hit in provider.discover()]
            for hit in hits:
                screen = await self.restore()
                result = hit.command()
                if inspect.isawaitable(result):
                    await result
                self.fired["command"].add(f"{provider_class.__name__}:{hit.text}")
        # Commands that act on a timer (Screenshot: 0.1 s) get the time to: what they
        # would do must not happen, so there is no condition to wait for.
        await self.pilot.pause(0.2)

    async def clicks(self) -> None:
        """Every footer key by mouse, and markup links to every effectful app action."""

        def footer_keys(screen: Screen[Any]) -> list[Widget]:
            return [w for w in screen.walk_children() if type(w).__name__ == "FooterKey"]

        for index in range(len(footer_keys(await self.restore()))):
            shown = footer_keys(await self.restore())
            if index < len(shown) and shown[index].region.area:
                await self.pilot.click(shown[index])
                self.fired["key"].add(f"click:{shown[index].description}")  # type: ignore[attr-defined]
        screen = await self.restore()
        links = Static(
            "[@click=app.screenshot]shot[/] [@click=app.silence]silence[/]",
            id="probe-links",
        )
        await screen.mount(links)
        await self.pilot.pause()
        if links.region.area:
            await self.pilot.click(links, offset=(1, 0))
            await self.restore()
            await self.pilot.click(links, offset=(6, 0))
        await links.remove()

    async def everything(self) -> None:
        await self.keys()
        await self.actions()
        await self.commands()
        await self.clicks()
        await self.restore()


async def first_alert(pilot: Pilot[Any], app: OncallApp) -> str:
    panel = app.dashboard.panels["alert"]
    first = await pilot_until(pilot, lambda: panel.first_signal, what="an alert on the board")
    key = first.key
    panel.select_key(key)
    panel.focus()
    return key


def notes(app: App[Any]) -> list[str]:
    if isinstance(app, ProbeApp):
        return app.said
    return notification_messages(app)


# --------------------------------------------------------------------------- the tests


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


async def test_read_only_engine_client_refuses_a_post_before_any_io(case: str) -> None:
    requests: list[str] = []

    class Counting(QuietHandler):
        def _answer(self) -> None:
            requests.append(self.command)
            self.send_body(200, b"[]")

        do_GET = do_POST = do_DELETE = _answer

    with no_proxy(), serve_http(Counting) as server:
        engine = engine_for(server.url, case, read_only=True)
        plugin = engine.runners["alerts"].plugin
        assert plugin is not None and plugin.context.read_only
        async with client_for(plugin.config, plugin.context, writes=True) as client:
            with pytest.raises(ReadOnlyError, match="refused before sending"):
                await client.post(f"{server.url}/api/v2/silences", json={})
            with pytest.raises(ReadOnlyError):
                await send_json(client, "DELETE", f"{server.url}/api/v2/silence/x")
            assert requests == [], "not a byte sent"
            await client.get(f"{server.url}/api/v2/alerts")  # reading still works
        assert requests == ["GET"]
        with pytest.raises(ActionRefused):
            await engine.actions.run("alerts", "expire")
        await engine.stop()
    assert requests == ["GET"]


def test_read_only_cannot_be_undone() -> None:
    gate = ActionGate(read_only=True)
    with pytest.raises(AttributeError):
        gate.read_only = False  # type: ignore[misc]
    gate.lock_read_only()
    assert gate.read_only and gate.refusal("writing", Effect.FILE).startswith("read-only:")
    assert gate.refusal("copying", Effect.CLIPBOARD) == "", "the viewer's clipboard is allowed"
    board = ActionGate()
    board.lock_wallboard()
    assert board.read_only and board.refusal("copying", Effect.CLIPBOARD).startswith("wallboard:")
    assert ActionGate().refusal("silence", Effect.REMOTE) == ""
    # Nor by the config: there is no such key.
    with pytest.raises(ConfigError, match="read_only"):
        parse_config('read_only = false\n[sources.d]\nplugin = "demo"\n', Path("."))


async def test_app_read_only_has_no_setter() -> None:
    config = parse_config('[sources.d]\nplugin = "demo"\n', Path("."))
    app = OncallApp(Engine(config), read_only=True, start_engine=False)
    with pytest.raises(AttributeError):
        app.read_only = False  # type: ignore[misc]
    assert app.read_only and app.engine.read_only
    await asyncio.sleep(0)  # not a wait: an async test (the app wants a running loop)
