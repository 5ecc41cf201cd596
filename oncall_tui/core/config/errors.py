"""Turning pydantic's validation errors into messages an engineer can act on at 3 a.m.:
one line per problem, with its path in the config (`sources.prom.queries[2].critical`),
what was expected, what was given (never a secret), and "did you mean" for typos."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from oncall_tui.core.sanitize import redactor


def first_per_path(problems: list[str]) -> list[str]:
    """One message per path: a missing `${VAR}` leaves an empty value behind, and the
    follow-on "expected one of ..." for it would only confuse."""
    seen: set[str] = set()
    kept = []
    for problem in problems:
        path = problem.split(": ", 1)[0]
        if path not in seen:
            seen.add(path)
            kept.append(problem)
    return kept


def path_of(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "dict_type": "expected a table",
    "list_type": "expected a list",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def describe(
    errors: list[ErrorDetails], prefix: tuple[str | int, ...], model: type[BaseModel]
) -> list[str]:
    messages = []
    for error in errors:
        loc = tuple(part for part in error["loc"] if not _is_internal(part))
        path = path_of((*prefix, *loc))
        kind = error["type"]
        secret = any(part in _SECRET_KEYS for part in loc)
        given = "a value (not shown)" if secret else show(error.get("input"))
        if kind == "missing":
            message = "required key is missing"
        elif kind == "extra_forbidden":
            message = "unknown key" + _suggest(model, loc)
        elif kind in _EXPECTED:
            message = f"{_EXPECTED[kind]}, got {given}"
        elif kind == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
        else:
            message = f"{error['msg']}, got {given}"
        messages.append(f"{path}: {redactor.redact(message)}")
    return messages


_SECRET_KEYS = frozenset({"headers", "url", "password", "token", "secret"})
"""Where a config value may hold a credential: its input is never echoed."""


def _is_internal(part: str | int) -> bool:
    # pydantic adds the member of a union or a function validator to the location.
    return isinstance(part, str) and (
        part.startswith("function-") or part in {"float", "int", "str", "bool", "none"}
    )


def show(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = redactor.redact(repr(value))  # before the cut: no secret prefix survives
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """ "did you mean" for a typo, found by walking the model along the location."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    import difflib  # only a config with a mistake needs it

    fields = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field_info = current.model_fields.get(part) if _is_model(current) else None
        if field_info is None:
            return []
        current = _inner_model(field_info.annotation)
        if current is None:
            return []
    if not _is_model(current):
        return []
    names: list[str] = []
    for name, info in current.model_fields.items():
        names.append(info.alias or name)
    return names


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _inner_model(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
