"""Symptoms point at their root, and alerts are the evidence.

The headless side: which root explains each failing component (one mapping per
diagnosis), which firing alerts back each cause, how both are worded (the row mark,
the detail's fact, the cause line's count), and what `check` prints in text and JSON.
"""

from __future__ import annotations

from pathlib import Path

from demo_triage_support import check as demo_check
from oncall_tui.core.present.causes_json import causes_json
from oncall_tui.core.present.report import render_text, to_json
from oncall_tui.core.present.triage_text import cause_line, cell_width, symptom_mark, triage_fact
from oncall_tui.core.present.words import choose_symbols
from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Cause, diagnose, store_diagnosis
from triage_support import BANK, CRIT, OK, T0, UNKN, WARN, sig


def test_a_cascade_maps_every_symptom_to_its_root() -> None:
    board = [
        sig("credit-bureau availability", WARN, "dependency", component="credit-bureau"),
        sig("jiebei-loan errors", CRIT, component="jiebei-loan", at=T0 + 20),
        sig("jiebei/credit_limit", CRIT, "risk_rule", at=T0 + 30),
        sig("wallet-api", OK),
    ]
    diagnosis = diagnose(board, BANK)
    assert dict(diagnosis.roots) == {
        "jiebei-loan": "credit-bureau",
        "jiebei/credit_limit": "credit-bureau",
    }
    assert diagnosis.root_of("jiebei-loan") == "credit-bureau"
    # The root itself and a healthy component point nowhere.
    assert diagnosis.root_of("credit-bureau") is None
    assert diagnosis.root_of("wallet-api") is None


def test_a_chain_points_at_the_deepest_failing_component() -> None:
    """pay-api -> risk-engine -> credit-bureau, the bureau fine: pay-api points at
    risk-engine, the root, not past it at the bureau."""
    topology = {"pay-api": ["risk-engine"], "risk-engine": ["credit-bureau"]}
    board = [
        sig("pay-api", CRIT, at=T0 + 10),
        sig("risk-engine", WARN, at=T0),
        sig("credit-bureau", OK, "dependency"),
    ]
    diagnosis = diagnose(board, topology)
    assert dict(diagnosis.roots) == {"pay-api": "risk-engine"}
    # The bureau fails too: now it is the root of both.
    board[2] = sig("credit-bureau", CRIT, "dependency", at=T0 - 5)
    diagnosis = diagnose(board, topology)
    assert dict(diagnosis.roots) == {"pay-api": "credit-bureau", "risk-engine": "credit-bureau"}


def test_two_roots_each_keep_their_symptoms_and_a_shared_one_goes_to_the_first() -> None:
    topology = {
        "checkout-web": ["pay-api"],
        "loan-api": ["credit-bureau"],
        "limit-service": ["credit-bureau", "pay-api"],
    }
    board = [
        sig("credit-bureau", CRIT, "dependency", at=T0),
        sig("loan-api", CRIT, at=T0),
        sig("pay-api", WARN, at=T0 + 30),
        sig("checkout-web", CRIT, at=T0 + 31),
        sig("limit-service", WARN, at=T0 + 40),
    ]
    diagnosis = diagnose(board, topology)
    assert [c.component for c in diagnosis.causes] == ["credit-bureau", "pay-api"]
    assert dict(diagnosis.roots) == {
        "loan-api": "credit-bureau",
        "checkout-web": "pay-api",
        # Downstream of both: the most probable cause explains it.
        "limit-service": "credit-bureau",
    }


def test_without_a_topology_nothing_is_a_symptom() -> None:
    board = [sig("credit-bureau", CRIT, "dependency"), sig("jiebei-loan", CRIT)]
    for topology in (None, {}):
        diagnosis = diagnose(board, topology)
        assert len(diagnosis.causes) == 2
        assert dict(diagnosis.roots) == {}
        assert all(diagnosis.symptom_root(s) is None for s in board)


def test_only_a_failing_row_of_a_symptom_points_at_the_root() -> None:
    """An ok latency beside a failing error rate is not failing because of the bureau;
    an unknown one is a blind spot; a change marker is never a status."""
    errors = sig("jiebei-loan errors", CRIT, component="jiebei-loan")
    p99 = sig("jiebei-loan p99", OK, component="jiebei-loan")
    stale = sig("jiebei-loan saturation", UNKN, component="jiebei-loan", value=None)
    alert = sig("JiebeiLoanErrors", WARN, "alert", component="jiebei-loan")
    board = [sig("credit-bureau", CRIT, "dependency"), errors, p99, stale, alert]
    diagnosis = diagnose(board, BANK)
    assert diagnosis.symptom_root(errors) == "credit-bureau"
    assert diagnosis.symptom_root(alert) == "credit-bureau"  # evidence points too
    assert diagnosis.symptom_root(p99) is None
    assert diagnosis.symptom_root(stale) is None


def test_the_mapping_is_no_part_of_equality() -> None:
    """Derived from the causes: two diagnoses that say the same compare equal."""
    board = [sig("credit-bureau", CRIT, "dependency"), sig("jiebei-loan", CRIT)]
    assert diagnose(board, BANK) == diagnose(list(reversed(board)), BANK)


# --- alerts are the evidence -------------------------------------------------------------


def test_each_cause_lists_the_firing_alerts_about_it_or_its_symptoms() -> None:
    topology = {"loan-api": ["credit-bureau"], "checkout-web": ["pay-api"]}
    board = [
        sig("credit-bureau", CRIT, "dependency", at=T0),
        sig("loan-api", CRIT, at=T0 + 10),
        sig("pay-api", WARN, at=T0 + 20),
        sig("BureauDown", CRIT, "alert", component="credit-bureau"),
        sig("LoanApiErrors", WARN, "alert", component="loan-api"),
        sig("LoanApiLatency", OK, "alert", component="loan-api"),  # resolved: no evidence
        sig("PayApiSlow", WARN, "alert", component="pay-api"),
        sig("DiskFull", CRIT, "alert", component="batch-host"),  # about nothing failing
    ]
    diagnosis = diagnose(board, topology)
    bureau, pay = diagnosis.causes
    assert bureau.alerts == ("prom/BureauDown", "prom/LoanApiErrors")  # worst first
    assert pay.alerts == ("prom/PayApiSlow",)
    document = causes_json(diagnosis)
    assert document[0]["alerts"] == ["prom/BureauDown", "prom/LoanApiErrors"]
    # Extended, never renamed: every field of the contract is still there.
    assert list(document[0]) == [
        "component",
        "kind",
        "status",
        "since",
        "signals",
        "affects",
        "changes",
        "unseen",
        "alerts",
        "maintenance",
        "acked_by",
        "seen_since",
    ]
    quiet = diagnose([sig("credit-bureau", CRIT, "dependency")], topology)
    assert causes_json(quiet)[0]["alerts"] == []


def test_the_cause_line_counts_the_alerts_while_they_fit() -> None:
    cause = Cause(
        "credit-bureau",
        "dependency",
        Status.CRITICAL,
        T0,
        ("k",),
        affects=("loan-api", "cashloan/credit-limit"),
        alerts=("am/BureauDown", "am/LoanApiErrors"),
    )
    full = cause_line(cause, window=600)
    assert full == (
        "LIKELY CAUSE  credit-bureau down (dependency) → loan-api, cashloan/credit-limit"
        " · 2 alerts · no change in the 10m before"
    )
    # The quiet note goes first, then the count, then the list of what it affects.
    no_quiet = full.removesuffix(" · no change in the 10m before")
    assert cause_line(cause, window=600, width=cell_width(no_quiet)) == no_quiet
    narrower = cause_line(cause, window=600, width=cell_width(no_quiet) - 1)
    assert narrower == (
        "LIKELY CAUSE  credit-bureau down (dependency) → loan-api, cashloan/credit-limit"
    )
    one = Cause("pay-api", "health", Status.WARNING, T0, ("k",), alerts=("am/PayApiSlow",))
    assert cause_line(one) == "LIKELY CAUSE  pay-api warning (health) · 1 alert"
    for width in range(1, len(full) + 1):
        line = cause_line(cause, window=600, width=width)
        assert cell_width(line) <= width
        assert "alert" not in line or "2 alerts" in line  # never "2 ale…"


# --- words ------------------------------------------------------------------------------


def test_the_mark_and_its_ascii_stand_in() -> None:
    assert symptom_mark("credit-bureau") == "← credit-bureau"
    try:
        choose_symbols(ascii=True)
        assert symptom_mark("credit-bureau") == "<- credit-bureau"
    finally:
        choose_symbols(ascii=False)


def test_what_the_detail_says_about_a_symptom_and_a_cause() -> None:
    topology = {"loan-api": ["credit-bureau"], "checkout-web": ["pay-api"]}
    bureau = sig("credit-bureau", CRIT, "dependency", at=T0)
    loan = sig("loan-api", CRIT, at=T0 + 10)
    pay = sig("pay-api", WARN, at=T0 + 20)
    checkout = sig("checkout-web", WARN, at=T0 + 21)
    calm = sig("wallet-api", OK)
    diagnosis = diagnose([bureau, loan, pay, checkout, calm], topology)
    assert triage_fact(loan, diagnosis) == "symptom of credit-bureau (likely cause)"
    assert triage_fact(checkout, diagnosis) == "symptom of pay-api (also a cause)"
    assert triage_fact(bureau, diagnosis) == "likely cause: explains loan-api"
    assert triage_fact(pay, diagnosis) == "also a probable cause: explains checkout-web"
    assert triage_fact(calm, diagnosis) is None
    # Without a topology every failing component is a root explaining nothing: the
    # detail does not repeat that it is failing.
    plain = diagnose([bureau, loan, pay, checkout, calm], None)
    assert [triage_fact(s, plain) for s in (bureau, loan, pay, checkout)] == [None] * 4


# --- check ------------------------------------------------------------------------------

RATIO = Thresholds(warning=0.02, critical=0.05)


def cascade_store() -> SignalStore:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health", "dependency"})))

    def reading(key: str, kind: str, name: str, value: float, component: str) -> Reading:
        return Reading(
            key=key,
            kind=kind,  # type: ignore[arg-type]
            name=name,
            value=value,
            unit="ratio",
            thresholds=RATIO,
            component=component,
        )

    store.apply(
        "prom",
        [
            reading("bureau", "dependency", "credit-bureau errors", 0.4, "credit-bureau"),
            reading("loan", "health", "loan-api errors", 0.3, "loan-api"),
            reading("pay", "health", "pay-api errors", 0.001, "pay-api"),
            reading("alert", "alert", "LoanApiErrors", 1.0, "loan-api"),
        ],
        at=T0,
    )
    return store


def test_check_json_says_which_root_each_failing_signal_is_a_symptom_of() -> None:
    store = cascade_store()
    diagnosis = store_diagnosis(store, {"loan-api": ["credit-bureau"]}, 3600.0)
    document = to_json(store, T0, diagnosis)
    roots = {s["key"]: s["root"] for s in document["signals"]}
    assert roots == {
        "prom/bureau": None,  # the root itself
        "prom/loan": "credit-bureau",
        "prom/alert": "credit-bureau",
        "prom/pay": None,
    }
    assert document["causes"][0]["alerts"] == ["prom/alert"]
    # Without a topology nobody points anywhere.
    plain = to_json(store, T0, store_diagnosis(store, {}, 3600.0))
    assert all(s["root"] is None for s in plain["signals"])


def test_check_text_marks_the_symptoms_rows_whole_or_not_at_all() -> None:
    store = cascade_store()
    diagnosis = store_diagnosis(store, {"loan-api": ["credit-bureau"]}, 3600.0)
    lines = render_text(store, 80, diagnosis=diagnosis).splitlines()
    assert lines[1] == "LIKELY CAUSE  credit-bureau down (dependency) → loan-api · 1 alert"
    # The one sort: the cause's row, then its symptom, then the rest (the alert); a
    # symptom's row reads value, limit, root.
    assert lines[2:6] == [
        "CRIT  dependency credit-bureau errors       40%  critical: ≥ 5%",
        "CRIT  health     loan-api errors            30%  critical: ≥ 5% ← credit-bureau",
        "CRIT  alert      LoanApiErrors             100%  critical: ≥ 5% ← credit-bureau",
        "OK    health     pay-api errors            0.1%",
    ]
    # Too narrow for the mark whole: left out, never cut to "← cred…"; the limit is
    # shortened, never cut to "critical: …".
    narrow = render_text(store, 60, diagnosis=diagnosis).splitlines()
    assert narrow[1] == "LIKELY CAUSE  credit-bureau down (dependency) → loan-api"
    assert narrow[3] == "CRIT  health     loan-api errors            30%  crit: ≥ 5%"


def test_check_on_the_demo_cascade_points_each_symptom_at_the_bureau(tmp_path: Path) -> None:
    """Through the command line, as a user runs it."""
    code, document = demo_check(tmp_path, "cascade")
    assert code == 2
    pointing = {s["name"]: s["root"] for s in document["signals"] if s["root"] is not None}
    assert pointing == {
        "loan-api error ratio": "credit-bureau",
        "loan-api p99 latency": "credit-bureau",
        "loan-api SLO": "credit-bureau",  # its errors burn its budget
        "cashloan/credit-limit": "credit-bureau",
    }
    code, text = demo_check(tmp_path, "cascade", fmt="text")
    marked = [line for line in text.splitlines() if "← credit-bureau" in line]
    # The one sort, then name: the rule, then loan-api's SLO, error ratio, p99 latency.
    assert [line.split()[2] for line in marked] == [
        "cashloan/credit-limit",
        "loan-api",
        "loan-api",
        "loan-api",
    ]
