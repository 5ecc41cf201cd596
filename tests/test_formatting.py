import pytest

from oncall_tui.core.present.formatting import format_thresholds, format_value
from oncall_tui.core.signals.model import Thresholds


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (None, "ratio", "—"),
        (0.0, "ratio", "0%"),
        (0.0523, "ratio", "5.23%"),
        (1e-9, "ratio", "< 0.01%"),  # not zero, so never "0%"
        (5e-324, "percent", "< 0.01%"),
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


def test_an_underflowing_number_is_tiny_not_zero() -> None:
    from oncall_tui.core.signals.model import as_number

    assert as_number("1e-400") == 5e-324
    assert format_value(as_number("1e-400"), "ratio") == "< 0.01%"
    assert as_number("-1e-400") == -5e-324
    assert as_number("0e-400") == 0.0 and as_number("0.0") == 0.0


def test_a_level_on_a_bool_scale_is_a_number_except_yes_and_no() -> None:
    from oncall_tui.core.present.formatting import format_level

    assert format_level(0.5, "bool") == "0.5"
    assert format_level(-0.15, "bool") == "-0.15"
    assert format_level(1, "bool") == "yes" and format_level(0, "bool") == "no"
    assert format_level(0.05, "ratio") == "5%"


def test_a_signal_with_a_baseline_says_its_usual_level() -> None:
    """`pay success 71% (usual 99.2%)`. Found on the real Prometheus example:
    the business rows showed only their limits; how far from normal was not said."""
    from oncall_tui.core.present.formatting import default_summary
    from oncall_tui.core.signals.model import Status, Thresholds

    limits = Thresholds(warning=0.98, critical=0.95, below=True)
    said = default_summary(0.71, "ratio", Status.CRITICAL, limits, baseline=0.992)
    assert said == "critical: ≤ 95% (usual 99.20%)"
    assert default_summary(0.99, "ratio", Status.OK, limits, baseline=0.992) == "usual 99.20%"
    assert default_summary(0.99, "ratio", Status.OK, limits) == ""
    ratio = Thresholds(warning_ratio=0.8, critical_ratio=0.6, below=True)
    said = default_summary(44, "per_second", Status.CRITICAL, ratio, baseline=87)
    assert said == "critical: 0.51x its usual 87/s (≤ 0.6x)"


def test_a_row_without_a_value_says_no_data_only_when_that_is_why_it_is_unknown() -> None:
    """A source that decides the status itself (a check that passed) sends no value: its
    ok row must not read "no data", which says the opposite."""
    from oncall_tui.core.signals.model import Reading, SourceState, Status
    from oncall_tui.core.signals.store import SignalStore

    store = SignalStore(clock=lambda: 0.0)
    store.add_source(SourceState("s", "x", frozenset({"health"}), interval=5))
    store.apply(
        "s",
        [
            Reading(key="passed", kind="health", name="passed", status=Status.OK),
            Reading(key="failed", kind="health", name="failed", status=Status.CRITICAL),
            Reading(key="silent", kind="health", name="silent"),
        ],
        at=0,
    )
    summaries = {key: signal.summary for key, signal in store.signals.items()}
    assert summaries == {"s/passed": "", "s/failed": "critical", "s/silent": "no data"}
