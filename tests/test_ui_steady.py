"""Nothing moves under the reader: the panels start on the same row whether or not a
cause is shown, and a notice never covers a row of data."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.signals.store import SignalStore
from ui_support import T0, demo_readings, make_app, make_store
from waiting import pilot_until as wait_for


def _calm_store() -> SignalStore:
    """The demo's signals with nothing warning or critical: no cause to show."""

    def calm(reading: Reading) -> bool:
        limits, value = reading.thresholds, reading.value
        if reading.status not in (None, Status.OK):
            return False
        return limits is None or value is None or limits.level(value) is Status.OK

    return make_store(readings=[r for r in demo_readings("none") if calm(r)])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_panels_start_on_the_same_row_healthy_or_not(size: tuple[int, int]) -> None:
    store = _calm_store()
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = app.dashboard
        assert not board.cause.display
        calm = board.panels["business"].region.y
        store.apply("demo", demo_readings("critical"), at=T0 + 60)
        await pilot.pause()
        board.cause.refresh_cause(force=True)  # the test's clock stands still
        await wait_for(pilot, lambda: bool(board.cause.display and board.cause.plain))
        await pilot.pause()
        assert board.panels["business"].region.y == calm


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_notice_has_its_own_row_and_covers_no_data(size: tuple[int, int]) -> None:
    # A short screen has one row for the cause or, while there is none, the notices;
    # a tall one has a row for each.
    store = _calm_store() if size[1] < 32 else make_store("ok")
    app = make_app(store)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        board = app.dashboard
        rows = {name: panel.region for name, panel in board.panels.items() if panel.display}
        app.notify("pay-api p99 latency turned critical", severity="error", markup=False)
        await wait_for(pilot, lambda: "turned critical" in board.notices.text)
        await pilot.pause()
        # The notice is on the board's notice line, and no toast floats over the rows.
        notice = board.notices.region
        assert notice.height == 1 and notice.y < rows["business"].y
        width, height = size
        assert all(toast.region.y >= height for toast in app.screen.query("Toast"))
        assert app.screen.get_widget_at(width - 10, height - 4)[0].id != "textual-toastrack"
        assert {name: panel.region for name, panel in board.panels.items() if panel.display} == rows
        assert app.screen.get_widget_at(notice.x + 12, notice.y)[0] is board.notices
        if size[1] >= 32:
            assert board.cause.display and board.cause.region.y < notice.y


async def test_every_start_up_notice_is_read_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two theme files not loaded at start: the line showed only the newest, the other
    never. Now the newest comes first with `(+1)`, the other after it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    themes = tmp_path / "oncall-tui" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text('name = "broken"\n[colors]\nprimary = "notacolour"\n')
    (themes / "garbled.toml").write_text("this is not toml = =\n")
    app = make_app(make_store("ok"))
    app.NOTIFICATION_TIMEOUT = 1.0  # each notice's own time, short for the test
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: "Theme not loaded" in board.notices.text)
        problems = {f"Theme not loaded: {problem}" for problem in app.theme_problems}
        assert len(problems) >= 2, problems  # both files, one line or more each
        line = board.notices.render_line(0).text
        waiting = f"(+{len(problems) - 1}) "
        assert waiting in line and line.index(waiting) < line.index("Theme not loaded"), line
        seen = [board.notices.text]
        while board.notices.text:
            # Each notice shows for 1 s; a stuck one fails at the wait's own 30 s.
            await wait_for(pilot, lambda: board.notices.text != seen[-1])
            seen.append(board.notices.text)
        assert seen[-1] == "" and set(seen[:-1]) == problems, seen
