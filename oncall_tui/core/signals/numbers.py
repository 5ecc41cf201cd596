"""Numbers as a board may draw them: every value a source hands over passes here."""

from __future__ import annotations

import math
import re


def as_number(value: object) -> float | None:
    """A finite float, or None for anything that must not be drawn as a number.

    NaN and ±Inf come out of Prometheus for divisions by zero; drawing them as 0 or as a
    huge number would be a lie, so they are no data.
    """
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            number = float(value)
        else:
            return None
    except OverflowError:  # an int beyond float range
        return None
    if (
        number == 0.0
        and isinstance(value, str)
        and _NONZERO.search(value.split("e")[0].split("E")[0])
    ):
        # "1e-400" underflows to 0.0, yet it is not zero: keep the smallest positive
        # number, so the display can say "< 0.01%" instead of a flat 0.
        return math.copysign(math.ulp(0.0), -1.0 if value.lstrip().startswith("-") else 1.0)
    return number if math.isfinite(number) else None


_NONZERO = re.compile(r"[1-9]")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""ASCII decimal only: float() also takes "1_000", padding and Arabic-Indic digits."""
