"""Pictures of every screen: the board and the detail in the ok, critical, stale and
source-error states at 80x24, 120x40 and 200x60, the demo plugin with a fixed seed,
the help and the event timeline.

Deterministic: a frozen clock (so the heartbeat, the ages and the trends are frozen
too), fixed data or a fixed demo seed, no engine running, UTC. Regenerate with
`pytest tests/test_ui_snapshots.py --snapshot-update` and look at the SVGs before
committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.runbook_view import RunbookView
from ui_support import T0, make_app, make_store
from waiting import pilot_until

SnapCompare = Callable[..., bool]
SIZES = [(80, 24), (120, 40), (200, 60)]
SIZE_IDS = ["80x24", "120x40", "200x60"]
STATES = ["ok", "critical", "stale", "error"]


pytestmark = pytest.mark.usefixtures("utc")  # the clocks on screen: conftest's fixture


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def open_detail(pilot: Pilot[Any]) -> None:
    """Health panel, top row (loan-api error ratio: a Markdown runbook), Enter; wait
    for the runbook file to be read."""
    await pilot.press("1", "g", "enter")

    def read() -> bool:  # nothing to read when the row has no runbook
        view = pilot.app.screen.query_one(RunbookView)
        read = view.runbook is None or view.copy_text is not None or bool(view.problem)
        return read and view.built

    await pilot_until(pilot, read, what="the runbook read and in place")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("state", STATES)
def test_board(snap_compare: SnapCompare, state: str, size: tuple[int, int]) -> None:
    app = make_app(make_store(state, history=20), read_only=state == "critical")
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("state", STATES)
def test_detail(snap_compare: SnapCompare, state: str, size: tuple[int, int]) -> None:
    app = make_app(make_store(state, history=20))
    assert snap_compare(app, terminal_size=size, run_before=open_detail)


def demo_app(tmp_path: Path) -> OncallApp:
    """The real demo plugin, fixed seed, one collection on a frozen clock."""
    import asyncio

    config = parse_config(
        'title = "Credit payments on-call (demo)"\nrefresh = "5s"\n'
        '[sources.demo]\nplugin = "demo"\nservices = 8\nrules = 12\ndependencies = 4\n'
        'incident = "risk_rule"\nseed = 1\n',
        tmp_path,
    )
    engine = Engine(config, store=SignalStore(clock=lambda: T0), seed=1)
    asyncio.run(engine.collect_once())
    return OncallApp(engine, clock=lambda: T0, start_engine=False)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_demo_plugin(snap_compare: SnapCompare, size: tuple[int, int], tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_help(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = make_app(make_store("critical", history=20))
    assert snap_compare(app, terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_events(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = make_app(make_store("critical", history=20))
    assert snap_compare(app, terminal_size=size, press=["e"])


def test_the_demo_launches_with_the_worst_signal_selected_and_its_panel_focused(
    tmp_path: Path,
) -> None:
    """The snapshots once showed Health focused and an ok row in the selection line while
    the business panel held the critical: the launch focus landed after the jump. The
    launch selection is the first probable cause's worst signal, else the first of the
    one sort."""
    import asyncio

    from oncall_tui.core.triage.one_sort import OneSort

    app = demo_app(tmp_path)

    async def launch() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            dashboard = app.dashboard
            diagnosis = dashboard.cause.diagnosis
            first = min(app.engine.store.signals.values(), key=OneSort.of(diagnosis).key)
            worst = diagnosis.cause.signals[0] if diagnosis.cause else first.key
            assert dashboard.selected_key == worst
            assert dashboard.selected_panel is app.screen.focused

    asyncio.run(launch())
