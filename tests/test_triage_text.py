"""The cause line: what it says, and how it shortens (at word boundaries, never mid-word)."""

from __future__ import annotations

import pytest

from oncall_tui.core.present.triage_text import (
    blind_line,
    cause_line,
    cell_width,
    fit_words,
    short_duration,
)
from oncall_tui.core.signals.model import Status
from oncall_tui.core.triage.causes import BlindSpot, Cause, Change, Diagnosis

T0 = 1_800_000_000.0

BUREAU = Cause(
    component="credit-bureau",
    kind="dependency",
    status=Status.CRITICAL,
    since=T0,
    signals=("prom/credit-bureau availability",),
    affects=("jiebei-loan", "jiebei/credit_limit"),
    changes=(Change("credit-bureau", "bureau client config reloaded", T0 - 180),),
)


def test_the_full_line() -> None:
    assert cause_line(BUREAU, now=T0 + 240) == (
        "LIKELY CAUSE  credit-bureau down 4m (dependency) → jiebei-loan, jiebei/credit_limit"
        " · bureau client config reloaded 3m before"
    )


def test_words_per_layer_and_status() -> None:
    rule = Cause("paylater/geo_mismatch", "risk_rule", Status.WARNING, T0, ("k",))
    assert cause_line(rule) == "LIKELY CAUSE  paylater/geo_mismatch warning (risk rule)"
    degraded = Cause("sms-otp", "dependency", Status.WARNING, T0, ("k",))
    assert "sms-otp degraded 90s" in cause_line(degraded, now=T0 + 90)


def test_no_change_is_said_when_the_window_is_known() -> None:
    service = Cause("pay-api", "health", Status.CRITICAL, T0, ("k",))
    # The window is the config's, said as written ("1h"), not rounded like an age.
    assert cause_line(service, window=3600).endswith("· no change in the 1h before")
    assert cause_line(service, window=5400).endswith("· no change in the 1h30m before")
    assert "change" not in cause_line(service)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "<10s"), (45.9, "40s"), (90, "90s"), (240, "4m"), (7199, "119m"), (10800, "3h"),
     (200000, "2d")],
)  # fmt: skip
def test_short_duration(seconds: float, text: str) -> None:
    assert short_duration(seconds) == text


def test_shortening_drops_the_affected_list_before_anything_else() -> None:
    many = Cause(
        "credit-bureau",
        "dependency",
        Status.CRITICAL,
        T0,
        ("k",),
        affects=("loan-api", "cashloan/credit-limit", "paylater/credit-limit", "limit-service"),
        changes=BUREAU.changes,
    )
    full = cause_line(many)
    assert "+" not in full
    line = cause_line(many, width=100)
    assert cell_width(line) <= 100
    assert line == (
        "LIKELY CAUSE  credit-bureau down (dependency) → 4 affected"
        " · bureau client config reloaded 3m before"
    )
    assert "→ loan-api +3 more ·" in cause_line(many, width=110)
    assert "→ loan-api, cashloan/credit-limit +2 more ·" in cause_line(many, width=130)
    # Tight, the change keeps what matters (that something changed, and when) rather
    # than "bureau client…"; then the head loses its duration before the change goes.
    tight = cause_line(many, width=80)
    assert tight == "LIKELY CAUSE  credit-bureau down (dependency) → 4 affected · changed 3m before"
    lasting = cause_line(many, now=T0 + 240, width=80)
    assert lasting.endswith("(dependency) → 4 affected · changed 3m before")


def test_a_change_named_after_its_component_reads_as_what_happened() -> None:
    deploy = Change("pay-api", "pay-api deployed", T0 - 90)
    service = Cause("pay-api", "health", Status.CRITICAL, T0, ("k",), changes=(deploy,))
    assert cause_line(service) == "LIKELY CAUSE  pay-api critical (health) · deployed 90s before"


@pytest.mark.parametrize("width", range(1, 140))
def test_never_cut_mid_word(width: int) -> None:
    line = cause_line(BUREAU, now=T0 + 240, width=width, window=3600)
    assert cell_width(line) <= width
    # Every word shown is a whole word of the full line (or of "+1 more", "2 affected").
    full = cause_line(BUREAU, now=T0 + 240, window=3600)
    vocabulary = {w.rstrip(",") for w in full.split()} | {"+1", "more", "2", "affected", "changed"}
    for word in line.removesuffix("…").split():
        assert word.rstrip(",") in vocabulary, (width, line)
    shortened = ("…", "more", "affected", "changed")
    assert line == full or any(mark in line for mark in shortened), (width, line)


def test_fit_words() -> None:
    assert fit_words("credit-bureau down → loan-api", 100) == "credit-bureau down → loan-api"
    assert fit_words("credit-bureau down → loan-api", 22) == "credit-bureau down…"
    assert fit_words("credit-bureau down", 5) == "…"
    assert fit_words("alpha, beta, gamma", 13) == "alpha, beta…"
    assert fit_words("anything", 0) == ""


def test_wide_characters_count_two_cells() -> None:
    wide = Cause("借呗-loan", "health", Status.CRITICAL, T0, ("k",), affects=("花呗/额度",))
    line = cause_line(wide)
    assert cell_width("借呗") == 4
    assert cell_width(cause_line(wide, width=len(line))) <= len(line)


def test_blind_line() -> None:
    diagnosis = Diagnosis(
        blind_spots=(
            BlindSpot("sms-otp", "source error", sources=("otp",)),
            BlindSpot("bank-core", "stale"),
        )
    )
    assert blind_line(diagnosis) == "CANNOT SEE  sms-otp: source error; bank-core: stale"
    assert blind_line(Diagnosis()) == ""
    assert blind_line(diagnosis, width=30) == "CANNOT SEE  sms-otp: source…"
