"""`oncall-tui plugins`: installed plugins and their options, from their config models."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, get_args

from oncall_tui.commands.base import Command, no_arguments
from oncall_tui.core.config.durations import parse_duration

if TYPE_CHECKING:
    from pydantic import BaseModel


def plugins(args: argparse.Namespace) -> int:
    # Here, not at the top: every other command's start-up would pay for pydantic.
    from oncall_tui.core.config.loader import SourceSettings
    from oncall_tui.core.sources.registry import PluginLoadError, default_registry

    registry = default_registry
    for name in registry.names():
        try:
            plugin = registry.load(name)
        except PluginLoadError as exc:
            print(f"{name}  [BROKEN] {exc}\n")
            continue
        doc = (plugin.description or (plugin.__doc__ or "")).strip().splitlines()
        print(f"{name}  ({registry.origin(name)})")
        for line in doc:  # a plugin may say on further lines what it cannot do
            print(f"  {line.strip()}")
        for line in describe_model(plugin.Config, "    "):
            print(line)
        print()
    print("Every source also takes:")
    for line in describe_model(SourceSettings, "    "):
        print(line)
    return 0


def describe_model(model: type[BaseModel], indent: str) -> list[str]:
    """Each option of `model`: key, type, default, and its docstring."""
    from oncall_tui.core.config.field_docs import field_docs

    docs = field_docs(model)
    lines = []
    for field_name, info in model.model_fields.items():
        key = info.alias or field_name
        # Duration is Annotated[float, <parse_duration>]: say "duration", not float.
        is_duration = any(
            getattr(m, "func", None) is parse_duration for m in info.metadata
        ) or parse_duration.__name__ in str(info.annotation)
        optional = type(None) in get_args(info.annotation)
        if is_duration:
            annotation = "duration | None" if optional else "duration"
        else:
            annotation = _type_name(info.annotation)
        default = (
            "" if info.is_required() else f" = {info.get_default(call_default_factory=True)!r}"
        )
        required = " (required)" if info.is_required() else ""
        lines.append(f"{indent}{key}: {annotation}{default}{required}")
        doc = docs.get(field_name, "")
        if doc:
            for doc_line in doc.strip().splitlines():
                lines.append(f"{indent}    {doc_line.strip()}")
        nested = _nested_model(info.annotation)
        if nested is not None:
            lines += describe_model(nested, indent + "    ")
    return lines


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not get_args(annotation) else None
    return text or str(annotation).replace("typing.", "")


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


COMMAND = Command(
    "plugins", "list installed data-source plugins and their options", no_arguments, plugins
)
