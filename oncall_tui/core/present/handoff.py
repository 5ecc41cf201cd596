"""The shift handover (`oncall-tui handoff`): what fired and for how long, what still
fires and who took it, what changed, which maintenance is in force.

Alertmanager forgets an alert once it resolves; Prometheus does not: its `ALERTS`
series holds every firing alert, one sample per evaluation. A run of samples without a
gap is one episode ("fired 14:20, resolved 14:32, 12m"). A recording holds the same
story as status events of its alert signals. Either way the result is a `Handoff`,
written as Markdown whose first three lines are a summary to paste into a chat.

Everything read from a server or a file is untrusted: series, samples and labels are
capped, text passes the one sanitiser, and the Markdown escapes what could break it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from oncall_tui.core.present.triage_text import ack_words, maintenance_words
from oncall_tui.core.present.words import short_duration
from oncall_tui.core.recording.timeline import md_escape
from oncall_tui.core.sanitize import MAX_LINE, sanitize
from oncall_tui.core.signals.model import Ack, Maintenance, Signal, Status
from oncall_tui.core.signals.team import MAX_TIME, in_force

MAX_SERIES = 2000
"""ALERTS series read at most: a handover lists what people can read, not a flood."""
MAX_SAMPLES = 200_000
"""Samples read at most over all series (Prometheus answers at most 11,000 a series)."""
MAX_LISTED = 50
"""Episodes, changes and silences listed at most in each section."""
NOISE = frozenset(
    {"__name__", "alertname", "alertstate", "severity", "prometheus", "replica", "job"}
)
FAILING = frozenset({Status.WARNING, Status.CRITICAL})


@dataclass(frozen=True, slots=True)
class Episode:
    """One alert firing without a gap."""

    name: str
    severity: str
    start: float
    end: float | None
    """When it stopped firing; None: still firing at the end of the window."""
    labels: Mapping[str, str] = field(default_factory=dict)

    def lasted(self, until: float) -> float:
        return max(0.0, (self.end if self.end is not None else until) - self.start)


@dataclass(frozen=True, slots=True)
class Firing:
    """An alert firing now, as the board shows it."""

    name: str
    status: str
    since: float | None
    ack: Ack | None = None
    maintenance: Maintenance | None = None


@dataclass(frozen=True, slots=True)
class ChangeMark:
    name: str
    component: str
    at: float


@dataclass(frozen=True, slots=True)
class SilenceNote:
    """An active silence: an ack, maintenance, or a plain silence."""

    kind: str
    author: str
    ends: str
    comment: str
    matchers: str


@dataclass(slots=True)
class Handoff:
    title: str
    since: float
    until: float
    history: str
    """Where the history came from: "Prometheus ALERTS", "a recording", or "no ALERTS
    history" (no Prometheus source answered)."""
    episodes: list[Episode] = field(default_factory=list)
    firing: list[Firing] = field(default_factory=list)
    changes: list[ChangeMark] = field(default_factory=list)
    silences: list[SilenceNote] = field(default_factory=list)
    maintenance: list[Maintenance] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Sources that failed and peers that were down: what the handover could not see."""

    @property
    def has_history(self) -> bool:
        return self.history in ("Prometheus ALERTS", "a recording")


# -- reading -----------------------------------------------------------------------


def episodes_from_matrix(payload: object, step: float, until: float) -> tuple[list[Episode], str]:
    """Episodes of a `query_range` answer for `ALERTS{alertstate="firing"}`, and a
    problem ("" when none). A gap longer than two steps ends an episode; one whose
    last sample is within two steps of `until` is still firing."""
    data = payload.get("data") if isinstance(payload, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        return [], "Prometheus answered without a result matrix"
    problem = ""
    if len(result) > MAX_SERIES:
        problem = f"{len(result)} ALERTS series, only the first {MAX_SERIES} read"
        result = result[:MAX_SERIES]
    budget = MAX_SAMPLES
    series: list[tuple[dict[str, str], list[float]]] = []
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            continue
        values = item.get("values")
        if not isinstance(values, list):
            continue
        times = _times(values[:budget])
        budget -= len(times)
        labels = _labels(item["metric"])
        if times:
            series.append((labels, times))
        if budget <= 0:
            problem = problem or "too many samples: the rest was not read"
            break
    names = _names([labels for labels, _ in series])
    episodes = []
    gap = 2 * step + 1
    for (labels, times), name in zip(series, names, strict=True):
        start = previous = times[0]
        for at in times[1:]:
            if at - previous > gap:
                episodes.append(Episode(name, labels.get("severity", ""), start, previous, labels))
                start = at
            previous = at
        end = None if until - previous <= gap else previous
        episodes.append(Episode(name, labels.get("severity", ""), start, end, labels))
    episodes.sort(key=lambda e: (e.start, e.name))
    return episodes, problem


def _times(values: list[object]) -> list[float]:
    times = []
    for sample in values:
        if isinstance(sample, list) and sample and isinstance(sample[0], int | float):
            at = float(sample[0])
            if math.isfinite(at) and 0 <= at < 1e11:
                times.append(at)
    times.sort()
    return times


def _labels(metric: Mapping[object, object]) -> dict[str, str]:
    return {
        sanitize(str(name), 100): sanitize(str(value), 200)
        for name, value in list(metric.items())[:32]
    }


def _names(all_labels: list[dict[str, str]]) -> list[str]:
    """alertname plus the values of the labels that tell its series apart."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for labels in all_labels:
        groups[labels.get("alertname", "")].append(labels)
    differing: dict[str, list[str]] = {}
    for alertname, group in groups.items():
        keys = sorted({k for labels in group for k in labels} - NOISE)
        differing[alertname] = [k for k in keys if len({g.get(k, "") for g in group}) > 1]
    names = []
    for labels in all_labels:
        alertname = labels.get("alertname", "") or "unnamed alert"
        parts = [labels[k] for k in differing.get(labels.get("alertname", ""), []) if labels.get(k)]
        names.append(sanitize(" ".join([alertname, *parts]), 200))
    return names


def firing_now(signals: Iterable[Signal]) -> list[Firing]:
    """Alerts warning or critical now, worst first, each with its ack."""
    found = [s for s in signals if s.kind == "alert" and s.status in FAILING]
    found.sort(key=lambda s: (-s.status.severity, s.name))
    return [Firing(s.name, s.status.value, _began(s), s.ack, s.maintenance) for s in found]


def _began(alert: Signal) -> float | None:
    """When the alert started firing: its value is its age (Alertmanager's startsAt)
    when it was observed; else when the board first saw it failing."""
    if alert.value is not None and alert.unit == "seconds" and alert.observed_at is not None:
        return alert.observed_at - alert.value
    return alert.changed_at


def changes_in(signals: Iterable[Signal], since: float, until: float) -> list[ChangeMark]:
    marks = [
        ChangeMark(s.name, s.component, s.value)
        for s in signals
        if s.kind == "change" and s.value is not None and since <= s.value <= until
    ]
    return sorted(marks, key=lambda c: c.at)


def maintenance_in_force(
    signals: Iterable[Signal], notices: Iterable[Maintenance], now: float
) -> list[Maintenance]:
    """Each maintenance in force once: the alerts' own and the configured notices."""
    seen: dict[tuple[str, str, float | None], Maintenance] = {}
    for maintenance in [*notices, *(s.maintenance for s in signals if s.maintenance)]:
        if maintenance is not None and in_force(maintenance, now):
            seen.setdefault(
                (maintenance.component, maintenance.text, maintenance.until), maintenance
            )
    return list(seen.values())


# -- writing -----------------------------------------------------------------------


def summary_lines(handoff: Handoff) -> list[str]:
    """The three lines to paste into a chat."""
    now = handoff.until
    window = f"{_clock(handoff.since)}-{_clock(now)} UTC"
    fired = len({e.name for e in handoff.episodes})
    firing = handoff.firing
    head = f"Handoff {_plain(handoff.title)} {window}: {fired} alert{_s(fired)} fired"
    if not handoff.has_history:
        head = f"Handoff {_plain(handoff.title)} {window}: no alert history (no Prometheus)"
    if firing:
        listed = ", ".join(_firing_words(f, now) for f in firing[:3])
        more = f" +{len(firing) - 3} more" if len(firing) > 3 else ""
        head += f", {len(firing)} still firing: {listed}{more}"
    else:
        head += ", nothing firing now"
    resolved = [e for e in handoff.episodes if e.end is not None]
    if resolved:
        shown = ", ".join(
            f"{e.name} {short_duration(e.lasted(now))} ({_clock(e.start)}-{_clock(e.end or now)})"
            for e in resolved[-3:]
        )
        more = f" +{len(resolved) - 3} more" if len(resolved) > 3 else ""
        second = f"Resolved: {shown}{more}"
    else:
        second = "Resolved: none" if handoff.has_history else "Resolved: unknown (no history)"
    changes = ", ".join(f"{c.name} {_clock(c.at)}" for c in handoff.changes[-3:]) or "none"
    works = "; ".join(_maintenance_line(m, now) for m in handoff.maintenance[:2]) or "none"
    third = f"Changes: {changes}; maintenance: {works}"
    if handoff.problems:
        third += f"; not seen: {handoff.problems[0]}"
    return [head, second, third]


def _firing_words(firing: Firing, now: float) -> str:
    who = ack_words(firing.ack, now) if firing.ack else "not acked"
    since = f" since {_clock(firing.since)}" if firing.since else ""
    return f"{firing.name} ({firing.status}{since}, {who})"


def _maintenance_line(maintenance: Maintenance, now: float) -> str:
    what = maintenance_words(maintenance, now)
    return f"{maintenance.component} {what}" if maintenance.component else what


def render_markdown(handoff: Handoff) -> str:
    now = handoff.until
    lines = [*summary_lines(handoff), ""]
    span = f"{_clock(handoff.since)}-{_clock(now)} UTC"
    lines += [f"## What fired ({handoff.history}, {span})", ""]
    if handoff.episodes:
        lines += ["| alert | severity | from | to | lasted |", "|---|---|---|---|---|"]
        for e in handoff.episodes[-MAX_LISTED:]:
            end = _clock(e.end) if e.end is not None else "still firing"
            name, severity = md_escape(e.name), md_escape(e.severity) or "-"
            lasted = short_duration(e.lasted(now))
            lines.append(f"| {name} | {severity} | {_clock(e.start)} | {end} | {lasted} |")
    else:
        lines.append(
            "Nothing fired." if handoff.has_history else "No alert history: no Prometheus answered."
        )
    lines += ["", "## Still firing", ""]
    lines += [f"- {md_escape(_firing_words(f, now))}" for f in handoff.firing[:MAX_LISTED]] or [
        "None."
    ]
    lines += ["", "## Changes", ""]
    lines += [f"- {_clock(c.at)} {md_escape(c.name)}" for c in handoff.changes[-MAX_LISTED:]] or [
        "None."
    ]
    lines += ["", "## Acks, silences and maintenance", ""]
    lines += [f"- {md_escape(_maintenance_line(m, now))}" for m in handoff.maintenance]
    for s in handoff.silences[:MAX_LISTED]:
        who = md_escape(s.author) or "someone"
        lines.append(
            f"- {s.kind} by {who} until {md_escape(s.ends)}: {md_escape(s.comment)} "
            f"({md_escape(s.matchers)})"
        )
    if not handoff.maintenance and not handoff.silences:
        lines.append("None.")
    if handoff.problems:
        lines += ["", "## Not seen", ""]
        lines += [f"- {md_escape(p)}" for p in handoff.problems]
    return "\n".join(lines) + "\n"


def render_json(handoff: Handoff) -> dict[str, Any]:
    now = handoff.until
    return {
        "summary": summary_lines(handoff),
        "title": handoff.title,
        "since": _iso(handoff.since),
        "until": _iso(now),
        "history": handoff.history,
        "fired": [
            {
                "alert": e.name,
                "severity": e.severity,
                "labels": dict(e.labels),
                "start": _iso(e.start),
                "end": _iso(e.end) if e.end is not None else None,
                "seconds": round(e.lasted(now)),
            }
            for e in handoff.episodes
        ],
        "firing": [
            {
                "alert": f.name,
                "status": f.status,
                "since": _iso(f.since) if f.since else None,
                "acked_by": f.ack.author if f.ack else None,
                "acked_at": _iso(f.ack.since) if f.ack and f.ack.since else None,
            }
            for f in handoff.firing
        ],
        "changes": [
            {"name": c.name, "component": c.component, "at": _iso(c.at)} for c in handoff.changes
        ],
        "silences": [
            {"kind": s.kind, "author": s.author, "ends": s.ends, "comment": s.comment}
            for s in handoff.silences
        ],
        "maintenance": [
            {
                "component": m.component,
                "text": m.text,
                "author": m.author,
                "until": _iso(m.until) if m.until else None,
            }
            for m in handoff.maintenance
        ],
        "problems": handoff.problems,
    }


def silence_note(row: Mapping[str, str]) -> SilenceNote:
    """An active silence as the alertmanager source lists it (already sanitised)."""
    comment = row.get("comment", "")
    kind = "ack" if comment.startswith("ACK!") else "silence"
    if comment.lower().startswith("maintenance:"):
        kind = "maintenance"
    return SilenceNote(
        kind,
        row.get("created_by", ""),
        row.get("ends_at", ""),
        sanitize(comment, MAX_LINE),
        row.get("matchers", ""),
    )


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _iso(at: float) -> str | None:
    if not 0 <= at < MAX_TIME:  # a hand-made recording's 1e300 is no time
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def _clock(at: float) -> str:
    if not 0 <= at < MAX_TIME:
        return "?"
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M")


def _plain(text: str) -> str:
    return " ".join(text.split())
