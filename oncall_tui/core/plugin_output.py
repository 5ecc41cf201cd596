"""What a plugin hands back, judged before the store sees it: readings of the wrong
shape are dropped and said (`check_readings`), a plugin that raises SystemExit is an
ordinary failure of its own source, and every failure becomes one line for the panel.
Kept apart from the engine's scheduling (`engine.py`), which only applies the verdict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from itertools import chain, compress
from operator import attrgetter, is_not
from typing import TypeVar, cast

from oncall_tui.core.signals.model import KINDS, UNITS, Reading, Status, Thresholds
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE
from oncall_tui.core.sources.blocking import BlockingStillRunning
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook

T = TypeVar("T")


class MalformedOutput(Exception):
    """A plugin returned something that is not a list of readings."""


def check_readings(
    result: object,
    known: Sequence[Reading] = (),
    limit: int = MAX_SIGNALS_PER_SOURCE,
) -> tuple[list[Reading], str]:
    """The well-formed readings of `result`, and a note on those dropped.

    One policy for bad readings, applied here and nowhere else: a malformed reading is
    dropped, the rest are kept, and the source says how many went and why (the first
    problem). Only a result that is not a list at all fails the collection. A reading
    that is the very object `known` (last time's good readings, as this returned them:
    no key twice) holds at its place is not checked again. Only the first `limit` items
    are looked at: the store keeps no more, and checking a million readings would hold
    the event loop (and the screen) for seconds.
    """
    if not isinstance(result, list | tuple):
        raise MalformedOutput(
            f"plugin returned malformed data: expected a list of readings, "
            f"got {type(result).__name__}"
        )
    notes: list[str] = []
    if len(result) > limit:
        notes.append(f"{len(result)} readings returned, only the first {limit} kept")
        result = result[:limit]
    good = _all_good(result, known)
    if good is None:
        good, problems = _sorted_out(result, known)
        notes += problems
    if any(map(_PARTIAL, good)):  # first: a partly answered query is never silently ok
        partial = [reading.partial for reading in good if reading.partial]
        notes.insert(0, f"partial: {len(partial)} of {len(good)} signals: {partial[0]}")
    return good, "; ".join(notes)


_PARTIAL = attrgetter("partial")
_KEY = attrgetter("key")


def _all_good(result: Sequence[object], known: Sequence[Reading]) -> list[Reading] | None:
    """`result` as it is, when every item is a well-formed reading and no key repeats
    (what a plugin usually hands back), found without a Python step per known reading:
    of a board's thousands most are last time's objects in last time's places. None
    when some item needs `_sorted_out`."""
    pairs = zip(result, known, strict=False)  # `result` may be longer
    fresh = list(compress(pairs, map(is_not, result, known)))
    same_keys = len(result) == len(known)
    for item, before in fresh:
        if _reading_problem(item, before):
            return None
        same_keys = same_keys and item.key == before.key  # type: ignore[attr-defined]
    for item in result[len(known) :]:
        if _reading_problem(item):
            return None
    readings = cast("Sequence[Reading]", result)
    # Last time's keys at last time's places again cannot repeat one: no set to build.
    if not same_keys and len(set(map(_KEY, readings))) != len(readings):
        return None
    return list(readings)


def _sorted_out(
    result: Sequence[object], known: Sequence[Reading]
) -> tuple[list[Reading], list[str]]:
    """The good readings of a `result` with bad or repeated ones, and what was dropped."""
    good: list[Reading] = []
    dropped = repeated = 0
    first = first_repeat = ""
    keys: set[str] = set()
    checked = len(known)
    for index, item in enumerate(result):
        if index >= checked or known[index] is not item:
            problem = _reading_problem(item, known[index] if index < checked else None)
            if problem:
                dropped += 1
                first = first or f"item {index} {problem}"
                continue
        assert isinstance(item, Reading)
        # Two readings with one key (a source answering the same series twice) would
        # set one signal twice per collection: its status would flip back and forth,
        # an event each time. The first one counts.
        if item.key in keys:
            repeated += 1
            first_repeat = first_repeat or f"item {index} repeats key {item.key[:60]!r}"
            continue
        keys.add(item.key)
        good.append(item)
    notes = []
    if dropped:
        plural = "s" if dropped > 1 else ""
        notes.append(f"{dropped} malformed reading{plural} dropped (first: {first})")
    if repeated:
        plural = "s" if repeated > 1 else ""
        notes.append(f"{repeated} duplicate reading{plural} dropped (first: {first_repeat})")
    return good, notes


def _reading_problem(item: object, before: object = None) -> str:
    """What is wrong with one reading, if anything. The dataclass does not check its
    field types, and a wrong one must fail this source, not the store. (Every value a
    plugin moves is a new reading checked here: plain `and` chains and C-level maps,
    no generator per check.) A field that is the very object of `before`, last time's
    good reading at this place (a plugin renewing only the value it moved), was judged
    then and is not judged again."""
    if not isinstance(item, Reading):
        return f"is {type(item).__name__}, expected a Reading"
    if not isinstance(before, Reading):
        before = _NOTHING
    kind, unit = item.kind, item.unit
    if not (kind in _KIND_SET if type(kind) is str else kind in KINDS):
        return f"has kind {str(kind)[:40]!r}, expected one of {', '.join(KINDS)}"
    if not (unit in _UNIT_SET if type(unit) is str else unit in UNITS):
        return f"has unit {str(unit)[:40]!r}, expected one of {', '.join(UNITS)}"
    if not (
        isinstance(item.summary, str)
        and (item.key is before.key or isinstance(item.key, str))
        and (item.name is before.name or isinstance(item.name, str))
        and (item.query is before.query or isinstance(item.query, str))
        and (item.component is before.component or isinstance(item.component, str))
        and isinstance(item.partial, str)
    ):
        return "has a key, name, summary, query, component or partial that is not a string"
    runbook = item.runbook
    if runbook is not None and runbook is not before.runbook and not isinstance(runbook, Runbook):
        return "has a runbook that is not a Runbook (use Runbook.link, .file or .from_config)"
    labels = item.labels
    if labels is not before.labels and (
        not isinstance(labels, Mapping)
        or not all(map(_IS_STR, chain.from_iterable(labels.items())))
    ):
        return "has labels that are not a mapping of strings"
    if item.status is not None and not isinstance(item.status, Status):
        return f"has status {item.status!r}, expected a Status"
    thresholds = item.thresholds
    if (
        thresholds is not None
        and thresholds is not before.thresholds
        and (
            not isinstance(thresholds, Thresholds)
            or not _limit(thresholds.warning)
            or not _limit(thresholds.critical)
            or not isinstance(thresholds.for_seconds, _NUMBER)
            or not isinstance(thresholds.recover_seconds, _NUMBER)
        )
    ):
        return "has thresholds that are not numbers"
    return ""


_NOTHING = Reading(key="", kind="health", name="", labels={})
"""`before` when there is none: no field of a reading is its object (a fresh dict)."""
_KIND_SET, _UNIT_SET = frozenset(KINDS), frozenset(UNITS)
_IS_STR = str.__instancecheck__
_NUMBER = (int, float)


def _limit(limit: object) -> bool:
    return limit is None or (isinstance(limit, _NUMBER) and not isinstance(limit, bool))


class PluginCrashed(Exception):
    """A plugin raised SystemExit or GeneratorExit: asyncio would let those end the
    whole loop, so they are turned into an ordinary failure of that one source."""


async def guarded(call: Awaitable[T]) -> T:
    try:
        return await call
    except (SystemExit, GeneratorExit) as exc:
        raise PluginCrashed(f"plugin raised {type(exc).__name__}{_args(exc)}") from None


def _args(exc: BaseException) -> str:
    return f"({exc.args[0]!r})" if exc.args else ""


def describe_error(exc: BaseException) -> str:
    """A one-line reason for the panel: a plugin's own SourceError speaks for itself;
    anything else is a bug in the plugin and says so with its type."""
    if isinstance(exc, SourceError | MalformedOutput | PluginCrashed | BlockingStillRunning):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
