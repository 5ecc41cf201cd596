"""The wallboard says the probable cause: in big letters with its change and its data's
age, as the board's line on every page, before its symptoms; pages with nothing to show
take no turn; a TV's rows are used.

Driven by the real demo plugin playing its cascade (the credit bureau down, the loan
service and the credit-limit rule failing because of it), collected once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clock_support import FakeClock
from demo_triage_support import demo_config
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.wallboard import WallboardScreen
from oncall_tui_demo import DemoPlugin
from ui_support import T0
from wallboard_support import board, settle

pytestmark = pytest.mark.usefixtures("utc")


async def cascade_wallboard(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, incident: str = "cascade"
) -> OncallApp:
    # The demo dates its change markers by this clock: the bureau's reload 60 s before.
    monkeypatch.setattr(DemoPlugin, "wall_clock", clock)
    config = parse_config(demo_config(incident), Path("."))
    engine = Engine(config, store=SignalStore(clock=clock), seed=1)
    await engine.collect_once()
    clock.now = T0 + 5
    return OncallApp(engine, clock=clock, start_engine=False, wallboard=True)


def pinned_cause(screen: WallboardScreen) -> tuple[list[str], int]:
    """The pinned lines and the index of the LIKELY CAUSE line among them."""
    lines = screen.pinned.text.splitlines()
    return lines, next(i for i, line in enumerate(lines) if "LIKELY CAUSE" in line)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=str)
async def test_the_cause_first_on_every_page(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(T0)
    app = await cascade_wallboard(clock, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = board(app)
        # No source feeds alerts: that page takes no turn, the others each take theirs.
        assert "alert" in screen.configured.pages
        assert screen.rotation.pages == ("overview", "risk_rule", "dependency")
        seen = set()
        for turn in range(4):
            clock.now = T0 + 5 + 20 * turn
            await settle(pilot)
            seen.add(screen.page_name)
            lines, cause = pinned_cause(screen)
            assert "credit-bureau down" in lines[cause], lines[cause]
            if size[0] >= 120:
                assert "client config reloaded 60s before" in lines[cause]
            assert len(lines[cause].rstrip()) <= size[0]
            # Its criticals follow: the cause's row, then its symptoms pointing at it,
            # then the impact (the business row), never alphabetically.
            criticals = [line for line in lines[cause + 1 :] if line.startswith(" ✖ ")]
            assert criticals[0].startswith(" ✖ credit-bureau availability")
            if size[0] >= 120:
                marks = ["←" in line for line in criticals if "more critical" not in line]
                # the cause's rows, then its symptoms (pointing at it), then the rest
                assert marks[1:] == sorted(marks[1:], reverse=True), criticals
                assert sum(marks) >= 3, criticals
                rest = criticals[sum(marks) + 1 :]
                assert not rest or "loan approvals" in rest[0] or "more" in rest[0], rest
        assert seen == {"overview", "risk_rule", "dependency"}


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=str)
async def test_the_cause_in_big_letters_and_the_room_used(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(T0)
    app = await cascade_wallboard(clock, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines, cause = pinned_cause(board(app))
        screen = board(app)
        big = [line for line in lines[:cause] if "█" in line]
        assert len(big) in (5, 10), lines[:cause]
        if size == (200, 60):  # the TV: the overview shows the cause's layer early
            overview = screen.page.text.splitlines()
            first = next(line for line in overview if "CRITICAL   ✖" in line).split()
            headers = [word for word in first if word.isupper() and word.isalpha()]
            assert headers[:3] == ["BUSINESS", "CRITICAL", "DEPENDENCIES"], first
            used = screen.pinned.size.height + screen.page.size.height
            blank = sum(1 for line in overview if not line.strip())
            blank += screen.page.size.height - len(overview)
            assert blank <= 12 < used, (blank, used)


async def test_nothing_failing_nothing_said(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(T0)
    app = await cascade_wallboard(clock, monkeypatch, incident="none")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "LIKELY CAUSE" not in board(app).pinned.text


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=str)
async def test_the_pinned_criticals_never_cut_a_limit(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's rule on the wallboard too: `… of 2.0% (critica…` read as another
    limit at 120x40; a symptom's root comes after its limit, as on the board."""
    clock = FakeClock(T0)
    app = await cascade_wallboard(clock, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines, cause = pinned_cause(board(app))
        criticals = [line for line in lines[cause + 1 :] if line.startswith(" ✖ ")]
        assert criticals
        for line in criticals:
            assert not re.search(r"\((?:critica|crit|warn|warnin)?…|[≥≤] ?[\d.]*…", line), line
            if "←" in line and re.search(r"[≥≤] [\d.]+", line):
                assert line.index("←") > re.search(r"[≥≤] [\d.]+", line).start(), line
