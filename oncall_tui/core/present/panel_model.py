"""The rows of one board panel and its cursor, kept up to date by what changed.

A board is left open all day with thousands of signals, 10% of them changing every
second: re-reading the whole store for every re-sort (membership, sort key, each
column's width for every row) cost ~0.1 s of the event loop per sync at 10,000
signals, which is what a key press waited for. So the model keeps, per row, its sort
key and the widths it measured, and a re-sort recomputes them only for the keys the
store reported; the whole store is read again only when the membership rule changes
(the filter) or nothing is known yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import compress
from operator import attrgetter, not_
from typing import TypeVar

from oncall_tui.core.present.board_columns import COLUMNS, Column
from oncall_tui.core.present.cell_width import cell_width
from oncall_tui.core.present.words import shown_name
from oncall_tui.core.signals.model import Signal, Status, sort_key

Accept = Callable[[Signal], bool]
OrderKey = Callable[[Signal], tuple[object, ...]]
Name = TypeVar("Name", bound=str)
"""A panel's name (a group, a kind)."""

_STATUS = attrgetter("status")
_COMPONENT = attrgetter("component")


def _of_components(
    order: Collection[str], signals: Mapping[str, Signal], components: Collection[str]
) -> set[str]:
    """The keys of `order` whose signal is about one of `components` (its component,
    else its name), picked at C speed: a panel's thousands of rows at each new
    probable cause."""
    keys = list(order)
    rows = list(map(signals.__getitem__, keys))
    about = list(map(_COMPONENT, rows))
    found = set(compress(keys, map(components.__contains__, about)))
    for key, signal in compress(zip(keys, rows, strict=True), map(not_, about)):
        if signal.name in components:  # no component: its name stands for it
            found.add(key)
    return found


class PanelRows:
    """The rows of one panel and its cursor, independent of how they are drawn.

    `accept` decides membership (kind, host or not, the filter); the rows are the
    accepted signals in the one sort used everywhere (`order_key`: core/triage/one_sort.py,
    plain `sort_key` until the board knows the probable causes). Assigning either marks
    what it invalidates; `update` does the work. `columns` are the board's columns (the
    measured ones are measured per row).
    """

    def __init__(self, accept: Accept, columns: Sequence[Column] = COLUMNS) -> None:
        self._measured = tuple(column for column in columns if column.measure is not None)
        self._accept = accept
        self._order_key: OrderKey = sort_key
        self.rows: list[Signal] = []
        self._keys: list[str] = []
        """The rows' keys, in their order."""
        self.position: dict[str, int] = {}
        self.order: dict[str, tuple[object, ...]] = {}
        """Each row's sort key, by signal key (also: which keys are rows)."""
        self.counts: dict[Status, int] = dict.fromkeys(Status, 0)
        self.longest_name = 0
        self.widths: dict[str, int] = {c.name: 0 for c in self._measured}
        """Content width of each measured column (see `Column.measure`)."""
        self.cursor = 0
        self.cursor_key: str | None = None
        self.walks = 0
        """Passes over the whole store so far (what a key press must not wait for)."""
        self._names: dict[str, int] = {}
        self._sizes: dict[str, dict[str, int]] = {
            c.name: {} for c in self._measured if not c.sticky
        }
        """Each row's width in each measured column that may narrow again."""
        self._widest: dict[str, int] = {c.name: 0 for c in self._measured if c.sticky}
        """The widest content seen in each sticky column (it never narrows)."""
        self._unmeasured: set[str] = set()
        """Rows whose values changed without a re-sort: measured at the next one."""
        self._regroup = True
        self._reorder = False
        self._remeasure = False
        self._keyed: dict[str, tuple[object, ...]] = {}
        """Sort keys `classify` computed, for the `update` that follows it."""
        self._moved: tuple[set[str], set[str]] = (set(), set())
        """Components and keys whose rows `reorder` may have moved."""

    @property
    def accept(self) -> Accept:
        return self._accept

    @accept.setter
    def accept(self, accept: Accept) -> None:
        self._accept = accept
        self._regroup = True

    @property
    def order_key(self) -> OrderKey:
        return self._order_key

    @order_key.setter
    def order_key(self, key: OrderKey) -> None:
        self._order_key = key
        self._reorder = True
        self._keyed = {}

    def reorder(self, key: OrderKey, components: Collection[str], keys: Collection[str]) -> None:
        """A new sort under which only the rows of `components` (a signal's component,
        else its name) or of `keys` may sort differently: at the next update only those
        are keyed again. (A new diagnosis ranks a few components; re-keying all of a
        panel's thousands of rows was most of what a re-sort cost at 10,000 signals.)"""
        self._order_key = key
        self._keyed = {}
        if not self._reorder:
            self._moved[0].update(components)
            self._moved[1].update(keys)

    @property
    def stale(self) -> bool:
        """Whether the next update must re-read membership or sort keys of rows it was
        not told about."""
        return self._regroup or self._reorder or bool(self._moved[0] or self._moved[1])

    def classify(
        self, signals: Mapping[str, Signal], changed: Collection[str]
    ) -> tuple[bool, set[str]]:
        """(does the panel need a re-sort, keys of its rows that changed)."""
        resort = False
        dirty: set[str] = set()
        order, accept, order_key, keyed = self.order, self._accept, self._order_key, {}
        rows, position = self.rows, self.position
        for key in changed:
            signal = signals.get(key)
            known = order.get(key)
            if known is None:
                if signal is not None and accept(signal):
                    resort = True
                continue
            dirty.add(key)
            if signal is None or not accept(signal):
                resort = True
                continue
            keyed[key] = now = order_key(signal)
            if now != known or signal is not rows[position[key]]:
                resort = True  # (or replaced by a new object with the same key)
        self._keyed = keyed
        return resort, dirty

    def touched(self, keys: Collection[str]) -> None:
        """Rows whose values changed while their place did not: their widths are
        measured again at the next re-sort (as a whole re-read would have)."""
        self._unmeasured.update(keys)
        self._keyed = {}

    def resort(self, signals: Mapping[str, Signal] | Collection[Signal]) -> None:
        """Everything again from the whole store (by key, or the signals themselves):
        first build, or anything may have changed (a rebuild after a failure, the end
        of a pause)."""
        if not isinstance(signals, Mapping):
            signals = {signal.key: signal for signal in signals}
        self._regroup = self._remeasure = True
        self.update(signals, ())

    def update(self, signals: Mapping[str, Signal], changed: Collection[str]) -> None:
        """Re-sort after the store reported `changed`: only those keys are read again,
        unless the membership rule or the sort changed since the last update."""
        order = self.order
        accept, order_key = self._accept, self._order_key
        # Rows whose values changed in place since the last re-sort: `classify` found
        # their place unchanged then, so they are measured, not keyed again.
        touched, self._unmeasured = self._unmeasured, set()
        stale: set[str] = set()
        if self._regroup:
            self.walks += 1
            members = {key: s for key, s in signals.items() if accept(s)}
            for key in [key for key in order if key not in members]:
                self._forget(key)
            if self._remeasure:
                stale.update(members)
            else:
                stale.update(key for key in members if key not in order)
                stale.update(key for key in changed if key in members)
        else:
            for key in changed:
                signal = signals.get(key)
                if signal is None or not accept(signal):
                    if key in order:
                        self._forget(key)
                else:
                    stale.add(key)
        keyed, self._keyed = self._keyed, {}
        components, moved = self._moved
        # Whether a row may have changed its place: else the order stands as it is.
        shifted = self._reorder or self._regroup or self._remeasure
        if self._reorder and not self._remeasure:
            for key in order:
                order[key] = order_key(signals[key])
        elif (components or moved) and not self._remeasure:
            for key in _of_components(order, signals, components) | (moved & order.keys()):
                sort_as = order_key(signals[key])
                shifted = shifted or order[key] != sort_as
                order[key] = sort_as
        self._moved = (set(), set())
        new: list[str] = []
        remeasure = self._remeasure
        for key in stale:
            signal = signals.get(key)
            if signal is None or (key not in order and not accept(signal)):
                continue
            # A sticky column is measured for new rows here; for rows it already had,
            # when they are on screen (`widen`): off screen, a row costs its place.
            sticky = remeasure or key not in order
            if key not in order:
                new.append(key)
            known = keyed.get(key)
            sort_as = known if known is not None else order_key(signal)
            shifted = shifted or order.get(key) != sort_as
            order[key] = sort_as
            self._measure(signal, sticky=sticky)
        for key in touched - stale:
            signal = signals.get(key)
            if signal is not None and key in order:
                self._measure(signal, sticky=False)
        self._regroup = self._reorder = self._remeasure = False
        # From the previous order: Timsort takes a nearly sorted list in one pass.
        keys = self._keys
        if len(keys) != len(order) - len(new):  # rows left: only then filter
            keys = [key for key in keys if key in order]
        elif not (new or shifted):
            # No row came, went or changed its sort key: the order stands (a new
            # probable cause re-keys its components' rows, and at 10,000 signals a
            # re-sort of one panel's 6,000 rows for nothing was a millisecond or two).
            self._arrange(signals, keys, same_order=True)
            return
        keys = [*keys, *sorted(new)]
        keys.sort(key=order.__getitem__)
        self._arrange(signals, keys)

    def _arrange(
        self, signals: Mapping[str, Signal], keys: list[str], *, same_order: bool = False
    ) -> None:
        """Rows, places, counts and widths of `keys` in their order (`same_order`: the
        rows' keys and places of last time)."""
        rows = list(map(signals.__getitem__, keys))
        self.rows = rows
        self._keys = keys
        if not same_order:
            self.position = dict(zip(keys, range(len(keys)), strict=True))
        counts = dict.fromkeys(Status, 0)
        counts.update(Counter(map(_STATUS, rows)))
        self.counts = counts
        self.longest_name = max(self._names.values(), default=0)
        for column in self._measured:
            if column.sticky:
                widest = max(self.widths[column.name], self._widest[column.name])
            else:
                widest = max(self._sizes[column.name].values(), default=0)
            self.widths[column.name] = min(column.cap, widest) if column.cap else widest
        if self.cursor_key is not None and self.cursor_key in self.position:
            self.cursor = self.position[self.cursor_key]
        else:
            # The selected signal is gone: stay at the same place in the list.
            self.cursor = max(0, min(self.cursor, len(rows) - 1))
            self.cursor_key = rows[self.cursor].key if rows else None

    def _measure(self, signal: Signal, *, sticky: bool = True) -> None:
        key = signal.key
        self._names[key] = cell_width(shown_name(signal))
        for column in self._measured:
            assert column.measure is not None
            if column.sticky:
                if sticky:
                    widest = self._widest
                    widest[column.name] = max(widest[column.name], column.measure(signal))
            else:
                self._sizes[column.name][key] = column.measure(signal)

    def _forget(self, key: str) -> None:
        del self.order[key]
        self._names.pop(key, None)
        for sizes in self._sizes.values():
            sizes.pop(key, None)

    @property
    def value_width(self) -> int:
        return self.widths["value"]

    @property
    def limit_width(self) -> int:
        return self.widths["limit"]

    def widen(self, keys: Collection[str]) -> bool:
        """Measure the sticky columns of the rows at `keys` (those on screen): True when
        one of them needs a column wider than laid out (it is widened)."""
        grew = False
        for column in self._measured:
            if not column.sticky or column.measure is None:
                continue
            name = column.name
            laid_out = self.widths[name]
            if column.cap and laid_out >= column.cap:
                continue  # as wide as it ever gets
            widest = self._widest[name]
            for key in keys:
                index = self.position.get(key)
                if index is not None:
                    widest = max(widest, column.measure(self.rows[index]))
            self._widest[name] = widest
            width = min(column.cap, widest) if column.cap else widest
            if width > laid_out:
                self.widths[name] = width
                grew = True
        return grew

    def move(self, index: int) -> int:
        """Put the cursor on row `index` (clamped); returns the previous index."""
        previous = self.cursor
        if self.rows:
            self.cursor = max(0, min(index, len(self.rows) - 1))
            self.cursor_key = self.rows[self.cursor].key
        return previous


def route(
    changed: Collection[str], models: Mapping[Name, PanelRows], signals: Mapping[str, Signal]
) -> dict[Name, set[str]]:
    """The changed keys each panel must look at: its own rows that changed, plus every
    key no panel shows yet (new, or leaving one panel for another).

    Each panel asking each of the thousands of keys changed per second whether it wants
    it was most of what a sync cost, though a key belongs to one panel at most: here a
    key a panel already shows costs a lookup per panel and one membership test."""
    routed: dict[Name, set[str]] = {name: set() for name in models}
    owners = [(routed[name], model.order, model.accept) for name, model in models.items()]
    homeless: list[str] = []
    for key in changed:
        signal = signals.get(key)
        placed = False
        for keys, order, accept in owners:
            if key in order:
                keys.add(key)
                placed = placed or signal is None or accept(signal)
        if not placed:
            homeless.append(key)
    for keys in routed.values():
        keys.update(homeless)
    return routed
