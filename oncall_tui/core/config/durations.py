"""Durations as the config writes them: "300ms", "5s", "2m", "1h30m"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_FACTOR = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: object) -> float:
    """Seconds in `text`. Bare numbers are refused: "5" could mean seconds or minutes,
    and guessing wrong on a pager tool is expensive."""
    if not isinstance(text, str):
        raise ValueError(f"expected a duration like '5s' or '300ms', got {text!r}")
    compact = text.strip().replace(" ", "")
    pos, total = 0, 0.0
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _FACTOR[match.group(2)]
        pos = match.end()
    if not compact or pos != len(compact):
        raise ValueError(f"expected a duration like '5s' or '300ms', got {text!r}")
    if total > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than a year")
    return total


MAX_DURATION = 366 * 86400.0


def format_duration(seconds: float) -> str:
    """Short human form for screens: 450ms, 5s, 2m, 1h5m."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{hours // 24}d{hours % 24}h"


def _duration_type() -> Any:
    from pydantic import BeforeValidator, PlainSerializer

    return Annotated[
        float,
        BeforeValidator(parse_duration),
        PlainSerializer(format_duration, return_type=str),
    ]


if TYPE_CHECKING:
    Duration = Annotated[float, "a config field written as a duration string"]
else:

    def __getattr__(name: str) -> Any:
        """`Duration` is built on first use: the parser and the formatter above serve
        the command line and the screens, which must not import pydantic for them."""
        if name == "Duration":
            globals()["Duration"] = duration = _duration_type()
            return duration
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
