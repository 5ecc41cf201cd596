"""The action dispatcher with plugins that misbehave on purpose: a plugin's action that
raises, hangs, returns garbage or declares nonsense fails that action with a message,
never the app; a mutating action never reaches a plugin through a read-only gate."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from oncall_tui.core.gate import ActionGate, ActionRefused, Effect, declares, effect_of
from oncall_tui.core.signals.model import Kind, Reading
from oncall_tui.core.sources.contract import Plugin, PluginConfig, SourceContext
from oncall_tui.core.sources.dispatch import ActionDispatcher
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.plugin_actions import (
    ActionFailed,
    ActionResult,
    ActionSpec,
    ActionTarget,
)


class NoOptions(PluginConfig):
    pass


class Actor(Plugin[NoOptions]):
    Config = NoOptions
    ran: ClassVar[list[str]] = []

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"alert"})

    async def collect(self) -> Sequence[Reading]:
        return []

    def actions(self) -> Sequence[ActionSpec]:
        return [
            ActionSpec("poke", "Poke the server", mutates=True, kinds=frozenset({"alert"})),
            ActionSpec("look", "Look at the server"),
            ActionSpec("boom", "Raise"),
            ActionSpec("hang", "Hang"),
            ActionSpec("garbage", "Return garbage"),
            ActionSpec("source_error", "Fail like a source"),
            "not a spec",  # type: ignore[list-item]
        ]

    async def run_action(
        self, name: str, target: ActionTarget, params: Mapping[str, str]
    ) -> ActionResult:
        self.ran.append(name)
        if name == "boom":
            raise RuntimeError("kaput")
        if name == "hang":
            await asyncio.Event().wait()
        if name == "garbage":
            return 42  # type: ignore[return-value]
        if name == "source_error":
            raise SourceError("server said no")
        return ActionResult(f"{name} {target.key} {dict(params)}")


class Broken(Actor):
    def actions(self) -> Sequence[ActionSpec]:
        raise ValueError("no actions today")


def plugin(cls: type[Actor] = Actor, *, read_only: bool = False) -> Actor:
    context = SourceContext("src", Path("."), 5.0, 3.0, read_only=read_only)
    return cls(NoOptions(), context)


@pytest.fixture(autouse=True)
def _clear() -> None:
    Actor.ran.clear()


async def test_actions_run_and_answer() -> None:
    dispatcher = ActionDispatcher(ActionGate(), {"src": plugin()})
    assert [o.spec.name for o in dispatcher.offers()] == [
        "poke",
        "look",
        "boom",
        "hang",
        "garbage",
        "source_error",
    ], "a declaration that is not an ActionSpec is ignored"
    result = await dispatcher.run("src", "poke", ActionTarget(key="k"), {"a": "b"})
    assert result.message == "poke k {'a': 'b'}"


async def test_failures_are_messages() -> None:
    dispatcher = ActionDispatcher(ActionGate(), {"src": plugin()}, timeout=0.2)
    with pytest.raises(ActionFailed, match=r"^src: RuntimeError: kaput$"):
        await dispatcher.run("src", "boom")
    with pytest.raises(ActionFailed, match=r"^src: Hang did not finish in 0.2s$"):
        await dispatcher.run("src", "hang")
    with pytest.raises(ActionFailed, match=r"^src: garbage returned int, not a result$"):
        await dispatcher.run("src", "garbage")
    with pytest.raises(ActionFailed, match=r"^src: server said no$"):
        await dispatcher.run("src", "source_error")
    with pytest.raises(ActionFailed, match=r"^src: no action 'nope'$"):
        await dispatcher.run("src", "nope")
    with pytest.raises(ActionFailed, match=r"^other: no action 'poke'$"):
        await dispatcher.run("other", "poke")
    broken = ActionDispatcher(ActionGate(), {"src": plugin(Broken)})
    assert broken.offers() == []


async def test_read_only_gate_never_reaches_the_plugin() -> None:
    gate = ActionGate()
    dispatcher = ActionDispatcher(gate, {"src": plugin()})
    gate.lock_read_only()
    with pytest.raises(ActionRefused, match=r"^read-only: poke the server \(src\) is disabled"):
        await dispatcher.run("src", "poke")
    assert Actor.ran == []
    assert (await dispatcher.run("src", "look")).message.startswith("look")
    assert Actor.ran == ["look"], "reading stays allowed"


def test_declared_effects() -> None:
    class Thing:
        @declares(Effect.BROWSER)
        def action_open(self) -> None: ...

        def action_plain(self) -> None: ...

    assert effect_of(Thing().action_open) is Effect.BROWSER
    assert effect_of(Thing.action_open) is Effect.BROWSER
    assert effect_of(Thing().action_plain) is Effect.NONE
    assert effect_of(None) is Effect.NONE
    assert [e for e in Effect if e.mutates] == [Effect.FILE, Effect.BROWSER, Effect.REMOTE]


def test_a_context_locks_one_way() -> None:
    context = SourceContext("src", Path("."), 5.0, 3.0)
    assert not context.read_only
    context.lock_read_only()
    assert context.read_only
    with pytest.raises(AttributeError):
        context.read_only = False  # type: ignore[misc]
