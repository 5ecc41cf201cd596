"""Field docstrings are read when asked (`oncall-tui plugins`), never at start-up: the
board and `check` create every config model, and pydantic's own reading of them
(`use_attribute_docstrings`) cost each start ~20 ms and kept the sources in memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from oncall_cli import plugin_section
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.config.loader import Settings, SourceSettings
from oncall_tui.core.sources.option_groups import ThresholdOptions


class Base(BaseModel):
    plain: int = 0
    """A base field."""
    renamed: int = Field(default=0, alias="also")
    """Its key is `also`.

    A second paragraph, indented like the first."""
    told: int = Field(default=0, description="said explicitly")
    """Not this one."""
    bare: int = 0

    def method(self) -> str:
        """A method's docstring is not the field's above it."""
        return ""


class Child(Base):
    plain: int = 1
    """The child's own word wins."""
    more: str = ""
    """Only the child has it."""

    class Inner(BaseModel):
        deep: bool = False
        """Inside a class inside a class."""


def make_local() -> type[BaseModel]:
    class Local(BaseModel):
        here: int = 0
        """Defined in a function."""

    return Local


if Base is not None:

    class UnderIf(BaseModel):
        guarded: int = 0
        """Defined under an if."""


def test_a_field_docstring_is_the_string_right_under_it() -> None:
    docs = field_docs(Base)
    assert docs["plain"] == "A base field."
    assert docs["renamed"] == "Its key is `also`.\n\nA second paragraph, indented like the first."
    assert docs["told"] == "said explicitly", "an explicit description is what pydantic reports"
    assert "bare" not in docs


def test_a_subclass_inherits_its_bases_docstrings_and_overrides_them() -> None:
    docs = field_docs(Child)
    assert docs["plain"] == "The child's own word wins."
    assert docs["more"] == "Only the child has it."
    assert docs["renamed"].startswith("Its key is")
    assert field_docs(Base)["plain"] == "A base field.", "the base is not changed"


def test_nested_local_and_guarded_classes_are_found() -> None:
    assert field_docs(Child.Inner) == {"deep": "Inside a class inside a class."}
    assert field_docs(make_local()) == {"here": "Defined in a function."}
    assert field_docs(UnderIf) == {"guarded": "Defined under an if."}


def test_a_class_without_source_has_no_docstrings_and_no_error() -> None:
    made = type("Made", (BaseModel,), {"__annotations__": {"x": int}, "x": 0})
    assert field_docs(made) == {}


def test_the_shared_option_groups_are_documented_where_they_are_used() -> None:
    docs = field_docs(ThresholdOptions)
    assert set(ThresholdOptions.model_fields) <= set(docs)
    for model in (Settings, SourceSettings):
        missing = [name for name in model.model_fields if not field_docs(model).get(name)]
        assert missing == [], f"{model.__name__}: {missing}"


def test_no_config_model_reads_its_docstrings_when_it_is_created() -> None:
    """Every model of the core and of each installed first-party plugin: pydantic's
    reading at class creation is off (it is what start-up paid for)."""
    for ep in entry_points(group="oncall_tui.plugins"):
        ep.load()
    offenders = [
        f"{model.__module__}.{model.__qualname__}"
        for model in _subclasses(BaseModel)
        if model.__module__.startswith(("oncall_tui", "plugins"))
        and model.model_config.get("use_attribute_docstrings")
    ]
    assert offenders == []


def test_starting_the_demo_reads_no_source_file() -> None:
    """What the board and `check` do before their first collection: the config
    loaded, the plugins built. No source line of ours is read into memory (pydantic's
    docstring reading went through `linecache`, which kept every line it read)."""
    code = textwrap.dedent(
        """
        import linecache
        from oncall_tui.core.config.loader import load_config
        from oncall_tui.core.engine import Engine
        Engine(load_config(None))
        print(sorted(name for name in linecache.cache if "oncall_tui" in name))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": "/nonexistent"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_plugins_listing_prints_each_option_s_docstring() -> None:
    section = plugin_section("demo")
    from oncall_tui_demo import DemoPlugin

    for name, words in field_docs(DemoPlugin.Config).items():
        after = section.split(f"    {name}: ", 1)[1]
        assert words.splitlines()[0].strip() in after, name


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)
    kept: int = 0
    """Still read with a config of its own."""


def test_a_model_with_a_config_of_its_own_is_read_too() -> None:
    assert field_docs(_Frozen) == {"kept": "Still read with a config of its own."}
