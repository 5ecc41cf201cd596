"""The one sort of signals (DESIGN.md "The one sort"): the board's panels, `check`'s
text and JSON, and the wallboard list signals in this order, so what an engineer reads
first anywhere is the probable cause, not its loudest symptom.

Severity first (critical, unknown, warning, ok); within a severity the signals of the
probable causes in triage rank, then the symptoms of those causes (in the same rank),
then the rest; then name. Within a cause its failing signals keep triage's order (worst,
then first breached), so the first signal of the sort at the cause's severity is
`Cause.signals[0]`: the launch selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from oncall_tui.core.signals.model import Signal
from oncall_tui.core.triage.causes import FAILING, LAYERS, Diagnosis

SortKey = tuple[int, int, int, str]

REST = 1 << 30
"""The tier of every signal that is neither a cause's nor a symptom's: after every tier
a diagnosis can give, and the same in every sort, so that a new diagnosis changes only
the keys of the signals it ranks (`moved`)."""


@dataclass(frozen=True, slots=True)
class OneSort:
    """The sort of one diagnosis. Equal when two diagnoses order signals alike, so a
    board re-sorts its panels only when the ranking moved, not at every diagnosis."""

    tiers: dict[str, int] = field(default_factory=dict)
    """Component -> its tier: the rank of its cause (a root), or the number of causes
    plus the rank of its root (a symptom)."""
    symptoms: frozenset[str] = frozenset()
    """Components that are symptoms: only their failing signals are ordered as such,
    as only those point at the root."""
    positions: dict[str, int] = field(default_factory=dict)
    """A cause's failing signal -> its place among the cause's signals."""
    rest: int = REST
    """The tier of everything else."""

    @classmethod
    def of(cls, diagnosis: Diagnosis) -> OneSort:
        causes = diagnosis.causes
        if not causes:
            return cls()
        rank = {cause.component: index for index, cause in enumerate(causes)}
        tiers = dict(rank)
        symptoms = set()
        for component, root in diagnosis.roots.items():
            if component not in tiers and root in rank:
                tiers[component] = len(causes) + rank[root]
                symptoms.add(component)
        positions = {key: place for cause in causes for place, key in enumerate(cause.signals)}
        return cls(tiers, frozenset(symptoms), positions)

    def moved(self, other: OneSort) -> tuple[frozenset[str], frozenset[str]]:
        """(components, signal keys) whose signals may sort differently under `other`
        than under this sort; every other signal's key is the same in both."""
        components = frozenset(self.tiers.keys() | other.tiers.keys())
        return components, frozenset(self.positions.keys() | other.positions.keys())

    def key(self, signal: Signal) -> SortKey:
        """The sort key of `signal`: smaller comes first."""
        tier = self.rest
        if self.tiers and signal.kind in LAYERS:
            component = signal.component or signal.name
            found = self.tiers.get(component)
            if found is not None and (component not in self.symptoms or signal.status in FAILING):
                tier = found
        return (-signal.status.severity, tier, self.positions.get(signal.key, 0), signal.name)

    def order(self, signals: Iterable[Signal]) -> list[Signal]:
        """`signals` in this sort."""
        return sorted(signals, key=self.key)
