"""The engine's checks of a plugin's readings cost what moved: a new reading that keeps
last time's objects for the fields it did not change (a plugin renewing only a value)
is judged on its new fields alone, and the same keys at the same places need no set of
every key; anything wrong in a new field is still named. `Reading`'s quicker
`__init__` builds exactly what the dataclass's own did."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import replace

import pytest

from oncall_tui.core.plugin_output import check_readings
from oncall_tui.core.signals.model import Reading, Status, Thresholds
from oncall_tui.core.signals.quick_init import quick_init


class _CountedLabels(Mapping[str, str]):
    """Labels that count how often they are walked."""

    def __init__(self, **labels: str) -> None:
        self._labels = labels
        self.walks = 0

    def __getitem__(self, key: str) -> str:
        return self._labels[key]

    def __iter__(self) -> Iterator[str]:
        self.walks += 1
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def items(self):  # type: ignore[no-untyped-def, override]
        self.walks += 1
        return self._labels.items()


def _known(count: int = 4) -> list[Reading]:
    labels = _CountedLabels(service="pay-api")
    return [
        Reading(key=f"k{i}", kind="health", name=f"k{i}", value=1.0, labels=labels)
        for i in range(count)
    ]


def test_a_moved_value_is_judged_on_its_new_fields_only() -> None:
    known = _known()
    labels = known[0].labels
    assert isinstance(labels, _CountedLabels)
    moved = [known[0], replace(known[1], value=2.0, summary="up"), *known[2:]]
    walks = labels.walks
    assert check_readings(moved, known) == (moved, "")
    assert labels.walks == walks, "labels kept from last time are not walked again"
    fresh = [known[0], replace(known[1], labels=_CountedLabels(service="x")), *known[2:]]
    assert check_readings(fresh, known) == (fresh, "")
    assert fresh[1].labels.walks == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "nonsense"}, "has kind 'nonsense', expected one of"),
        ({"unit": "furlongs"}, "has unit 'furlongs', expected one of"),
        ({"labels": {"service": 7}}, "has labels that are not a mapping of strings"),
        ({"name": None}, "has a key, name, summary, query, component or partial"),
        ({"summary": 3}, "has a key, name, summary, query, component or partial"),
        ({"thresholds": Thresholds(warning=True)}, "has thresholds that are not numbers"),
        ({"runbook": "see wiki"}, "has a runbook that is not a Runbook"),
        ({"status": "ok"}, "has status 'ok', expected a Status"),
    ],
)
def test_a_wrong_new_field_of_a_moved_reading_is_still_named(
    fields: dict[str, object], problem: str
) -> None:
    known = _known(3)
    moved = replace(known[1], value=5.0, **fields)  # type: ignore[arg-type]
    kept, note = check_readings([known[0], moved, known[2]], known)
    assert kept == [known[0], known[2]]
    assert note.startswith(f"1 malformed reading dropped (first: item 1 {problem}")


def test_a_moved_reading_taking_another_key_is_still_checked_for_repeats() -> None:
    known = _known(3)
    twin = replace(known[1], key="k0", value=3.0)
    kept, note = check_readings([known[0], twin, known[2]], known)
    assert kept == [known[0], known[2]]
    assert note == "1 duplicate reading dropped (first: item 1 repeats key 'k0')"


def test_a_reading_built_quickly_is_what_the_dataclass_built() -> None:
    """Every field, positional or by name, with its default (a fresh labels dict per
    reading); equal, hashed, replaced and frozen as a dataclass is."""
    fields = dataclasses.fields(Reading)
    parameters = inspect.signature(Reading).parameters
    assert list(parameters) == [field.name for field in fields]
    plain = Reading("k", "health", "n")
    for field in fields:
        if field.default is not dataclasses.MISSING:
            assert getattr(plain, field.name) == field.default
            assert parameters[field.name].default is field.default
    assert plain.labels == {} and plain.labels is not Reading("k", "health", "n").labels
    values = {field.name: object() for field in fields if field.name not in ("key", "kind", "name")}
    full = Reading("k", "health", "n", *values.values())  # type: ignore[arg-type]
    assert all(getattr(full, name) is value for name, value in values.items())
    assert full == Reading(key="k", kind="health", name="n", **values)  # type: ignore[arg-type]
    assert replace(plain, value=2.0) == Reading("k", "health", "n", 2.0)
    assert hash(Reading("k", "health", "n", labels=(), status=Status.OK)) == hash(  # type: ignore[arg-type]
        Reading("k", "health", "n", labels=(), status=Status.OK)  # type: ignore[arg-type]
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        plain.value = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing 2 required positional arguments"):
        Reading("k")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        Reading("k", "health", "n", bogus=1)  # type: ignore[call-arg]


def test_quick_init_takes_only_a_plain_frozen_slotted_dataclass() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, Checked):
        with pytest.raises(TypeError, match="plain frozen slotted dataclass"):
            quick_init(cls)
