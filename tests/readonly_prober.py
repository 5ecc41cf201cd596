"""What the read-only tests fire and how: an engine reading one case's alerts from a
real Alertmanager, the real app with quitting noted instead of done, and a prober that
fires every key, action, system command, palette hit, footer click and link of a
screen (found by ui_discovery), restoring the screen between shots."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.action_app import gated_provider, provider_classes
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import notification_messages
from ui_discovery import action_call, action_names, bindings_of, nodes_of, once_label
from waiting import pilot_until


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
        # would do must not happen, so the wait is for a timer of ours, as long and set
        # after theirs. Timers run in the order they fall due: once it has run, so have
        # theirs, however late a loaded machine ran them.
        ran: list[bool] = []
        app.set_timer(0.2, lambda: ran.append(True))
        await pilot_until(self.pilot, lambda: ran, what="a timer set after the commands")

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
