"""Which firing alerts a signal is about: what `s` (silence) offers on a non-alert row.

An engineer looking at "ledger errors" critical wants to silence the alert that pages
for it without hunting for it in the Alerts panel. An alert belongs to a signal when
they name the same component (the triage grouping, `component = "{service}"` on both
sides), or when every label of the signal (its series' identity, `__name__` aside) is
on the alert with the same value: `{service="ledger"}` matches
`ServiceDown{service="ledger", severity="critical"}`. A signal without labels or a
component of its own matches nothing, so a stray match cannot silence the wrong alert.
"""

from __future__ import annotations

from collections.abc import Iterable

from oncall_tui.core.signals.model import Signal, sort_key

IGNORED_LABELS = frozenset({"__name__"})


def matching_alerts(signal: Signal, signals: Iterable[Signal]) -> list[Signal]:
    """`signal` itself when it is an alert; otherwise the alerts among `signals` that
    are about it, worst first."""
    if signal.kind == "alert":
        return [signal]
    found = [
        other
        for other in signals
        if other.kind == "alert" and other.key != signal.key and _about(other, signal)
    ]
    return sorted(found, key=sort_key)


def _about(alert: Signal, signal: Signal) -> bool:
    if signal.component and alert.component.casefold() == signal.component.casefold():
        return True
    return carries_labels(alert, signal)


def is_evidence(alert: Signal, components: set[str], signals: Iterable[Signal]) -> bool:
    """Whether a firing `alert` is evidence of a probable cause (`components`: its own
    and those it affects; `signals`: its failing signals): its component is one of
    them, or it carries a label equal to one, or every label of one of the signals (a
    `RiskRuleHitRateSpike{product, rule}` about the rule's hit-rate series), so the
    evidence is found without `component` set on the alert source."""
    return (
        (alert.component or alert.name) in components
        or not components.isdisjoint(alert.labels.values())
        or any(carries_labels(alert, signal) for signal in signals)
    )


def carries_labels(alert: Signal, signal: Signal) -> bool:
    """Whether every label of `signal` (`__name__` aside) is on `alert` with the same
    value; a signal without labels is carried by nothing."""
    labels = {name: value for name, value in signal.labels.items() if name not in IGNORED_LABELS}
    return bool(labels) and all(alert.labels.get(name) == value for name, value in labels.items())
