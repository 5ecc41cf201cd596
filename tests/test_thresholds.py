import math

import pytest

from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds, as_number
from oncall_tui.core.signals.store import SignalStore


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, Status.OK),
        (0.049, Status.OK),
        (0.05, Status.WARNING),  # touching the threshold counts
        (0.1, Status.WARNING),
        (0.2, Status.CRITICAL),
        (7.0, Status.CRITICAL),
    ],
)
def test_above_thresholds(value: float, expected: Status) -> None:
    assert Thresholds(warning=0.05, critical=0.2).level(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, Status.OK),
        (0.991, Status.OK),
        (0.99, Status.WARNING),
        (0.96, Status.WARNING),
        (0.95, Status.CRITICAL),
        (0.0, Status.CRITICAL),
    ],
)
def test_below_thresholds(value: float, expected: Status) -> None:
    assert Thresholds(warning=0.99, critical=0.95, below=True).level(value) is expected


def test_only_critical_threshold() -> None:
    t = Thresholds(critical=10)
    assert t.level(9.99) is Status.OK
    assert t.level(10) is Status.CRITICAL


@pytest.mark.parametrize("raw", [math.nan, math.inf, -math.inf, "NaN", "+Inf", "abc", None, [1]])
def test_non_numbers_are_none(raw: object) -> None:
    assert as_number(raw) is None


def test_numeric_strings_parse() -> None:
    assert as_number("0.25") == 0.25
    assert as_number(3) == 3.0


def _store() -> SignalStore:
    store = SignalStore(clock=lambda: 0.0)
    store.add_source(SourceState("s", "steady", frozenset({"health"}), interval=5))
    return store


def _reading(value: float | None, for_seconds: float = 0.0) -> Reading:
    return Reading(
        key="k",
        kind="health",
        name="pay-api errors",
        value=value,
        unit="ratio",
        thresholds=Thresholds(warning=0.05, critical=0.2, for_seconds=for_seconds),
    )


@pytest.mark.parametrize("raw", [math.nan, math.inf, None])
def test_nan_and_inf_are_unknown_never_zero(raw: float | None) -> None:
    store = _store()
    store.apply("s", [_reading(raw)], at=1)
    signal = store.signals["s/k"]
    assert signal.status is Status.UNKNOWN
    assert signal.reason is not None and signal.reason.value == "no data"
    assert signal.value is None


def test_for_delays_a_breach_until_it_lasts() -> None:
    store = _store()
    store.apply("s", [_reading(0.5, for_seconds=30)], at=100)
    assert store.signals["s/k"].status is Status.OK  # one spike does not count
    store.apply("s", [_reading(0.5, for_seconds=30)], at=120)
    assert store.signals["s/k"].status is Status.OK
    store.apply("s", [_reading(0.5, for_seconds=30)], at=130)
    assert store.signals["s/k"].status is Status.CRITICAL


def test_for_resets_when_the_breach_stops() -> None:
    store = _store()
    store.apply("s", [_reading(0.5, for_seconds=30)], at=100)
    store.apply("s", [_reading(0.01, for_seconds=30)], at=115)
    store.apply("s", [_reading(0.5, for_seconds=30)], at=120)
    store.apply("s", [_reading(0.5, for_seconds=30)], at=140)
    assert store.signals["s/k"].status is Status.OK
    store.apply("s", [_reading(0.5, for_seconds=30)], at=150)
    assert store.signals["s/k"].status is Status.CRITICAL


def test_for_counts_warning_time_toward_a_later_critical_separately() -> None:
    store = _store()
    store.apply("s", [_reading(0.1, for_seconds=10)], at=0)
    store.apply("s", [_reading(0.1, for_seconds=10)], at=10)
    assert store.signals["s/k"].status is Status.WARNING
    store.apply("s", [_reading(0.3, for_seconds=10)], at=15)
    assert store.signals["s/k"].status is Status.WARNING  # critical only for 0s so far
    store.apply("s", [_reading(0.3, for_seconds=10)], at=25)
    assert store.signals["s/k"].status is Status.CRITICAL


def test_recovery_is_immediate_without_recover_for() -> None:
    # (A config's thresholds recover only after `recover_for`: see test_hysteresis.)
    store = _store()
    store.apply("s", [_reading(0.5, for_seconds=10)], at=0)
    store.apply("s", [_reading(0.5, for_seconds=10)], at=10)
    assert store.signals["s/k"].status is Status.CRITICAL
    store.apply("s", [_reading(0.0, for_seconds=10)], at=11)
    assert store.signals["s/k"].status is Status.OK


def test_severity_order_for_sorting_and_exit_codes() -> None:
    order = sorted(Status, key=lambda s: -s.severity)
    assert order == [Status.CRITICAL, Status.UNKNOWN, Status.WARNING, Status.OK]
    assert [s.exit_code for s in (Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN)] == [
        0,
        1,
        2,
        3,
    ]
    assert Status.worst([Status.WARNING, Status.UNKNOWN]) is Status.UNKNOWN
    assert Status.worst([]) is Status.OK


@pytest.mark.parametrize("raw", ["1_000", " 12 ", "١٢", "0x10", 10**400])
def test_only_plain_numbers_are_numbers(raw: object) -> None:
    assert as_number(raw) is None
