import pytest

from oncall_tui.core.formatting import format_thresholds, format_value
from oncall_tui.core.model import Thresholds


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (None, "ratio", "—"),
        (0.0, "ratio", "0%"),
        (0.0523, "ratio", "5.23%"),
        (0.9997, "ratio", "99.97%"),  # a degraded dependency must not read 100%
        (0.99999, "ratio", "99.99%"),
        (1.0, "ratio", "100%"),
        (42.5, "percent", "42.5%"),
        (0.25, "seconds", "250ms"),
        (1.5, "seconds", "1.5s"),
        (1234.0, "per_second", "1.23k/s"),
        (1.0, "bool", "yes"),
        (3.0, "count", "3"),
        (2048.0, "bytes", "2kB"),
    ],
)
def test_format_value(value: float | None, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown  # type: ignore[arg-type]


def test_format_thresholds() -> None:
    assert format_thresholds(Thresholds(0.05, 0.2), "ratio") == "warn ≥ 5%, crit ≥ 20%"
    assert format_thresholds(Thresholds(0.99, 0.95, below=True, for_seconds=60), "ratio") == (
        "warn ≤ 99.00%, crit ≤ 95%, for 60s"
    )
