"""The app's half of the action gate: every way in, and every way out, asks it.

Ways in: a key, a mouse click and a link in the text all become `App.run_action`; a
command palette entry runs its callback. `run_action` asks the core's `ActionGate`
about the effect the action method declares (`@declares(Effect.BROWSER)`); the palette
is opened with every provider wrapped so each command asks the gate about its
callback's effect. A refusal is a notification that says why.

Ways out: writing a file (screenshots, `deliver_*`), opening a browser, copying to the
clipboard and plugin actions (through the engine's dispatcher) each ask the gate again,
so an action that reaches one of them by another road is still refused.

The gate is the engine's: the engine builds its plugins' HTTP clients from the same
read-only flag, so the app and the HTTP layer cannot disagree. Read-only is a latch:
`read_only` has no setter and nothing switches the gate back.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, ClassVar

from textual.actions import ActionError
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Provider
from textual.dom import DOMNode

from oncall_tui.core.gate import ActionGate, Effect, declares, effect_of
from oncall_tui.core.sources.dispatch import ActionDispatcher
from oncall_tui.ui.gated_engine import GatedEngine, refuse
from oncall_tui.ui.textual_compat import parse_action

log = logging.getLogger(__name__)


class ActionApp(App[None]):
    """Base of the dashboard app: the action gate, and the silence keys.

    Until `attach_gate` is called every effect is refused (a fresh read-only gate).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer (full at 80 columns); the help lists them.
        Binding(
            "s",
            "silence",
            "Silence",
            show=False,
            tooltip="Silence the selected alert (or the firing alert about this signal)",
            id="silence",
        ),
        Binding(
            "a",
            "ack",
            "Ack",
            show=False,
            tooltip="Acknowledge the selected alert (I'm on it): an ACK! silence every board sees",
        ),
        Binding(
            "A",
            "unack",
            "Un-ack",
            show=False,
            key_display="A",
            tooltip="Withdraw the ack of the selected alert (asks first)",
        ),
        Binding(
            "S",
            "silences",
            "Silences",
            show=False,
            key_display="S",
            tooltip="Active silences; x expires one",
            id="silences",
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = ActionGate(read_only=True)
        self.actions = ActionDispatcher(self.gate)
        self._gated_engine: GatedEngine | None = None

    def attach_gate(self, engine: GatedEngine, *, read_only: bool, wallboard: bool = False) -> None:
        """Adopt `engine`'s gate; `read_only` (or `wallboard`) locks it, and the
        engine's plugins with it. An engine that is read-only stays so."""
        if wallboard:
            engine.gate.lock_wallboard()
        if read_only or wallboard:
            engine.lock_read_only()
        self.gate = engine.gate
        self.actions = engine.actions
        self._gated_engine = engine

    @property
    def read_only(self) -> bool:
        """Read-only: no setter, the gate is a latch."""
        return self.gate.read_only

    def refuse(self, reason: str) -> None:
        refuse(self, reason)

    def side_effect_allowed(self, what: str, effect: Effect = Effect.FILE) -> bool:
        """False, with a notice saying why, when the gate refuses `what`."""
        reason = self.gate.refusal(what, effect)
        if reason:
            self.refuse(reason)
            return False
        return True

    # -- ways in -------------------------------------------------------------------

    async def run_action(
        self,
        action: str | tuple[str, str, tuple[object, ...]],
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key, click and link: refused here when its method declares an effect
        the gate does not allow (True: handled, so no other binding runs)."""
        try:
            target, name, _ = parse_action(
                self, action, self if default_namespace is None else default_namespace, namespaces
            )
        except ActionError:
            return await super().run_action(action, default_namespace, namespaces)
        method = getattr(target, f"_action_{name}", None) or getattr(target, f"action_{name}", None)
        effect = effect_of(method)
        if effect is not Effect.NONE and not self.side_effect_allowed(_words(name), effect):
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def action_command_palette(self) -> None:
        """The palette, with every provider's commands passing the gate."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            sources = [*provider_classes(self.COMMANDS), *provider_classes(self.screen.COMMANDS)]
            providers = [gated_provider(provider) for provider in sources]
            self.push_screen(CommandPalette(providers=providers, id="--command-palette"))

    def run_command(self, title: str, callback: Callable[[], object]) -> object:
        """A palette command: run unless its callback declares a refused effect."""
        effect = effect_of(callback)
        if effect is not Effect.NONE and not self.side_effect_allowed(title, effect):
            return None
        return callback()

    # -- ways out ------------------------------------------------------------------

    @declares(Effect.FILE)
    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        super().action_screenshot(filename, path)

    def save_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str:
        if not self.side_effect_allowed("saving a screenshot", Effect.FILE):
            return ""
        return super().save_screenshot(filename, path, time_format)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        if not self.side_effect_allowed("saving a screenshot", Effect.FILE):
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def deliver_text(self, *args: Any, **kwargs: Any) -> str | None:
        if not self.side_effect_allowed("saving a file", Effect.FILE):
            return None
        return super().deliver_text(*args, **kwargs)

    def deliver_binary(self, *args: Any, **kwargs: Any) -> str | None:
        if not self.side_effect_allowed("saving a file", Effect.FILE):
            return None
        return super().deliver_binary(*args, **kwargs)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if self.side_effect_allowed("opening a browser", Effect.BROWSER):
            super().open_url(url, new_tab=new_tab)

    def copy_to_clipboard(self, text: str) -> None:
        """Allowed in read-only (the viewer's own clipboard), not on the wallboard."""
        if self.side_effect_allowed("copying", Effect.CLIPBOARD):
            super().copy_to_clipboard(text)

    # -- silences (the one mutating feature) -----------------------------------------
    # Their modules (forms, the silence list, confirm screens) load on the first key:
    # the board's first frame needs none of them.

    @declares(Effect.REMOTE)
    def action_silence(self) -> None:
        """`s`: silence the selected alert, or the firing alert about the selected signal."""
        if self._gated_engine is not None:
            from oncall_tui.ui import silencing

            silencing.start_silence(self, self._gated_engine)

    @declares(Effect.REMOTE)
    def action_ack(self) -> None:
        """`a`: acknowledge the selected alert, or the firing alerts about the selected
        signal, as karma's ACK! silences."""
        if self._gated_engine is not None:
            from oncall_tui.ui import acking

            acking.start_ack(self, self._gated_engine)

    @declares(Effect.REMOTE)
    def action_unack(self) -> None:
        """`A`: withdraw an ack, after a confirm."""
        if self._gated_engine is not None:
            from oncall_tui.ui import acking

            acking.start_unack(self, self._gated_engine)

    def action_silences(self) -> None:
        """`S`: the active silences, each of which can be expired (a mutating action of
        its own, refused in read-only)."""
        if self._gated_engine is not None:
            from oncall_tui.ui import silencing

            silencing.show_silences(self, self._gated_engine)


def _words(action: str) -> str:
    return action.replace("_", " ").strip()


ProviderSource = Iterable[type[Provider] | Callable[[], type[Provider]]]


def provider_classes(source: ProviderSource) -> list[type[Provider]]:
    """Provider classes from a COMMANDS set (entries may be callables that load one)."""
    found: list[type[Provider]] = []
    for provider in source:
        if isinstance(provider, type) and issubclass(provider, Provider):
            found.append(provider)
        else:
            found.append(provider())  # type: ignore[arg-type]
    return found


@functools.cache
def gated_provider(provider: type[Provider]) -> type[Provider]:
    """`provider` with each command it yields run through `ActionApp.run_command`."""

    class Gated(provider):  # type: ignore[valid-type,misc]
        async def discover(self) -> AsyncIterator[DiscoveryHit]:
            async for hit in super().discover():
                yield _gated_hit(self.app, hit)

        async def search(self, query: str) -> AsyncIterator[Hit]:
            async for hit in super().search(query):
                yield _gated_hit(self.app, hit)

    Gated.__name__ = Gated.__qualname__ = f"Gated{provider.__name__}"
    return Gated


def _gated_hit(app: App[Any], hit: Any) -> Any:
    run = getattr(app, "run_command", None)
    if run is None:
        return hit
    title = hit.text or str(getattr(hit, "display", "")) or "command"
    callback = hit.command
    return dataclasses.replace(hit, command=functools.partial(run, title, callback))
