"""Option values checked at parse time, so a typo is a usage message, not a traceback."""

from __future__ import annotations

import argparse

from oncall_tui.core.config.durations import parse_duration


def duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected a number above 0 (e.g. 10), got {text!r}")
    return value


def whole_number(text: str, low: int, high: int, what: str = "a whole number") -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {low} to {high}, got {value}")
    return value


def fps(text: str) -> int:
    return whole_number(text, 1, 120)


def port(text: str) -> int:
    return whole_number(text, 0, 65535, "a port number")
