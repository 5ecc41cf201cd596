"""Each field of a recording, checked: numbers, times, durations, statuses, and the
facts a signal may carry (an SLO's burn, a canary's cohorts, an ack, maintenance).

One wording for every malformed field (`signals[2].value: expected a number or null,
got an integer of 401 digits`), raised as `Malformed`; `validate.py` checks whole
frames with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from oncall_tui.core.sanitize import MAX_LINE
from oncall_tui.core.signals.facts import CanaryFacts, SloFacts
from oncall_tui.core.signals.model import Ack, Maintenance, Reason, Status, Thresholds
from oncall_tui.core.signals.team import clean_ack, clean_maintenance

MAX_TIME = 253_402_300_799.0
"""The last second of year 9999: a later (or negative) time cannot be shown as a date."""
MAX_DURATION = 366 * 86_400.0
"""Durations (intervals, the change window) are at most a year, as in a config."""

Text = Callable[[object, str, str, int], str]
"""The checker's text reader: (value, where, name, limit) -> sanitised text."""


class Malformed(ValueError):
    """A field of a recording that is not what the recorder writes; the message names
    the field's path and what was expected."""


def show(value: object) -> str:
    """A wrong value, said briefly (an integer of 10^400 digits is not printed)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, int) and not -(10**15) < value < 10**15:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number_of(value: object, where: str, name: str = "") -> float | None:
    """A finite number or null (absent is null)."""
    if value is None:
        return None
    number = _finite(value)
    if number is None:
        raise Malformed(f"{at(where, name)}: expected a number or null, got {show(value)}")
    return number


def time_of(value: object, where: str, name: str = "", *, required: bool = False) -> float | None:
    """A unix time a clock can show (1970 to year 9999), or null when not required."""
    if value is None and not required:
        return None
    number = _finite(value)
    if number is None or not 0.0 <= number <= MAX_TIME:
        null = "" if required else " or null"
        raise Malformed(
            f"{at(where, name)}: expected a unix time (1970 to 9999){null}, got {show(value)}"
        )
    return number


def duration_of(value: object, where: str, name: str = "") -> float | None:
    """Seconds, at most a year, or null."""
    if value is None:
        return None
    number = _finite(value)
    if number is None or not 0.0 <= number <= MAX_DURATION:
        raise Malformed(
            f"{at(where, name)}: expected seconds (0 to a year) or null, got {show(value)}"
        )
    return number


def at(where: str, name: str) -> str:
    return f"{where}.{name}" if name and where else name or where


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range (10**400)
        return None
    return number if math.isfinite(number) else None


def status_of(value: object, where: str, name: str) -> Status:
    try:
        return Status(value) if isinstance(value, str) else Status("\0")
    except ValueError:
        words = ", ".join(status.value for status in Status)
        raise Malformed(f"{at(where, name)}: expected one of {words}, got {show(value)}") from None


def reason_of(value: object, where: str, name: str) -> Reason | None:
    if value is None:
        return None
    try:
        return Reason(value) if isinstance(value, str) else Reason("\0")
    except ValueError:
        words = ", ".join(reason.value for reason in Reason)
        raise Malformed(
            f"{at(where, name)}: expected null or one of {words}, got {show(value)}"
        ) from None


def thresholds_of(value: object, where: str, name: str) -> Thresholds | None:
    if value is None:
        return None
    where = at(where, name)
    # Recordings made before `recover_for` existed carry four numbers.
    if not isinstance(value, list) or len(value) not in (4, 5) or not isinstance(value[2], bool):
        raise Malformed(
            f"{where}: expected null or [warning, critical, below, for, recover], got {show(value)}"
        )
    warning, critical, below, for_seconds, *recover = value
    return Thresholds(
        number_of(warning, f"{where}[0]"),
        number_of(critical, f"{where}[1]"),
        below,
        number_of(for_seconds, f"{where}[3]") or 0.0,
        recover_seconds=(number_of(recover[0], f"{where}[4]") if recover else None) or 0.0,
    )


def _object(value: object, where: str, what: str) -> dict[str, object] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed(f"{where}: expected null or {what}, got {show(value)}")
    return value


def slo_of(value: object, where: str, text: Text) -> SloFacts | None:
    """An SLO signal's facts: objective, burn per window, budget left, when it runs out."""
    data = _object(value, where, "an object with an objective")
    if data is None:
        return None
    objective = number_of(data.get("objective"), where, "objective")
    if objective is None:
        raise Malformed(f"{where}.objective: expected a number, got null")
    burn = data.get("burn") or {}
    if not isinstance(burn, dict) or len(burn) > 16:
        raise Malformed(f"{where}.burn: expected an object of at most 16 windows, got {show(burn)}")
    return SloFacts(
        objective=objective,
        burn={
            text(k, f"{where}.burn", "", 20): number_of(v, f"{where}.burn", str(k)[:20])
            for k, v in burn.items()
        },
        budget_left=number_of(data.get("budget_left"), where, "budget_left"),
        exhausted_in_s=number_of(data.get("exhausted_in_s"), where, "exhausted_in_s"),
        period=duration_of(data.get("period"), where, "period") or 30 * 86400.0,
    )


def canary_of(value: object, where: str, text: Text) -> CanaryFacts | None:
    """A canary signal's cohort against its baseline."""
    data = _object(value, where, "an object with a cohort")
    if data is None:
        return None
    return CanaryFacts(
        cohort=text(data.get("cohort"), where, "cohort", 200),
        baseline=text(data.get("baseline"), where, "baseline", 200),
        error_ratio=number_of(data.get("error_ratio"), where, "error_ratio"),
        baseline_error_ratio=number_of(
            data.get("baseline_error_ratio"), where, "baseline_error_ratio"
        ),
        requests=number_of(data.get("requests"), where, "requests") or 0.0,
        share=number_of(data.get("share"), where, "share"),
    )


def ack_of(value: object, where: str, text: Text) -> Ack | None:
    """Who acknowledged an alert, since when, until when."""
    data = _object(value, where, "an object with an author")
    if data is None:
        return None
    return clean_ack(
        Ack(
            text(data.get("author"), where, "author", 200),
            time_of(data.get("since"), where, "since"),
            time_of(data.get("until"), where, "until"),
            text(data.get("id"), where, "id", 64),
        )
    )


def maintenance_of(value: object, where: str, text: Text) -> Maintenance | None:
    """Planned work in force on a component."""
    data = _object(value, where, "an object with a text")
    if data is None:
        return None
    return clean_maintenance(
        Maintenance(
            text(data.get("text"), where, "text", MAX_LINE),
            time_of(data.get("until"), where, "until"),
            text(data.get("component"), where, "component", 200),
            text(data.get("author"), where, "author", 200),
        )
    )
