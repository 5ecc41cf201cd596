"""The probable cause in words: one line for `check`'s report and the dashboard header.

    LIKELY CAUSE  credit-bureau down 4m (dependency) → loan-api, cashloan/credit-limit
                  · 2 alerts · bureau client config reloaded 2m before

(one line, wrapped here).
Shortened to any width at word boundaries, never mid-word: a cut component name reads
as another component. What goes first when space runs out: the "no change" remark,
then the count of alerts, then the list of what it affects shrinks to a count, then
words from the end.

A symptom's own row points at its root (`symptom_mark`), and its detail says whose
symptom it is (`triage_fact`).
"""

from __future__ import annotations

import time

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.present.cell_width import ELLIPSIS, cell_width
from oncall_tui.core.present.words import short_duration, status_word, symbols
from oncall_tui.core.signals.model import Ack, Kind, Maintenance, Signal, Status
from oncall_tui.core.signals.team import MAX_TIME
from oncall_tui.core.triage.causes import PARTIAL, Cause, Diagnosis

LABEL = "LIKELY CAUSE"

LAYER_WORD: dict[Kind, str] = {
    "health": "health",
    "risk_rule": "risk rule",
    "dependency": "dependency",
    "business": "business",
    "alert": "alert",
    "change": "change",
}
"""The layer as said in a sentence."""


def ago(seconds: float) -> str:
    """How people say how long ago: "just now", "45s ago", "3m ago"."""
    return "just now" if seconds < 5 else f"{short_duration(seconds)} ago"


def ack_words(ack: Ack, now: float) -> str:
    """ "acked by alice 3m ago"."""
    who = ack.author or "someone"
    when = f" {ago(now - ack.since)}" if ack.since is not None else ""
    return f"acked by {who}{when}"


def clock(at: float, now: float) -> str:
    """A moment on the board's clock (local time, as the header shows it): "16:00",
    with the day when it is not today."""
    if not 0 <= at < MAX_TIME:  # a hand-made recording's 1e300
        return "an unknown time"
    moment = time.localtime(at)
    same_day = moment[:3] == time.localtime(now)[:3]
    return time.strftime("%H:%M" if same_day else "%b %d %H:%M", moment)


def maintenance_words(maintenance: Maintenance, now: float) -> str:
    """ "maintenance until 16:00 (bob: bureau upgrade)"."""
    until = f" until {clock(maintenance.until, now)}" if maintenance.until is not None else ""
    what = maintenance.text
    if maintenance.author:
        what = f"{maintenance.author}: {what}" if what else maintenance.author
    return f"maintenance{until}" + (f" ({what})" if what else "")


def fit_words(text: str, width: int) -> str:
    """`text` cut at a word boundary to at most `width` cells, ending in "…" when cut.

    Separators left dangling at the end ("→", "·", a trailing comma) go too: "loan-api
    →…" would promise something that is not there.
    """
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    budget = width - cell_width(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for word in text.split(" "):
        extra = cell_width(word) + (1 if kept else 0)
        if used + extra > budget:
            break
        kept.append(word)
        used += extra
    while kept and (kept[-1] in ("→", "->", "·", "") or not kept[-1].strip()):
        kept.pop()
    if kept:
        kept[-1] = kept[-1].rstrip(",;")
    return (" ".join(kept) + ELLIPSIS) if kept else ELLIPSIS


def _head(cause: Cause, now: float | None, *, layer: bool = True) -> str:
    # The words that say most ("burning 20x budget", "canary 2.4.0 fails 30%") over
    # the bare status word.
    word = cause.headline or status_word(cause.kind, cause.status)
    lasted = _lasted(cause, now)
    said = f" ({LAYER_WORD[cause.kind]})" if layer else ""
    return f"{cause.component} {word}{lasted}{said}"


def _lasted(cause: Cause, now: float | None) -> str:
    """How long it has failed: " 4m"; " 29m+" when it was failing from the first data
    there is of it (it began then or earlier: a board opened into an outage, a backfill
    shorter than the outage), nothing while that is under ten seconds."""
    if now is None:
        return ""
    age = now - cause.since
    if cause.since_known:
        return "" if age < 1 else f" {short_duration(age)}"
    return "" if age < 10 else f" {short_duration(age)}+"


SHORT_CHANGE_NAME = 12
"""A change named in no more than this many cells ("deployed", "rule edited") keeps its
name on a short line: it says what changed as briefly as "changed" would."""


def _changes(
    cause: Cause, window: float | None, *, compact: bool = False, effect: bool = False
) -> str:
    """The change attached to the cause ("config reloaded 60s before"); `compact` keeps
    only that something changed and when ("changed 60s before"), the part that matters
    when the line is short; `effect` adds what it did ("(errors 0.1% → 3.0%)")."""
    if cause.changes:
        latest = cause.changes[0]
        # "pay-api deployed" next to the cause pay-api reads as "deployed".
        name = latest.name.removeprefix(f"{cause.component} ") or latest.name
        when = short_duration(cause.since - latest.at)
        more = len(cause.changes) - 1
        full = f"{name} {when} before" + (f" (+{more} more)" if more else "")
        if effect and latest.effect and not cause.headline.startswith("canary"):
            # A canary's headline already says what the deploy did.
            full += f" ({latest.effect})"
        if compact and cell_width(name) > SHORT_CHANGE_NAME:
            return f"changed {when} before"
        if compact:
            return f"{name} {when} before"
        return full
    if window is None:
        return ""
    return f"no change in the {format_duration(window)} before"


def _affects(names: tuple[str, ...], shown: int) -> str:
    """The first `shown` affected components, then "+N more"; 0: only the count; -1:
    nothing (the symptom rows still point at their root)."""
    if not names or shown < 0:
        return ""
    if shown <= 0:
        return f"{len(names)} affected"
    listed = ", ".join(names[:shown])
    rest = len(names) - shown
    return listed + (f" +{rest} more" if rest > 0 else "")


def _held(cause: Cause, now: float | None) -> str:
    """ "in maintenance until 16:00 (bob: bureau upgrade)" and "acked by alice 3m ago":
    who is already on it, said before what it affects."""
    at = time.time() if now is None else now
    parts = []
    if cause.maintenance is not None:
        parts.append("in " + maintenance_words(cause.maintenance, at))
    if cause.ack is not None:
        parts.append(ack_words(cause.ack, at))
    return " · ".join(parts)


def _alerts(cause: Cause) -> str:
    count = len(cause.alerts)
    return "" if not count else f"{count} alert" + ("" if count == 1 else "s")


def cause_line(
    cause: Cause,
    *,
    now: float | None = None,
    width: int | None = None,
    window: float | None = None,
    label: str = LABEL,
) -> str:
    """One line naming the probable cause, its layer, for how long, what it affects
    and the change just before it.

    `now` adds how long it has been failing (left out when under a second, as in a
    one-shot `check`); `window` (the config's `change_window`) adds "no change in the
    1h before" when no change is attached; `width` shortens the line at word
    boundaries.
    """
    prefix = f"{label}  " if label else ""
    # What the cause explains outranks saying that nothing changed: the quiet note goes
    # first, then the evidence's count, then the list of affected components shortens.
    # An attached change is the last thing to go: it shortens to "changed 60s before",
    # the head loses its duration and the line its count of affected components (the
    # symptom rows point at their root) before the change is cut.
    every = len(cause.affects)
    # compact: None = the change in full with its effect, False = in full, True = short.
    attempts: list[tuple[int, bool, bool, bool | None, float | None]] = []
    if any(change.effect for change in cause.changes[:1]):
        attempts.append((every, True, True, None, now))
    attempts += [
        (every, True, True, False, now),
        (every, False, True, False, now),
        (every, False, False, False, now),
    ]
    attempts += [(n, False, False, False, now) for n in range(min(every, 3), -1, -1)]
    if cause.changes:
        attempts += [(0, False, False, True, now), (0, False, False, True, None)]
        attempts += [(-1, False, False, True, None)]
    alerts = _alerts(cause)
    held = _held(cause, now)
    line = ""
    # Words that say what failed ("burning 20x budget") make the layer's name the
    # first thing to spare once everything else has shortened.
    layers = [(True, attempt) for attempt in attempts]
    if cause.headline:
        layers += [(False, attempt) for attempt in attempts]
    for layer, (shown, with_quiet, with_alerts, compact, at) in layers:
        parts = [prefix + _head(cause, at, layer=layer)]
        if held:
            parts.append(f"· {held}")
        affected = _affects(cause.affects, shown)
        if affected:
            parts.append(f"{symbols().leads_to} {affected}")
        if alerts and with_alerts:
            parts.append(f"· {alerts}")
        change = _changes(cause, window, compact=bool(compact), effect=compact is None)
        if change and (cause.changes or with_quiet):
            parts.append(f"· {change}")
        line = " ".join(parts)
        if width is None or cell_width(line) <= width:
            return line
    return fit_words(line, width) if width is not None else line


def blind_line(diagnosis: Diagnosis, *, width: int | None = None) -> str:
    """e.g. "CANNOT SEE  sms-otp: source error; bank-core: stale" — said apart from
    the cause: nobody is blamed for what nobody can see. Empty when all is visible."""
    if not diagnosis.blind_spots:
        return ""
    blind = [s for s in diagnosis.blind_spots if s.reason != PARTIAL]
    partly = [s.component for s in diagnosis.blind_spots if s.reason == PARTIAL]
    parts = []
    if blind:
        parts.append("CANNOT SEE  " + "; ".join(f"{s.component}: {s.reason}" for s in blind))
    if partly:
        parts.append("CANNOT FULLY SEE  " + ", ".join(partly) + " (partial answers)")
    line = "  ".join(parts)
    return fit_words(line, width) if width is not None else line


def symptom_mark(root: str) -> str:
    """What a symptom's row shows: `← credit-bureau` (`<- credit-bureau` in ASCII)."""
    return f"{symbols().points_to} {root}"


def triage_fact(signal: Signal, diagnosis: Diagnosis) -> str | None:
    """What triage says about one signal, for its detail: whose symptom it is, or what
    it explains as a probable cause. None when triage has nothing to add."""
    root = diagnosis.symptom_root(signal)
    first = diagnosis.cause
    if root is not None:
        rank = "likely cause" if first is not None and first.component == root else "also a cause"
        return f"symptom of {root} ({rank})"
    component = signal.component or signal.name
    if signal.status is Status.OK or signal.kind == "change":
        return None
    for index, cause in enumerate(diagnosis.causes):
        # A root explaining nothing (every one, without a topology) would only repeat
        # that the signal is failing.
        if cause.component == component and signal.key in cause.signals and cause.affects:
            what = "likely cause" if index == 0 else "also a probable cause"
            return f"{what}: explains {', '.join(cause.affects)}"
    return None


def causes_text(causes: tuple[Cause, ...], *, now: float, width: int, window: float) -> str:
    """The first cause as `check` words it, then as many other causes as fit, named
    (`· also sms-otp warning`), then how many are not (`(+1)`), which always fits: a
    second cause is never silently dropped. Naming another cause wins over the first
    cause's quiet details (no change before, the list of what it affects), never over
    its head or its change."""
    first, others = causes[0], causes[1:]
    for named in range(len(others), 0, -1):
        also = ", ".join(f"{c.component} {status_word(c.kind, c.status)}" for c in others[:named])
        tail = f" · also {also}" + _more(len(others) - named)
        line = cause_line(first, now=now, width=width - cell_width(tail), window=window, label="")
        if line and not line.endswith(ELLIPSIS) and cell_width(line + tail) <= width:
            return line + tail
    tail = _more(len(others))
    return (
        cause_line(first, now=now, width=width - cell_width(tail), window=window, label="") + tail
    )


def _more(count: int) -> str:
    return f"  (+{count})" if count else ""
