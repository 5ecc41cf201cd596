"""The UI found from its classes, never listed by hand: every Screen class under
`oncall_tui.ui`, each built from its constructor's parameter names, and on each screen
every node, binding and `action_*` method, with arguments made up from the signature."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import time
from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

import oncall_tui.ui
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.help import help_entries


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
