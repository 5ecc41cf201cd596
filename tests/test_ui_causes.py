"""More than one probable cause: the board's line 2 names them where the width allows,
always counts those it cannot name, and `C` again goes to the next cause."""

from __future__ import annotations

import pytest

from oncall_tui.core.present.cell_width import cell_width
from oncall_tui.core.signals.model import Reading, SourceState
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import diagnose
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.cause_line import causes_text
from ui_support import AVAILABILITY as AVAIL
from ui_support import LATENCY, RATIO, T0, make_app, reading
from waiting import pilot_until as wait_for

REPAYMENT = "demo/repayment/errors"
SMS = "demo/sms/p99"


def mixed_store(*extra: Reading) -> SignalStore:
    """The mixed incident: repayment failing, sms-otp slow and unrelated to it."""
    store = SignalStore(clock=lambda: T0)
    store.add_source(
        SourceState("demo", "demo", frozenset({"health", "dependency"}), interval=5), max_age=60
    )
    readings = [
        reading("repayment/errors", "health", "repayment error ratio", 0.3, component="repayment"),
        reading("repayment/p99", "health", "repayment p99", 0.1, "seconds", LATENCY),
        reading(
            "sms/p99", "dependency", "sms-otp p99", 0.6, "seconds", LATENCY, component="sms-otp"
        ),
        reading("pay/errors", "health", "pay-api error ratio", 0.001, thresholds=RATIO),
        *extra,
    ]
    store.apply("demo", readings, at=T0 - 61)
    store.apply("demo", readings, at=T0 - 1)
    return store


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_line_two_names_the_other_cause(size: tuple[int, int]) -> None:
    app = make_app(mixed_store())
    async with app.run_test(size=size) as pilot:
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        causes = [c.component for c in board.cause.diagnosis.causes]
        assert causes == ["repayment", "sms-otp"]
        line = board.cause.plain
        # Seconds are said in tens (one rule for every "for"), so 61 s reads 60s.
        # Failing from the first data the store has of it: at least that long.
        assert line.startswith("LIKELY CAUSE  repayment critical 60s+ (health)")
        assert line.endswith(" · also sms-otp degraded") and len(line) <= size[0] - 2


def test_causes_not_named_are_counted_whatever_the_width() -> None:
    store = mixed_store(
        *(
            reading(f"{name}/up", "dependency", f"{name} up", 0.5, thresholds=AVAIL, component=name)
            for name in ("bank-core", "payment-gateway-eu-west-primary")
        )
    )
    causes = diagnose(store.signals.values()).causes
    assert len(causes) == 4
    for width in (30, 50, 66, 90, 200):
        line = causes_text(causes, now=T0, width=width, window=3600.0)
        assert cell_width(line) <= width and line.startswith(causes[0].component)
        named = [c.component for c in causes[1:] if f"{c.component} " in line]
        assert named == [c.component for c in causes[1 : 1 + len(named)]]
        left = len(causes) - 1 - len(named)
        assert line.endswith(f"  (+{left})") if left else "(+" not in line, (width, line)
    assert "(+" not in causes_text(causes, now=T0, width=200, window=3600.0)
    assert causes_text(causes, now=T0, width=30, window=3600.0).endswith("  (+3)")


async def test_c_again_goes_to_the_next_cause_and_round() -> None:
    app = make_app(mixed_store())
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        seen = []
        for _ in range(3):  # from the detail: C again
            await pilot.press("C")
            await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
            await pilot.pause()
            seen.append(app.screen.key)  # type: ignore[attr-defined]
        assert seen == [REPAYMENT, SMS, REPAYMENT]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("C")  # from the board: still the next one
        await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        assert app.screen.key == SMS  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.press("w", "C")  # `w` back to the worst: C starts again
        await wait_for(pilot, lambda: isinstance(app.screen, SignalDetailScreen))
        assert app.screen.key == REPAYMENT  # type: ignore[attr-defined]
        assert [type(s) for s in app.screen_stack] == [DashboardScreen, SignalDetailScreen]


async def test_a_cause_first_shown_is_worded_for_the_width_it_gets() -> None:
    """The line is hidden until there is a cause, and a hidden widget has no width: its
    first wording assumed 80 cells where an 80-column board gives it 76, so its last
    words wrapped out of sight (a change's "before") until a resize worded it again."""
    store = mixed_store()
    healthy = reading("repayment/errors", "health", "repayment error ratio", 0.001)
    for _ in range(2):  # the others are gone: two answers without them
        store.apply("demo", [healthy], at=T0 - 1)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.dashboard
        board.cause.refresh_cause(force=True)
        await pilot.pause()
        assert not board.cause.display
        failing = reading(
            "repayment/errors",
            "health",
            "repayment error ratio",
            0.3,
            component="repayment-settlement-gateway-eu-west-1a-b",
        )
        store.apply("demo", [failing], at=T0 - 1)
        board.cause.refresh_cause(force=True)
        first = board.cause.plain
        await pilot.pause()
        assert board.cause.size.width == 78
        assert board.cause.plain == first
        assert cell_width(first) <= board.cause.size.width
