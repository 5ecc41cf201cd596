"""One-line summaries of simulated readings, written the way an engineer would say them.

The summary sits next to the value, so it does not repeat it: it says which threshold
is crossed, how a rule compares with its baseline and, while an incident runs, hints at
what is going on. Everything
that does not depend on the value is prepared once per signal: a collection of thousands
of signals should spend its time moving numbers, not rebuilding the same phrases.
"""

from __future__ import annotations

from collections.abc import Callable

from oncall_tui.plugin import Kind, Status, Thresholds, format_value
from oncall_tui_demo.catalog import SignalSpec
from oncall_tui_demo.scenario import Effect, IncidentKind, Phase


def percent(ratio: float) -> str:
    """A ratio as a percentage with as many decimals as its size needs."""
    pct = ratio * 100.0
    if pct >= 10.0:
        return f"{pct:.0f}%"
    return f"{pct:.1f}%" if pct >= 1.0 else f"{pct:.2f}%"


def limit_percent(ratio: float) -> str:
    """A threshold as a percentage without trailing zeros: 5%, 99.5%."""
    return f"{ratio * 100.0:.4f}".rstrip("0").rstrip(".") + "%"


def duration(seconds: float) -> str:
    return f"{seconds * 1000.0:.0f}ms" if seconds < 1.0 else f"{seconds:.2f}s"


_HINTS: dict[tuple[IncidentKind, Kind], tuple[str, str, str]] = {
    # (incident, kind of the signal it moves): what is said while starting, ongoing,
    # recovering.
    ("overload", "health"): (
        "traffic surging, queues building up",
        "overloaded: traffic 3x normal, worker pool saturated",
        "recovering: traffic easing, queues draining",
    ),
    ("overload", "business"): (
        "checkout slowing down",
        "customers hitting errors and timeouts at checkout",
        "recovering with checkout",
    ),
    ("risk_rule", "risk_rule"): (
        "hit rate climbing right after a rule update",
        "real users refused: rule update, not a traffic change",
        "recovering: rule back in shadow mode",
    ),
    ("risk_rule", "business"): (
        "more payments refused",
        "good customers refused by a risk rule",
        "recovering: refusals back to usual",
    ),
    ("dependency", "dependency"): (
        "{cause} timeouts increasing",
        "{cause} unreachable, requests timing out",
        "recovering: {cause} answering again",
    ),
    ("dependency", "health"): (
        "waiting on {cause}",
        "waiting on {cause} (down); not our bug",
        "recovering with {cause}",
    ),
    ("dependency", "business"): (
        "applications slowing down",
        "applications stuck waiting for credit reports",
        "recovering: applications flowing again",
    ),
    ("cascade", "dependency"): (
        "{cause} calls failing now and then",
        "{cause} failing one call in eight",
        "recovering: {cause} calls succeeding again",
    ),
    ("cascade", "health"): (
        "loan applications failing",
        "loan applications failing with 5xx, retries piling up",
        "recovering: errors subsiding",
    ),
    ("cascade", "risk_rule"): (
        "rejecting more applications by default",
        "failing closed: no credit data, rejecting by default",
        "recovering: credit data back",
    ),
    ("cascade", "business"): (
        "approvals dropping",
        "approvals collapsed: applications failing or rejected",
        "recovering: approvals picking up",
    ),
}
_PHASES: tuple[Phase, ...] = ("starting", "ongoing", "recovering")


def _context(spec: SignalSpec) -> Callable[[float], str]:
    """What the value column does not say: for a risk rule, how far it is from its
    baseline. Other measures need no words while healthy (the value has its column)."""
    baseline = spec.baseline or 0.0
    if spec.metric == "business":
        usual = f"usual {_amount(baseline, spec)}"
        return lambda value: usual
    if spec.metric in ("errors", "latency", "dependency_latency", "availability"):
        return lambda value: ""
    if baseline <= 0.0:
        return lambda value: "share of decisions blocked"
    normal = percent(baseline)
    return lambda value: f"blocks {value / baseline:.1f}x its baseline of {normal}"


def _amount(value: float, spec: SignalSpec) -> str:
    """A business level as people quote it: 99.2%, 120, 46k."""
    if spec.unit == "ratio":
        return f"{value * 100.0:.1f}%"
    return format_value(value, spec.unit)


def _limit(limit: float, spec: SignalSpec) -> str:
    return limit_percent(limit) if spec.unit == "ratio" else format_value(limit, spec.unit)


def _breach_text(spec: SignalSpec, word: str, limit: float | None) -> str:
    if limit is None:
        return ""
    shown = duration(limit) if spec.unit == "seconds" else _limit(limit, spec)
    return f"({word} {'≤' if spec.thresholds.below else '≥'} {shown})"


class Describer:
    """Writes the summary of one signal, e.g.
    `(critical ≥ 5%) overloaded: traffic 3x normal, ...`."""

    __slots__ = ("_breach", "_context", "_hints", "_thresholds")

    def __init__(self, spec: SignalSpec) -> None:
        self._context = _context(spec)
        self._thresholds: Thresholds = spec.thresholds
        # The same rule the engine applies (Thresholds.level), so the summary never
        # names a breach the status does not show.
        self._breach: dict[Status, str] = {
            Status.WARNING: _breach_text(spec, "warning", spec.thresholds.warning),
            Status.CRITICAL: _breach_text(spec, "critical", spec.thresholds.critical),
        }
        self._hints: dict[IncidentKind, dict[Phase, str]] = {}
        for incident in spec.incidents:
            texts = _HINTS.get((incident, spec.kind))
            if texts is not None:
                self._hints[incident] = {
                    phase: text.format(cause=spec.cause)
                    for phase, text in zip(_PHASES, texts, strict=True)
                }

    def __call__(
        self, value: float, effect: Effect | None, incident: IncidentKind | None = None
    ) -> str:
        context = self._context(value)
        breach = self._breach.get(self._thresholds.level(value), "")
        hints = self._hints.get(incident) if incident is not None else None
        hint = hints.get(effect.phase, "") if hints is not None and effect is not None else ""
        if not (breach or hint):
            return context  # most values, most of the time
        return " ".join(filter(None, (context, breach, hint)))
