"""The one sort (DESIGN.md): severity; within it the probable causes' signals in triage
rank, then their symptoms, then the rest; then name. The same on the board, in `check`
(text and JSON: `signals[0]` is the launch selection) and on the wallboard; the launch
selection and follow-the-worst land on the first cause's worst row."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cascade_support import cascade_app, shown_rows
from demo_triage_support import EXPECTED, check
from oncall_tui.core.signals.model import SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import diagnose
from oncall_tui.core.triage.one_sort import REST, OneSort
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import LATENCY, RATIO, T0, make_app, reading

INCIDENTS = ["overload", "risk_rule", "dependency", "cascade"]


def two_causes_store() -> SignalStore:
    """`api` fails because `db` does (a symptom); `sms` fails on its own (a second,
    later cause); `aaa-cache` and the business row are as loud but neither."""
    store = SignalStore(clock=lambda: T0)
    store.add_source(
        SourceState("s", "demo", frozenset({"health", "dependency", "business"}), interval=5)
    )
    store.apply("s", [reading("db/errors", "health", "db errors", 0.3, component="db")], at=T0 - 60)
    store.apply(
        "s",
        [
            reading("db/errors", "health", "db errors", 0.3, component="db"),
            reading("api/errors", "health", "api errors", 0.4, component="api"),
            reading("api/p99", "health", "api p99", 2.0, "seconds", LATENCY, component="api"),
            reading("sms/p99", "dependency", "sms p99", 1.5, "seconds", LATENCY, component="sms"),
            reading("aaa/errors", "health", "aaa-cache errors", 0.01, component="aaa-cache"),
            reading("pay", "business", "aaa pay success", 0.5, thresholds=RATIO),
            reading("db/p99", "health", "db p99", 0.1, "seconds", LATENCY, component="db"),
        ],
        at=T0,
    )
    return store


def test_causes_then_their_symptoms_then_the_rest_within_each_severity() -> None:
    store = two_causes_store()
    diagnosis = diagnose(store.signals.values(), {"api": ["db"]})
    assert [c.component for c in diagnosis.causes] == ["db", "sms"]
    order = [s.key.removeprefix("s/") for s in OneSort.of(diagnosis).order(store.signals.values())]
    assert order == [
        "db/errors",  # the first cause
        "sms/p99",  # the second cause
        "api/errors",  # db's symptoms, by name
        "api/p99",
        "pay",  # the rest at critical: the business row, as loud, comes after
        "db/p99",  # within ok the first cause's row still comes first
        "aaa/errors",
    ]
    # Without a cause the sort is the plain one: severity, then name.
    plain = OneSort.of(diagnose([], {}))
    assert plain == OneSort() and plain.key(store.signals["s/pay"])[1:3] == (REST, 0)


@pytest.mark.parametrize("incident", INCIDENTS)
def test_check_json_lists_the_launch_selection_first(tmp_path: Path, incident: str) -> None:
    _, document = check(tmp_path, incident)
    cause = document["causes"][0]
    assert cause["component"] == EXPECTED[incident][0]
    signals = document["signals"]
    assert signals[0]["key"] == cause["signals"][0]
    critical = [s for s in signals if s["status"] == "critical"]
    roots = [s["root"] for s in critical]
    mine = [s["key"] for s in critical if s["key"] in cause["signals"]]
    # Every critical row of the cause, then its symptoms, then the rest (business).
    assert [s["key"] for s in critical[: len(mine)]] == mine
    symptoms = [r for r in roots[len(mine) :] if r is not None]
    assert roots[len(mine) : len(mine) + len(symptoms)] == symptoms


def test_check_text_lists_the_root_before_its_louder_symptoms(tmp_path: Path) -> None:
    _, text = check(tmp_path, "overload", fmt="text")
    rows = text.split("signals:")[1].splitlines()
    names = [line.split()[2] for line in rows if line.startswith("CRIT")]
    assert names[:2] == ["pay-api", "pay-api"] and names[2:4] == ["checkout-web"] * 2


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("incident", ["overload", "cascade"])
async def test_the_launch_selection_is_the_causes_worst_row_in_view(
    size: tuple[int, int], incident: str
) -> None:
    app = await cascade_app(incident)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = app.dashboard
        cause = board.cause.cause
        assert cause is not None and cause.component == EXPECTED[incident][0]
        assert board.selected_key == cause.signals[0]
        shown = shown_rows(app)
        assert cause.signals[0] in shown
        if incident == "overload":  # pay-api's rows, above checkout-web's
            health = board.panels["health"]
            signals = app.engine.store.signals
            mine = [
                key
                for key in cause.signals
                if key in health.model.position and signals[key].status is cause.status
            ]
            assert len(mine) >= 2 and health.row_keys[: len(mine)] == mine
            assert all(key in shown for key in mine[: 2 if size[1] < 40 else None])
        # `w` after moving away comes back to the cause, not a symptom.
        await pilot.press("j", "j")
        await pilot.press("w")
        await pilot.pause()
        assert board.selected_key == cause.signals[0]
        assert isinstance(board.focused, SignalPanel)


async def test_follow_moves_to_a_cause_that_appears_after_a_louder_business_row() -> None:
    """A critical business row selected first (no cause yet); once a warning cause
    appears the cursor goes to it, though the business row is louder."""
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState("s", "demo", frozenset({"health", "business"}), interval=5))
    pay = reading("pay", "business", "pay success", 0.5, thresholds=RATIO)
    ok = reading("api/errors", "health", "api errors", 0.001, component="api")
    store.apply("s", [pay, ok], at=T0 - 2)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.dashboard
        assert board.selected_key == "s/pay"
        warn = replace(ok, value=0.03)
        store.apply("s", [pay, warn], at=T0 - 1)
        board.cause.refresh_cause(force=True)
        board.sync()
        await pilot.pause()
        assert board.cause.cause is not None
        assert store.signals["s/api/errors"].status is Status.WARNING
        assert board.selected_key == "s/api/errors"
