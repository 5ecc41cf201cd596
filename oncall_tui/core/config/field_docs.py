"""Each config field's docstring, read from the source when someone asks for it.

A field's docstring (the string right under it) is the user documentation of that
option: `oncall-tui plugins` prints it. pydantic can copy it into each field's
`description` (`use_attribute_docstrings`), but it does so when the class is created:
it walks the frames, `inspect.getmodule` stats every loaded module's file the first
time, and it tokenizes and parses the class's source, ~2-3 ms a model. Every config
model is created at start-up, so the board and `check` paid ~20 ms for words only
`plugins` prints, and `linecache` kept the sources. Here they are read only for the
one command that shows them (and the tests that check each option has one).
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import sys
import tokenize
from typing import Any

Scope = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def field_docs(model: type[Any]) -> dict[str, str]:
    """Field name -> its docstring, for `model` and the classes it inherits fields
    from (a subclass's own docstring wins, as its field does). A field given a
    `description` explicitly keeps it: that is the one pydantic reports."""
    docs: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if klass.__module__.split(".", 1)[0] not in {"builtins", "pydantic"}:
            docs.update(class_attribute_docs(klass))
    fields = getattr(model, "__pydantic_fields__", None) or {}
    for name, info in fields.items():
        if info.description:
            docs[name] = info.description
    return docs


@functools.cache
def class_attribute_docs(klass: type[Any]) -> dict[str, str]:
    """The docstrings written under the annotated attributes in `klass`'s own body;
    empty when its source cannot be read (a zipped or bytecode-only install)."""
    tree = _module_tree(klass.__module__)
    node = None if tree is None else _find_class(tree, klass.__qualname__)
    if node is None:
        return {}
    docs: dict[str, str] = {}
    for statement, after in itertools.pairwise(node.body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(after.value.value)
    return docs


@functools.lru_cache(maxsize=4)
def _module_tree(name: str) -> ast.Module | None:
    """The parsed source of module `name`, read straight from its file (not through
    `linecache`, which would keep every line in memory for the rest of the run)."""
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py"):
        return None
    try:
        with tokenize.open(path) as source:  # honours a coding cookie
            return ast.parse(source.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None


def _find_class(tree: ast.Module, qualname: str) -> ast.ClassDef | None:
    """The class statement named by `qualname` (`Outer.Inner`, `make.<locals>.C`);
    of two with the same name in one scope, the later one, which is the one left
    bound once the module has run."""
    scope: Scope = tree
    parts = [part for part in qualname.split(".") if part != "<locals>"]
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        found = [
            node
            for node in _statements(scope.body)
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == part
            and (isinstance(node, ast.ClassDef) or not last)
        ]
        if not found:
            return None
        scope = found[-1]
    return scope if isinstance(scope, ast.ClassDef) else None


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """`body`'s statements, and those inside its `if`/`try`/`with` blocks (a class
    defined under `if TYPE_CHECKING` or in a `try`), not inside nested scopes."""
    flat: list[ast.stmt] = []
    for statement in body:
        flat.append(statement)
        if isinstance(statement, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for block in ("body", "orelse", "finalbody"):
                flat += _statements(getattr(statement, block, []))
            for handler in getattr(statement, "handlers", []):
                flat += _statements(handler.body)
    return flat
