"""One-line summaries of simulated readings, written the way an engineer would say them.

The summary sits next to the value, so it does not repeat it: it says which threshold
is crossed, how a rule compares with its baseline and, while an incident runs, hints at
what is going on. Everything
that does not depend on the value is prepared once per signal: a collection of thousands
of signals should spend its time moving numbers, not rebuilding the same phrases.
"""

from __future__ import annotations

from collections.abc import Callable

from oncall_tui.plugin import Status, Thresholds
from oncall_tui_demo.catalog import SignalSpec
from oncall_tui_demo.scenario import Effect, Phase


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


_HINTS: dict[tuple[str, Phase], str] = {
    ("overload", "starting"): "traffic surging, queues building up",
    ("overload", "ongoing"): "overloaded: traffic 3x normal, worker pool saturated",
    ("overload", "recovering"): "recovering: traffic easing, queues draining",
    ("risk_rule", "starting"): "hit rate climbing right after a rule update",
    ("risk_rule", "ongoing"): "real users refused: rule update, not a traffic change",
    ("risk_rule", "recovering"): "recovering: rule back in shadow mode",
    ("dependency", "starting"): "{cause} timeouts increasing",
    ("dependency", "ongoing"): "{cause} unreachable, requests timing out",
    ("dependency", "recovering"): "recovering: {cause} answering again",
    ("knock_on", "starting"): "waiting on {cause}",
    ("knock_on", "ongoing"): "waiting on {cause} (down); not our bug",
    ("knock_on", "recovering"): "recovering with {cause}",
}
_PHASES: tuple[Phase, ...] = ("starting", "ongoing", "recovering")


def _context(spec: SignalSpec) -> Callable[[float], str]:
    """What the value column does not say: for a risk rule, how far it is from its
    baseline. Other measures need no words while healthy (the value has its column)."""
    baseline = spec.baseline or 0.0
    if spec.metric in ("errors", "latency", "dependency_latency", "availability"):
        return lambda value: ""
    if baseline <= 0.0:
        return lambda value: "share of decisions blocked"
    normal = percent(baseline)
    return lambda value: f"blocks {value / baseline:.1f}x its baseline of {normal}"


def _breach_text(spec: SignalSpec, word: str, limit: float | None) -> str:
    if limit is None:
        return ""
    shown = duration(limit) if spec.unit == "seconds" else limit_percent(limit)
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
        story: str | None = spec.incident
        if story == "dependency" and spec.kind == "health":
            story = "knock_on"
        self._hints: dict[Phase, str] = (
            {p: _HINTS[story, p].format(cause=spec.cause) for p in _PHASES}
            if story is not None
            else {}
        )

    def __call__(self, value: float, effect: Effect | None) -> str:
        breach = self._breach.get(self._thresholds.level(value), "")
        hint = self._hints.get(effect.phase, "") if effect is not None else ""
        return " ".join(part for part in (self._context(value), breach, hint) if part)
