"""The probable cause on hand-built situations (DESIGN.md "Triage contract").

Each situation is a board an on-call engineer could meet; the answer is the one a
person would give reading the definition by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.present.causes_json import causes_json
from oncall_tui.core.present.triage_text import cause_line
from oncall_tui.core.signals.model import (
    Event,
    Reading,
    Reason,
    Signal,
    SourceState,
    Thresholds,
)
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import diagnose
from oncall_tui.core.triage.topology import Topology, topology_problems
from triage_support import BANK, CRIT, OK, T0, UNKN, WARN, sig


def change(component: str, at: float, name: str = "") -> Signal:
    return sig(
        name or f"{component} changed",
        OK,
        "change",
        component=component,
        value=at,
    )


def roots(signals: list[Signal], topology: dict[str, list[str]] | None = None) -> list[str]:
    return [c.component for c in diagnose(signals, topology).causes]


# --- the incident situations: cascade, mixed, overload ---------------------------------


def test_nothing_failing_means_no_cause() -> None:
    board = [sig("credit-bureau", OK, "dependency"), sig("jiebei-loan", OK)]
    assert diagnose(board, BANK).causes == ()
    assert causes_json(diagnose(board, BANK)) == []


def test_single_root() -> None:
    board = [sig("credit-bureau", CRIT, "dependency"), sig("jiebei-loan", OK)]
    (cause,) = diagnose(board, BANK).causes
    assert cause.component == "credit-bureau"
    assert cause.kind == "dependency" and cause.status is CRIT
    assert cause.signals == ("prom/credit-bureau",)
    assert cause.affects == () and cause.since == T0


def test_cascade_names_the_quiet_cause_not_the_loud_symptoms() -> None:
    """The bureau is only degraded; the loan service and the credit-limit rule that
    fails closed without bureau data are critical, and louder: still one cause."""
    board = [
        sig("credit-bureau availability", WARN, "dependency", component="credit-bureau", at=T0),
        sig("jiebei-loan errors", CRIT, component="jiebei-loan", at=T0 + 20),
        sig("jiebei-loan p99", CRIT, component="jiebei-loan", at=T0 + 25),
        sig("jiebei/credit_limit", CRIT, "risk_rule", at=T0 + 30),
    ]
    (cause,) = diagnose(board, BANK).causes
    assert cause.component == "credit-bureau" and cause.status is WARN
    assert cause.affects == ("jiebei-loan", "jiebei/credit_limit")
    assert causes_json(diagnose(board, BANK))[0]["affects"] == [
        "jiebei-loan",
        "jiebei/credit_limit",
    ]


def test_chain_root_is_the_deepest_failing_component() -> None:
    """service -> risk-engine -> bureau, the bureau fine: risk-engine is the root."""
    topology = {"pay-api": ["risk-engine"], "risk-engine": ["credit-bureau"]}
    board = [
        sig("pay-api", CRIT, at=T0),
        sig("risk-engine", WARN, at=T0 + 60),
        sig("credit-bureau", OK, "dependency"),
    ]
    (cause,) = diagnose(board, topology).causes
    assert (cause.component, cause.affects) == ("risk-engine", ("pay-api",))
    # And when the bureau fails too, it explains both.
    board[2] = sig("credit-bureau", WARN, "dependency", at=T0 + 90)
    (cause,) = diagnose(board, topology).causes
    assert (cause.component, cause.affects) == ("credit-bureau", ("pay-api", "risk-engine"))


def test_a_shared_dependency_is_a_diamond_not_a_cycle() -> None:
    """checkout needs pay-api and risk-engine, both need the same database: two paths
    to one component are no cycle (the config loads), and the database failing is the
    one cause of all three, each symptom named once."""
    topology = {
        "checkout": ["pay-api", "risk-engine"],
        "pay-api": ["ledger-db"],
        "risk-engine": ["ledger-db"],
    }
    assert topology_problems(topology) == []
    assert Topology(topology).depends_on("checkout") == {"pay-api", "risk-engine", "ledger-db"}
    board = [
        sig("ledger-db", CRIT, "dependency", at=T0),
        sig("pay-api", CRIT, at=T0 + 10),
        sig("risk-engine", WARN, at=T0 + 15),
        sig("checkout", CRIT, at=T0 + 20),
    ]
    (cause,) = diagnose(board, topology).causes
    assert cause.component == "ledger-db"
    assert sorted(cause.affects) == ["checkout", "pay-api", "risk-engine"]


def test_a_failing_service_outranks_a_less_severe_dependency() -> None:
    """Never by layer: a dependency does not come first for being a dependency."""
    board = [
        sig("payment-gateway", WARN, "dependency", at=T0 - 600),
        sig("pay-api", CRIT, at=T0),
        sig("checkout-web", OK),
    ]
    topology = {"checkout-web": ["pay-api", "payment-gateway"]}
    assert roots(board, topology) == ["pay-api", "payment-gateway"]
    # Equal severity, equal reach: who breached first, whatever the layer.
    board[0] = sig("payment-gateway", CRIT, "dependency", at=T0 + 5)
    assert roots(board, topology) == ["pay-api", "payment-gateway"]


def test_two_independent_roots_ranked_by_what_they_explain() -> None:
    topology = {
        "checkout-web": ["pay-api"],
        "wallet-api": ["pay-api"],
        "loan-api": ["credit-bureau"],
    }
    board = [
        sig("credit-bureau", CRIT, "dependency", at=T0),
        sig("loan-api", CRIT, at=T0),
        sig("pay-api", CRIT, at=T0 + 30),
        sig("checkout-web", CRIT, at=T0 + 31),
        sig("wallet-api", WARN, at=T0 + 32),
    ]
    bureau, pay = diagnose(board, topology).causes[::-1]
    assert roots(board, topology) == ["pay-api", "credit-bureau"]
    assert pay.affects == ("checkout-web", "wallet-api")
    assert bureau.affects == ("loan-api",)


def test_a_root_in_each_layer() -> None:
    board = [
        sig("paylater/geo_mismatch", CRIT, "risk_rule", at=T0 + 10),
        sig("sms-otp", CRIT, "dependency", at=T0 + 20),
        sig("repayment-api", CRIT, "health", at=T0),
    ]
    causes = diagnose(board, BANK).causes
    assert [(c.component, c.kind) for c in causes] == [
        ("repayment-api", "health"),
        ("paylater/geo_mismatch", "risk_rule"),
        ("sms-otp", "dependency"),
    ]


def test_glob_keys_make_every_match_depend() -> None:
    board = [
        sig("credit-bureau", CRIT, "dependency", at=T0),
        sig("jiebei/credit_limit", CRIT, "risk_rule", at=T0),
        sig("jiebei/income_check", WARN, "risk_rule", at=T0),
        sig("huabei/credit_limit", CRIT, "risk_rule", at=T0),
    ]
    causes = diagnose(board, BANK).causes
    assert [(c.component, c.affects) for c in causes] == [
        ("credit-bureau", ("jiebei/credit_limit", "jiebei/income_check")),
        ("huabei/credit_limit", ()),
    ]
    # A Topology built once (remembering its glob lookups) answers the same.
    assert diagnose(board, Topology(BANK)).causes == causes


def test_without_a_topology_every_failing_component_is_its_own_root() -> None:
    board = [
        sig("credit-bureau", WARN, "dependency", at=T0),
        sig("jiebei-loan", CRIT, at=T0 + 5),
        sig("jiebei-loan p99", CRIT, component="jiebei-loan", at=T0 + 1),
        sig("wallet-api", OK),
    ]
    for topology in (None, {}):
        causes = diagnose(board, topology).causes
        assert [(c.component, c.affects) for c in causes] == [
            ("jiebei-loan", ()),
            ("credit-bureau", ()),
        ]
        assert causes[0].since == T0 + 1  # its first signal to breach
        assert causes[0].signals == ("prom/jiebei-loan p99", "prom/jiebei-loan")


def test_a_failing_source_is_a_blind_spot_beside_a_failing_dependency() -> None:
    board = [
        sig("credit-bureau", CRIT, "dependency", at=T0),
        sig("sms-otp", UNKN, "dependency", source="otp", reason=Reason.SOURCE_ERROR, value=None),
        sig("jiebei-loan", WARN, at=T0 + 10),
    ]
    sources = [
        SourceState("prom", "prometheus", frozenset(), ok=True),
        SourceState("otp", "http", frozenset(), ok=False, error="connect timeout"),
        SourceState("bank", "http", frozenset(), ok=False, error="refused"),
    ]
    diagnosis = diagnose(board, BANK, sources=sources)
    assert [c.component for c in diagnosis.causes] == ["credit-bureau"]
    assert diagnosis.cause is not None and diagnosis.cause.affects == ("jiebei-loan",)
    spots = [(s.component, s.reason, s.sources) for s in diagnosis.blind_spots]
    # The source with signals speaks through them; the one without, by its name.
    assert spots == [("bank", "source error", ("bank",)), ("sms-otp", "source error", ("otp",))]
    assert diagnosis.blind_spots[1].text == "cannot see sms-otp: source error"


def test_unknown_dependencies_are_unseen_not_blamed() -> None:
    """jiebei-loan fails while the SMS provider cannot be seen: jiebei-loan is the
    root (nothing it depends on is known to fail), and the cause says what is unseen."""
    board = [
        sig("jiebei-loan", CRIT, at=T0),
        sig("sms-otp", UNKN, "dependency", reason=Reason.STALE, value=None),
        sig("credit-bureau", OK, "dependency"),
    ]
    diagnosis = diagnose(board, BANK)
    (cause,) = diagnosis.causes
    assert cause.component == "jiebei-loan" and cause.unseen == ("sms-otp",)
    assert [(s.component, s.reason) for s in diagnosis.blind_spots] == [("sms-otp", "stale")]


def test_business_alerts_and_changes_are_never_causes() -> None:
    board = [
        sig("pay success", CRIT, "business", component="paylater"),
        sig("ServiceDown", CRIT, "alert", component="pay-api"),
        change("pay-api", T0 - 60),
    ]
    assert diagnose(board, BANK).causes == ()


def test_flapping_keeps_the_breach_time_until_it_recovers() -> None:
    """Through the real store: a root flipping between warning and critical keeps the
    time it first breached (so it keeps its rank), a recovery starts over."""
    clock = [T0]
    store = SignalStore(clock=lambda: clock[0])
    store.add_source(SourceState("s", "test", frozenset(), interval=10.0))
    limits = Thresholds(warning=0.5, critical=0.9)

    def collect(at: float, flapper: float, steady: float = 0.95) -> list[str]:
        clock[0] = at
        store.apply(
            "s",
            [
                Reading("a", "health", "pay-api", flapper, "ratio", thresholds=limits),
                Reading("b", "dependency", "bank-core", steady, "ratio", thresholds=limits),
            ],
        )
        return [c.component for c in diagnose(store.signals.values()).causes]

    collect(T0, 0.1, steady=0.1)
    assert collect(T0 + 10, 0.95, steady=0.1) == ["pay-api"]  # breaches first
    assert collect(T0 + 20, 0.95) == ["pay-api", "bank-core"]
    for step in range(3, 12):
        # pay-api flaps warning <-> critical: still breached first, still first.
        order = collect(T0 + 10 * step, 0.6 if step % 2 else 0.95)
        assert order[0] == ("bank-core" if step % 2 else "pay-api")
        pay = next(c for c in diagnose(store.signals.values()).causes if c.component == "pay-api")
        assert pay.since == T0 + 10
    # It recovers and breaches again: now it is the later one.
    assert collect(T0 + 200, 0.1) == ["bank-core"]
    assert collect(T0 + 210, 0.95) == ["bank-core", "pay-api"]


def test_a_cyclic_table_still_shows_every_failing_component() -> None:
    """The config rejects cycles, but a recording could carry one: nothing failing may
    vanish from the answer, and nothing may loop."""
    board = [sig("a", CRIT), sig("b", WARN)]
    assert sorted(roots(board, {"a": ["b"], "b": ["a"]})) == ["a", "b"]


# --- changes -----------------------------------------------------------------------------


def test_a_change_before_the_breach_is_attached_dated_by_its_value() -> None:
    """The deploy happened before anyone looked (its value is older than the first
    observation): a one-shot check still attaches it."""
    board = [
        sig("pay-api errors", CRIT, component="pay-api", at=T0),
        change("pay-api", T0 - 180, "pay-api deployed"),
        change("pay-api", T0 - 7200, "pay-api config reloaded"),  # outside the hour
        change("wallet-api", T0 - 60, "wallet-api deployed"),  # someone else's
    ]
    (cause,) = diagnose(board, {}, 3600.0).causes
    assert [(c.name, c.at) for c in cause.changes] == [("pay-api deployed", T0 - 180)]
    (entry,) = causes_json(diagnose(board, {}, 3600.0))[0]["changes"]
    assert entry == {
        "component": "pay-api",
        "name": "pay-api deployed",
        "at": "2027-01-15T07:57:00+00:00",
        "effect": None,  # no history from before it: not known yet
    }
    # A shorter window leaves it out; a change after the breach is no trigger.
    assert diagnose(board, {}, 120.0).causes[0].changes == ()
    board[1] = change("pay-api", T0 + 30, "pay-api deployed")
    assert diagnose(board, {}, 3600.0).causes[0].changes == ()


def test_earlier_changes_come_from_the_event_log() -> None:
    """A second deploy after the breach replaced the marker's value; the first one,
    which preceded the breach, is still in the event log."""
    marker = change("pay-api", T0 + 120, "pay-api deployed")
    board = [sig("pay-api errors", CRIT, component="pay-api", at=T0), marker]
    events = [
        Event(T0 - 90, marker.key, marker.name, OK, OK, T0 - 100, change=True),
        Event(T0 + 125, marker.key, marker.name, OK, OK, T0 + 120, change=True),
    ]
    (cause,) = diagnose(board, {}, 3600.0, events=events).causes
    assert [c.at for c in cause.changes] == [T0 - 100]


# --- topology validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"a": ["b"], "b": ["a"]}, 'topology."a": cycle a -> b -> a'),
        ({"a": ["a"]}, 'topology."a": cycle a -> a'),
        (
            {
                "loan-api": ["risk-engine"],
                "risk-*": ["limit-service"],
                "limit-service": ["loan-api"],
            },
            'topology."loan-api": cycle loan-api -> risk-engine -> limit-service -> loan-api',
        ),
        ({"a": [""]}, 'topology."a"[0]: a component name cannot be empty'),
    ],
)
def test_topology_problems(table: dict[str, list[str]], problem: str) -> None:
    assert topology_problems(table) == [problem]


def test_a_glob_matching_its_own_value_is_no_cycle() -> None:
    """ "every pay-* service depends on pay-gateway" does not make the gateway depend on
    itself."""
    table = {"pay-*": ["pay-gateway"]}
    assert topology_problems(table) == []
    assert Topology(table).depends_on("pay-gateway") == set()
    assert Topology(table).depends_on("pay-api") == {"pay-gateway"}


def test_a_cycle_is_a_config_error_with_its_path() -> None:
    text = """
[sources.demo]
plugin = "demo"

[topology]
"jiebei-loan" = ["credit-bureau"]
"credit-bureau" = ["bureau-proxy"]
"bureau-*" = ["jiebei-loan"]
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("."))
    assert caught.value.problems == [
        'topology."jiebei-loan": cycle jiebei-loan -> credit-bureau -> bureau-proxy -> jiebei-loan'
    ]


def test_an_acyclic_topology_loads() -> None:
    text = '[sources.demo]\nplugin = "demo"\n[topology]\n"a" = ["b"]\n"b/*" = ["c"]\n'
    assert parse_config(text, Path(".")).topology == {"a": ["b"], "b/*": ["c"]}


def test_unmatched_topology_names_are_reported() -> None:
    board = [sig("credit-bureau", OK, "dependency"), sig("jiebei/credit_limit", OK, "risk_rule")]
    assert diagnose(board, BANK).unmatched == ("jiebei-loan", "payment-gateway", "sms-otp")
    assert diagnose(board, {"huabei/*": ["credit-bureau"]}).unmatched == ("huabei/*",)


def test_an_alert_is_the_causes_evidence_by_its_labels_without_a_component() -> None:
    """No `component` on the alert source: an alert is about the cause when it carries
    every label of one of the cause's signals, or a label equal to its component."""
    rule = replace(
        sig("cashloan/geo-mismatch", CRIT, "risk_rule"),
        labels={"product": "cashloan", "rule": "geo_mismatch"},
    )
    spike = replace(
        sig("RiskRuleHitRateSpike cashloan geo_mismatch", CRIT, "alert", source="am"),
        labels={"alertname": "RiskRuleHitRateSpike", "product": "cashloan", "rule": "geo_mismatch"},
    )
    other_rule = replace(
        sig("RiskRuleHitRateSpike paylater geo_mismatch", CRIT, "alert", source="am"),
        labels={"alertname": "RiskRuleHitRateSpike", "product": "paylater", "rule": "geo_mismatch"},
    )
    by_label = replace(
        sig("ServiceErrors", WARN, "alert", source="am"),
        labels={"alertname": "ServiceErrors", "service": "cashloan/geo-mismatch"},
    )
    unrelated = replace(
        sig("DiskFull", CRIT, "alert", source="am"), labels={"alertname": "DiskFull", "host": "db1"}
    )
    (cause,) = diagnose([rule, spike, other_rule, by_label, unrelated]).causes
    assert cause.alerts == (spike.key, by_label.key)
    assert cause_line(cause).endswith("· 2 alerts")
