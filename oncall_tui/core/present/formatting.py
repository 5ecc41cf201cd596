"""Values as people read them. Shared by `check` and the UI so both say the same."""

from __future__ import annotations

import time

from oncall_tui.core.present.words import missing_value_word, short_duration, symbols
from oncall_tui.core.signals.model import Signal, SourceState, Status, Thresholds, Unit
from oncall_tui.core.signals.slo import burn_text


def failing_since(source: SourceState, now: float) -> str:
    """ " failing since 03:12:09" for a failing source (with the date when that was not
    today), "" otherwise: how long a source has been blind matters as much as that it
    is."""
    if source.ok is not False or source.failing_since is None:
        return ""
    at = time.localtime(source.failing_since)
    same_day = at[:3] == time.localtime(now)[:3]
    return " failing since " + time.strftime("%H:%M:%S" if same_day else "%b %d %H:%M", at)


def format_value(value: float | None, unit: Unit) -> str:
    """`value` in `unit`, short enough for a table cell; "—" when there is none (never 0)."""
    if value is None:
        return "—"
    if unit in ("ratio", "percent"):
        return _percent(value * 100 if unit == "ratio" else value)
    if unit == "seconds":
        if abs(value) < 1:
            return _trim(value * 1000) + "ms"
        return _trim(value) + "s"
    if unit == "per_second":
        return _si(value) + "/s"
    if unit == "bool":
        return "yes" if value else "no"
    if unit == "bytes":
        return _si(value, 1024) + "B"
    if unit == "burn_rate":
        return burn_text(value)
    return _si(value)


def format_thresholds(thresholds: Thresholds | None, unit: Unit) -> str:
    """e.g. "warn ≥ 2%, crit ≥ 5%" — what the value is judged against."""
    if thresholds is None:
        return ""
    op = symbols().at_most if thresholds.below else symbols().at_least
    parts = []
    if thresholds.warning is not None:
        parts.append(f"warn {op} {format_level(thresholds.warning, unit)}")
    if thresholds.critical is not None:
        parts.append(f"crit {op} {format_level(thresholds.critical, unit)}")
    if thresholds.warning_ratio is not None:
        parts.append(f"warn {op} {thresholds.warning_ratio:g}x baseline")
    if thresholds.critical_ratio is not None:
        parts.append(f"crit {op} {thresholds.critical_ratio:g}x baseline")
    if thresholds.for_seconds:
        parts.append(f"for {thresholds.for_seconds:g}s")
    return ", ".join(parts)


def default_summary(
    value: float | None,
    unit: Unit,
    status: Status,
    thresholds: Thresholds | None,
    baseline: float | None = None,
    kind: str = "",
) -> str:
    """What the row says when the source gave no summary of its own. The value has a
    column of its own; the summary says which limit it crossed, and the usual level
    when there is a baseline ("pay success 71% (usual 99.2%)": how far from normal is
    the first question about a business signal), or nothing when ok without one."""
    if value is None:
        return missing_value_word(status)
    # Not a positive number, a baseline is no usual level (as for the ratio limits).
    usual = f"usual {format_value(baseline, unit)}" if baseline is not None and baseline > 0 else ""
    if status is Status.OK or thresholds is None:
        return usual
    if unit == "bool":
        # "no  critical: ≤ 0.5" says nothing a person reads; what it is and what it
        # should be does: "down (expected up)".
        words = ("down", "up") if kind == "dependency" else ("no", "yes")
        expected = words[1] if thresholds.below else words[0]
        return f"{words[1] if value else words[0]} (expected {expected})"
    op = symbols().at_most if thresholds.below else symbols().at_least
    critical = status is Status.CRITICAL
    ratio = thresholds.ratio(value, baseline)
    if ratio is not None and thresholds.level(value).severity < status.severity:
        # The ratio to the baseline, not the value itself, decided the status.
        ratio_limit = thresholds.critical_ratio if critical else thresholds.warning_ratio
        limit_text = f" ({op} {ratio_limit:g}x)" if ratio_limit is not None else ""
        return f"{status.value}: {_trim(ratio)}x its {usual}{limit_text}"
    limit = thresholds.critical if critical else thresholds.warning
    said = status.value if limit is None else f"{status.value}: {op} {format_level(limit, unit)}"
    if limit is not None and thresholds.level(value).severity < status.severity:
        # Held by `recover_for`: back on the good side, not yet long enough to end it.
        side = "over" if thresholds.below else "under"
        said = f"{status.value}, clearing: back {side} {format_level(limit, unit)}"
    return f"{said} ({usual})" if usual else said


def format_level(level: float, unit: Unit) -> str:
    """A level on a scale (a limit, a chart axis) rather than a reading: a bool
    threshold of 0.5 or an axis end of -0.1 is a number, not "yes"; only 0 and 1 are
    "no" and "yes"."""
    if unit == "bool" and level not in (0, 1):
        return _trim(level)
    return format_value(level, unit)


def _percent(pct: float) -> str:
    """Availability lives between 99% and 100%: 99.97% must never read "100%"; and a
    value that is not zero must never read "0%"."""
    if 0 < abs(pct) < 0.01:
        return "< 0.01%" if pct > 0 else "> -0.01%"
    if 99 <= pct < 100:
        return f"{min(pct, 99.99):.2f}%"
    return _trim(pct) + "%"


def _trim(number: float) -> str:
    if abs(number) >= 100:
        return f"{number:.0f}"
    if abs(number) >= 10:
        return f"{number:.1f}".rstrip("0").rstrip(".")
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _si(number: float, base: int = 1000) -> str:
    for suffix in ("", "k", "M", "G", "T"):
        if abs(number) < base or suffix == "T":
            return _trim(number) + suffix
        number /= base
    return _trim(number)  # pragma: no cover - loop always returns


def limit_text(thresholds: Thresholds | None, unit: Unit) -> str:
    """The limits in one short cell: '≥2%/5%' (warning/critical), '≤99%/95%'."""
    if thresholds is None:
        return ""
    op = symbols().at_most if thresholds.below else symbols().at_least
    limits = [
        _compact(limit, unit)
        for limit in (thresholds.warning, thresholds.critical)
        if limit is not None
    ]
    return op + "/".join(limits) if limits else ""


def _compact(limit: float, unit: Unit) -> str:
    """A limit as written in a config: 99%, not the 99.00% a value near 100% needs."""
    if unit in ("ratio", "percent"):
        return f"{limit * 100 if unit == 'ratio' else limit:.4g}%"
    if unit == "bool":
        return f"{limit:g}"
    return format_value(limit, unit)


def age_text(signal: Signal, now: float) -> str:
    """How long a non-ok signal has been failing ("for 40s", "for 4m"): the one rule
    (`short_duration`) from the one "since" (`changed_at`, the breach's start), as the
    why-line, the cause line, `check` and a replay say it."""
    if signal.status is Status.OK or signal.changed_at is None:
        return ""
    return f"for {short_duration(now - signal.changed_at)}"
