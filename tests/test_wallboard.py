"""The wallboard: big status, pinned criticals, rotating pages on a fake clock, stray
keys and clicks ignored, ctrl+q the only way out, no palette, a failing source shown
rather than a blank board, updates in place."""

from __future__ import annotations

from typing import Any

import pytest

from clock_support import FakeClock
from oncall_tui.core.config.loader import WallboardSettings
from oncall_tui.core.present.wallboard import Rotation, snapshot
from oncall_tui.core.present.words import LONG
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.board_lines import BoardLines
from ui_support import T0, demo_readings, make_engine, make_store, reading, refreshes
from waiting import pilot_until
from wallboard_support import board, settle

TV = (240, 67)
LAPTOP = (120, 40)
STRAY_KEYS = ("q", "escape", "enter", "a", "j", "k", "r", "slash", "question_mark", "tab",
              "1", "ctrl+c", "ctrl+p", "space", "up", "down")  # fmt: skip


def wallboard_app(
    store: SignalStore,
    clock: FakeClock | None = None,
    pages: list[str] | None = None,
    dwell: float = 20.0,
) -> OncallApp:
    engine = make_engine(store)
    engine.config.wallboard = WallboardSettings.model_validate(
        {"pages": pages or ["overview", "risk_rule", "dependency", "alert"], "dwell": f"{dwell}s"}
    )
    return OncallApp(engine, clock=clock or FakeClock(T0), start_engine=False, wallboard=True)


def screen_text(app: OncallApp) -> str:
    screen = board(app)
    return "\n".join(widget.text for widget in screen.query(BoardLines))


pytestmark = pytest.mark.usefixtures("utc")


# -- what it shows ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [TV, LAPTOP], ids=["240x67", "120x40"])
async def test_big_status_counts_read_only_clock_and_age(size: tuple[int, int]) -> None:
    app = wallboard_app(make_store("critical"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = board(app)
        assert app.read_only
        assert "READ-ONLY" in screen.top.text
        assert "Credit payments on-call" in screen.top.text
        life = screen.life.text
        assert "16:00:00" in life and "data 2s old" in life
        # The word is drawn in big letters: five rows (ten on a TV) of pixels.
        scale = 2 if size == TV else 1
        assert len([line for line in screen.word.lines if line]) == 5 * scale
        assert "5 critical" in screen.counts.text and "6 ok" in screen.counts.text
        assert screen.status_row.has_class("-critical")
        # The big clock fits at both sizes.
        assert screen.big_clock.lines


async def test_every_critical_is_pinned_on_every_page() -> None:
    clock = FakeClock(T0)
    app = wallboard_app(make_store("critical"), clock)
    criticals = [s.name for s in app.engine.store.signals.values() if s.status is Status.CRITICAL]
    assert len(criticals) == 5
    async with app.run_test(size=LAPTOP) as pilot:
        for page in range(4):
            clock.now = T0 + page * 20
            await settle(pilot)
            assert board(app).page_name == ["overview", "risk_rule", "dependency", "alert"][page]
            pinned = board(app).pinned.text
            for name in criticals:
                assert name in pinned, (page, name)


async def test_criticals_that_do_not_fit_one_column_spread_over_more() -> None:
    readings = [
        reading(f"svc{i}/errors", "health", f"svc-{i:02d} error ratio", 0.5) for i in range(30)
    ]
    app = wallboard_app(make_store("ok", readings=readings))
    async with app.run_test(size=TV) as pilot:
        await settle(pilot)
        pinned = board(app).pinned.text
        for i in range(30):
            assert f"svc-{i:02d} error ratio" in pinned


async def test_a_critical_beyond_the_screen_is_counted_not_dropped() -> None:
    readings = [reading(f"s{i}", "health", f"service-{i:03d} errors", 0.5) for i in range(400)]
    app = wallboard_app(make_store("ok", readings=readings))
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        pinned = board(app).pinned.text
        shown = sum(f"service-{i:03d} errors" in pinned for i in range(400))
        assert 0 < shown < 400
        assert f"+{400 - shown} more critical" in pinned


async def test_pages_rotate_with_the_clock_and_show_their_layer_worst_first() -> None:
    clock = FakeClock(T0)
    app = wallboard_app(make_store("critical"), clock, dwell=20)
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        screen = board(app)
        assert screen.page_name == "overview"
        assert "Overview" in screen.page_list.text and "next in  20s" in screen.countdown.text
        clock.now = T0 + 19.5
        await settle(pilot)
        assert screen.page_name == "overview" and "next in   1s" in screen.countdown.text
        clock.now = T0 + 20
        await settle(pilot)
        assert screen.page_name == "risk_rule"
        page = screen.page.text
        assert page.startswith(" RISK RULES ")
        order = [page.index(name) for name in (
            "paylater/velocity-check", "cashloan/credit-limit", "paylater/device-fingerprint"
        )]  # fmt: skip
        assert order == sorted(order), "worst first"
        assert "█" in page, "three rules fit as big tiles: their values in big digits"
        assert "critical: ≥ 20%" in page
        clock.now = T0 + 40
        await settle(pilot)
        assert screen.page.text.startswith(" DEPENDENCIES ")
        clock.now = T0 + 60
        await settle(pilot)
        assert "LoanApiErrors" in screen.page.text
        clock.now = T0 + 80  # and round again
        await settle(pilot)
        assert screen.page_name == "overview"


async def test_rotation_follows_the_app_timer_too() -> None:
    """Without calling tick by hand: the screen's own 1 s interval moves the page."""
    clock = FakeClock(T0)
    app = wallboard_app(make_store("ok"), clock, dwell=1)
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        clock.now = T0 + 1
        await pilot_until(
            pilot, lambda: board(app).page.text.startswith(" RISK RULES "), what="the next page"
        )


def test_rotation_is_a_function_of_the_clock() -> None:
    rotation = Rotation(("overview", "alert"), 10.0, 1000.0)
    assert [rotation.page_at(1000.0 + t) for t in (0, 9.9, 10, 25, 30)] == [
        "overview", "overview", "alert", "overview", "alert"
    ]  # fmt: skip
    assert rotation.remaining(1003.0) == 7.0
    assert Rotation(("alert",), 10.0, 0).index_at(1e9) == 0
    assert rotation.page_at(900.0) == "overview"  # a clock stepping back does not crash


async def test_a_failing_source_never_blanks_the_board() -> None:
    app = wallboard_app(make_store("error"))
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        screen = board(app)
        assert screen.status_row.has_class("-unknown")
        pinned = screen.pinned.text
        assert "source demo (demo) failing: timed out after 3s" in pinned
        assert "source alerts (alertmanager) failing: cannot connect" in pinned
        assert "2 sources failing" in screen.counts.text
        # The failing source's signals are still there, unknown, with why.
        assert "loan-api error ratio" in screen.page.text
        assert "source error" in screen.page.text


async def test_a_source_failing_from_the_start_shows_its_failure() -> None:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState(name="prom", plugin="prometheus", kinds=frozenset({"health"})))
    store.fail("prom", "cannot connect to 127.0.0.1:9090 (connection refused)", at=T0)
    app = wallboard_app(store, pages=["health"])
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert board(app).status_row.has_class("-unknown")
        assert "source prom (prometheus) failing: cannot connect to 127.0.0.1:9090" in text
        assert "no data: its source is failing" in board(app).page.text


async def test_waiting_before_the_first_answer() -> None:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState(name="prom", plugin="prometheus", kinds=frozenset({"health"})))
    app = wallboard_app(store)
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        assert board(app).status_row.has_class("-waiting")
        assert "waiting for data" in board(app).life.text


# -- keys, mouse, palette -----------------------------------------------------------------


async def test_stray_keys_and_clicks_are_ignored() -> None:
    clock = FakeClock(T0)
    app = wallboard_app(make_store("critical"), clock)
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        before = screen_text(app)
        stack = list(app.screen_stack)
        for key in STRAY_KEYS:
            await pilot.press(key)
        for offset in ((5, 2), (60, 12), (10, 20), (100, 39)):
            await pilot.click(offset=offset)
            await pilot.click(offset=offset, times=2)
        await pilot.hover(offset=(50, 30))
        await pilot.pause()
        assert app.is_running
        assert app.screen_stack == stack, "nothing opened (no palette, no detail, no help)"
        assert app.focused is None
        assert not app.screen.query("CommandPalette")
        assert app.screen.get_selected_text() is None
        await settle(pilot)
        assert screen_text(app) == before


async def test_ctrl_q_quits() -> None:
    app = wallboard_app(make_store("ok"))
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        await pilot.press("q")
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


def test_no_command_palette_in_wallboard_mode() -> None:
    assert wallboard_app(make_store("ok")).use_command_palette is False


# -- cheap for weeks -------------------------------------------------------------------


async def test_updates_in_place_and_repaint_only_what_changed() -> None:
    clock = FakeClock(T0)
    store = make_store("ok")
    app = wallboard_app(store, clock, pages=["risk_rule"])
    async with app.run_test(size=TV) as pilot:
        await settle(pilot)
        screen = board(app)
        widgets = list(screen.query("*"))
        lines_widgets = {widget.id or "": widget for widget in screen.query(BoardLines)}
        with refreshes(lines_widgets) as calls:
            # A second passes: only the clocks and the heartbeat move (one page: no
            # countdown); durations are said in steps of ten seconds (short_duration).
            clock.now = T0 + 1
            await settle(pilot)
            assert {c.widget for c in calls} == {"wb-life", "wb-clock"}, calls
            assert all(not c.whole and all(r.height == 1 for r in c.regions) for c in calls)
            # A new ten-second step: the probable cause's line (how long, how old its
            # data) moves too, in place; nothing else of the pinned lines.
            calls.clear()
            clock.now = T0 + 30
            await settle(pilot)
            assert {c.widget for c in calls} == {"wb-life", "wb-clock", "wb-pinned"}, calls
            assert all(not c.whole and all(r.height == 1 for r in c.regions) for c in calls)
            cause_row = [
                i
                for i, line in enumerate(screen.pinned.lines)
                if "CAUSE" in str(line) or "ALSO" in str(line)
            ]
            pinned = {r.y for c in calls if c.widget == "wb-pinned" for r in c.regions}
            assert pinned == set(cause_row), (pinned, cause_row)
            # One risk rule's value moves: its page repaints a few lines, the rest stay.
            calls.clear()
            readings = [
                r if r.key != "rule/limit" else reading("rule/limit", "risk_rule",
                                                         "cashloan/credit-limit", 0.041)
                for r in demo_readings("none")
            ]  # fmt: skip
            store.apply("demo", readings, at=T0 + 30)
            await settle(pilot)
        assert "WARN cashloan/credit-limit" in screen.page.text
        # The header line and the one row of big tiles (12 lines on a TV) whose order
        # changed; not the whole page.
        page = [c for c in calls if c.widget == "wb-page"]
        assert not any(c.whole for c in page)
        lines = [region for c in page for region in c.regions]
        assert 0 < len(lines) <= 13 < screen.page.size.height
        assert "wb-title" not in {c.widget for c in calls}
        # A warning rule is a new probable cause: the cause's line names it, in place.
        assert "cashloan/credit-limit" in screen.pinned.text.splitlines()[cause_row[0]]
        pinned = {r.y for c in calls if c.widget == "wb-pinned" for r in c.regions}
        assert pinned == set(cause_row) and not any(
            c.whole for c in calls if c.widget == "wb-pinned"
        )
        assert list(screen.query("*")) == widgets, "no widget mounted or removed"


async def test_the_store_listener_is_released_when_the_app_ends() -> None:
    store = make_store("ok")
    app = wallboard_app(store)
    async with app.run_test(size=LAPTOP) as pilot:
        await settle(pilot)
        assert len(store._listeners) == 1
    assert store._listeners == []


def test_snapshot_counts_and_orders_without_change_markers() -> None:
    store = make_store("critical")
    store.add_source(SourceState(name="chg", plugin="x", kinds=frozenset({"change"})))
    store.apply("chg", [Reading(key="d", kind="change", name="deployed", value=T0 - 60)], at=T0)
    board_ = snapshot(store)
    assert board_.overall is Status.CRITICAL
    assert sum(board_.counts.values()) == 13  # 12 demo signals, 1 alert; no change marker
    assert board_.layers["health"].signals[0].status is Status.CRITICAL
    assert all(s.kind != "change" for layer in board_.layers.values() for s in layer.signals)
    assert LONG[board_.overall] == "CRITICAL"


# -- pictures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [TV, LAPTOP], ids=["240x67", "120x40"])
@pytest.mark.parametrize("state", ["critical", "error"])
def test_wallboard_pictures(snap_compare: Any, state: str, size: tuple[int, int]) -> None:
    app = wallboard_app(make_store(state))
    assert snap_compare(app, terminal_size=size)


def test_wallboard_risk_page_picture(snap_compare: Any) -> None:
    app = wallboard_app(make_store("critical"), pages=["risk_rule"])
    assert snap_compare(app, terminal_size=TV)
