"""The wallboard's snapshot kept by what the store reported changed.

`wallboard.snapshot` reads and sorts every signal; the wallboard took one after every
collection, a second of CPU an hour at 1,000 signals for a TV that mostly shows the
same rows. Here each layer is a `PanelRows` (the board panels' model: rows kept in the
one sort by the keys that changed) and the counts a `StatusCounts`; a snapshot costs
the changed keys, plus a pass over a layer's rows only when one of them moved.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import takewhile

from oncall_tui.core.present.panel_model import PanelRows, route
from oncall_tui.core.present.status_counts import StatusCounts
from oncall_tui.core.present.wallboard import LAYERS, Board, Layer, observed_since
from oncall_tui.core.signals.model import Kind, Signal, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.core.triage.one_sort import OneSort


def _of_kind(kind: Kind) -> PanelRows:
    return PanelRows(lambda signal: signal.kind == kind, columns=())


def _critical(signal: Signal) -> bool:
    return signal.status is Status.CRITICAL


class LiveBoard:
    """`snapshot(store, diagnosis)`, answered from what changed since the last one;
    `note` must hear every change (subscribe it to the store)."""

    def __init__(self, store: SignalStore) -> None:
        self.store = store
        self.layers = {kind: _of_kind(kind) for kind in LAYERS}
        self.counts = StatusCounts(store)
        self._pending: set[str] | None = None
        """Keys changed since the last snapshot; None: read the whole store."""
        self._order = OneSort()

    def note(self, changed: Collection[str]) -> None:
        self.counts.note(changed)
        if self._pending is not None:
            self._pending.update(changed)

    def recount(self) -> None:
        """Read the whole store at the next snapshot (what happened before `note`
        was subscribed)."""
        self._pending = None
        self.counts.recount()

    def snapshot(self, diagnosis: Diagnosis | None = None) -> Board:
        diagnosis = diagnosis if diagnosis is not None else Diagnosis()
        order = OneSort.of(diagnosis)
        if order != self._order:
            self._order = order
            for model in self.layers.values():
                model.order_key = order.key
        changed, self._pending = self._pending, set()
        signals = self.store.signals
        routed = route(changed, self.layers, signals) if changed is not None else {}
        for kind, model in self.layers.items():
            if changed is None:
                model.resort(signals)
            elif model.stale or model.classify(signals, routed[kind])[0]:
                model.update(signals, routed[kind])
        sources = self.store.sources
        failing = [source for source in sources if source.ok is False]
        layers: dict[Kind, Layer] = {}
        for kind, model in self.layers.items():
            layers[kind] = Layer(
                kind,
                signals=model.rows,
                counts=dict(model.counts),
                failing=[source for source in failing if kind in source.kinds],
                fed=any(kind in source.kinds for source in sources),
            )
        overall, counts = self.counts.summary()
        # Worst first: a layer's criticals are the first of its rows.
        criticals = sorted(
            (s for model in self.layers.values() for s in takewhile(_critical, model.rows)),
            key=order.key,
        )
        return Board(
            overall=overall,
            counts=counts,
            layers=layers,
            criticals=criticals,
            failing=failing,
            waiting=not signals and any(source.ok is None for source in sources),
            sources=len(sources),
            diagnosis=diagnosis,
            cause_observed=observed_since(self.store, diagnosis),
        )
