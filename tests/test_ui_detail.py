"""Pilot tests of the detail screen: one keystroke from the selected row to the runbook,
copy (OSC 52) and open, the facts laid out label/value, the chart, in-place updates."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Markdown, Static

from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import notification_messages, screen_lines
from oncall_tui.ui.widgets.chart import ChartData, HistoryChart
from oncall_tui.ui.widgets.runbook_view import RunbookView, wrap_code_blocks
from ui_support import (
    RUNBOOK_FILE,
    T0,
    demo_readings,
    make_app,
    make_store,
    reading,
)
from waiting import pilot_until as wait_for

BUREAU_RUNBOOK = "https://runbooks.example.com/deps/credit-bureau"
SMALL = (80, 24)
BIG = (160, 50)


def screen_text(app: OncallApp) -> str:
    """What the terminal shows now, as plain text."""
    return "\n".join(screen_lines(app.screen))


class Terminal:
    """Records what the app writes to its terminal and which URLs it opens."""

    def __init__(self, app: OncallApp) -> None:
        driver = app._driver
        assert driver is not None
        self.written: list[str] = []
        self.opened: list[str] = []
        write = driver.write

        def record(data: str) -> None:
            self.written.append(data)
            write(data)

        driver.write = record  # type: ignore[method-assign]
        driver.open_url = lambda url, new_tab=True: self.opened.append(url)  # type: ignore[method-assign]

    def osc52(self) -> list[str]:
        """Clipboard payloads sent with OSC 52, decoded."""
        found = []
        for data in self.written:
            start = data.find("\x1b]52;c;")
            if start >= 0:
                end = data.index("\a", start)
                found.append(base64.b64decode(data[start + 7 : end]).decode())
        return found


def messages(app: OncallApp) -> list[str]:
    return notification_messages(app)


async def open_runbook_markdown(pilot: Pilot[Any], app: OncallApp) -> None:
    """Until the runbook is read and drawn (its text is loaded a moment before its
    Markdown is mounted), or the problem shown."""
    view = app.screen.query_one(RunbookView)
    await wait_for(pilot, lambda: view.built and (view.copy_text is not None or view.problem))
    if not view.problem:
        await wait_for(
            pilot,
            lambda: "loading…" not in "\n".join(screen_lines(app.screen)),
            what="the runbook drawn in place of 'loading…'",
        )
    await pilot.pause()


# -- the path an engineer takes -----------------------------------------------------


async def test_launch_worst_enter_runbook_copy_escape_same_row() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        terminal = Terminal(app)
        await pilot.pause()
        dashboard = app.dashboard
        selected = dashboard.selected_key
        # What `check` lists first: the probable cause's worst signal, not the alert.
        assert selected == "demo/dep/bureau"
        await pilot.press("enter")
        assert isinstance(app.screen, SignalDetailScreen) and app.screen.key == selected
        await pilot.pause()
        # the link, in full, on the first screen at 80x24
        assert BUREAU_RUNBOOK in screen_text(app)
        await pilot.press("c")
        assert terminal.osc52() == [BUREAU_RUNBOOK]
        assert any("copied runbook" in m for m in messages(app))
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert dashboard.selected_key == selected


async def test_markdown_runbook_rendered_in_place_visible_at_80x24_without_its_path() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        terminal = Terminal(app)
        await pilot.press("1")  # Health: loan-api error ratio, a Markdown runbook
        assert app.dashboard.selected_key == "demo/loan-api/errors"
        await pilot.press("enter")
        await open_runbook_markdown(pilot, app)
        shown = screen_text(app)
        assert "loan-api-errors.md" in shown
        assert str(RUNBOOK_FILE.parent) not in shown  # the file name, never the path
        assert "loan-api errors" in shown and "First five minutes" in shown
        # rendered, not raw: no '#' or '**' markers; each link's address is written out
        assert "# loan-api errors" not in shown and "**Signal:**" not in shown
        assert "loan-api dashboard <https://grafana.example.com/d/loan-api>" in shown
        await pilot.press("c")
        assert terminal.osc52() == [RUNBOOK_FILE.read_text()]


async def test_a_long_link_is_one_line_a_hyperlink_and_says_when_it_is_shortened() -> None:
    # One copyable unit: never folded over two lines; cut in the middle only when its
    # line is too narrow, and then it says that `c` copies all of it.
    long_url = "https://runbooks.example.com/" + "x" * 150 + "/the-end"
    short_url = "https://runbooks.example.com/deps/credit-bureau"
    for url, size in ((long_url, SMALL), (long_url, (200, 50)), (short_url, SMALL)):
        store = make_store(
            "ok",
            readings=[
                reading("d", "dependency", "bureau", 0.5, runbook=Runbook.link(url)),
            ],
        )
        app = make_app(store)
        async with app.run_test(size=size) as pilot:
            terminal = Terminal(app)
            await pilot.press("enter")
            await pilot.pause()
            body = app.screen.query_one("#runbook-body", Static)
            text = body.content
            assert isinstance(text, Text)
            first, _, rest = text.plain.partition("\n")
            assert text.style.link == url  # type: ignore[union-attr]
            width = body.content_region.width
            assert len(first) <= width, "one line, within the runbook's own width"
            if len(url) > width:
                assert "…" in first and first.endswith("/the-end")
                assert first.startswith("https://runbooks.example.com/")
                assert "c copies the whole link" in rest
            else:
                assert first == url and not rest
            await pilot.press("c")
            assert terminal.osc52() == [url]  # the whole link, however it is shown


async def test_a_long_command_in_a_runbook_wraps_at_spaces_and_rejoins(tmp_path: Path) -> None:
    command = (
        "flagctl enable lending.bureau_fallback_scoring --reason "
        '"credit bureau down, see INC-1234" --ttl 2h --owner oncall-payments-team'
    )
    book = tmp_path / "bureau.md"
    book.write_text(f"# credit-bureau down\n\n```sh\n{command}\n```\n")
    for size in (SMALL, (120, 40)):
        store = make_store(
            "ok",
            readings=[
                reading("d", "dependency", "bureau", 0.5, runbook=Runbook.file(str(book))),
            ],
        )
        app = make_app(store)
        async with app.run_test(size=size) as pilot:
            await pilot.press("enter")
            await open_runbook_markdown(pilot, app)
            await pilot.pause()
            area = app.screen.query_one("#runbook-scroll").region
            shown = [line[area.x : area.right] for line in screen_text(app).splitlines()]
            start = next(i for i, line in enumerate(shown) if "flagctl enable" in line)
            pieces = []
            for line in shown[start:]:
                piece = line.strip(" ▐▌▁▂▃▄▅▆▇█").rstrip()
                if piece.endswith("\\"):
                    pieces.append(piece[:-1])
                    continue
                pieces.append(piece)
                break
            assert "".join(pieces).strip() == command, shown[start : start + 5]
            assert "--owner oncall-payments-team" in "".join(pieces)


async def test_text_runbook_is_shown_and_never_opened() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        terminal = Terminal(app)
        await pilot.press("2")  # Risk rules: velocity-check has a text runbook
        assert app.dashboard.selected_key == "demo/rule/velocity"
        await pilot.press("enter", "o")
        assert "ask #risk-policy; see the rule's change log" in screen_text(app)
        assert terminal.opened == []
        assert any("text, not a link" in m for m in messages(app))
        await pilot.press("c")
        assert terminal.osc52() == ["ask #risk-policy; see the rule's change log"]


async def test_no_runbook_says_how_to_add_one() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("1", "j", "enter")  # loan-api p99 latency: no runbook
        shown = screen_text(app)
        assert "No runbook for this signal." in shown and "runbook = " in shown
        await pilot.press("c", "o")
        assert any("no runbook to copy" in m for m in messages(app))


async def test_an_unreadable_runbook_file_is_named_not_pathed(tmp_path: Path) -> None:
    missing = tmp_path / "secret-folder" / "gone.md"
    store = make_store(
        "ok", readings=[reading("x", "health", "svc", 0.5, runbook=Runbook.file(missing))]
    )
    app = make_app(store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter")
        await open_runbook_markdown(pilot, app)
        shown = screen_text(app)
        assert "The runbook file gone.md cannot be read" in shown
        assert "secret-folder" not in shown


async def test_open_uses_the_browser_where_one_exists_and_says_so_where_none_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        terminal = Terminal(app)
        await pilot.press("enter", "o")  # the cause's link runbook
        assert terminal.opened == []
        assert any("SSH session without DISPLAY or BROWSER" in m for m in messages(app))
        monkeypatch.setenv("BROWSER", "firefox")
        await pilot.press("o")
        assert terminal.opened == [BUREAU_RUNBOOK]


async def test_read_only_refuses_the_browser_but_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "firefox")
    app = make_app(make_store("critical"), read_only=True)
    async with app.run_test(size=BIG) as pilot:
        terminal = Terminal(app)
        await pilot.press("enter", "o", "c")
        assert terminal.opened == []
        assert any("read-only" in m for m in messages(app))
        assert terminal.osc52() == [BUREAU_RUNBOOK]


async def test_q_and_escape_on_the_detail_go_back_not_out() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        for key in ("q", "escape"):
            await pilot.press("enter")
            assert isinstance(app.screen, SignalDetailScreen)
            await pilot.press(key)
            assert isinstance(app.screen, DashboardScreen) and app.is_running


# -- layout and updates ---------------------------------------------------------------


async def test_detail_has_the_header_with_age_zone_clock_and_heartbeat() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter")
        header = app.screen.query_one("StatusHeader").text  # type: ignore[attr-defined]
        assert "CRITICAL" in header and "data 2s old" in header
        assert "16:00:00 UTC" in header or ":00:00 " in header
        assert any(ch in header for ch in "◐◓◑◒")


async def test_facts_wrap_under_their_value_column() -> None:
    query = " ".join(f"sum(rate(http_requests_total{{service='s{i}'}}[5m]))" for i in range(6))
    store = make_store("ok", readings=[reading("q", "health", "svc", 0.5)])
    store.signals["demo/q"].query = query
    app = make_app(store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        facts = app.screen.query_one("#detail-facts")
        facts.styles.max_height = 40  # show every line of the table
        await pilot.pause()
        lines = [line for line in screen_text(app).splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("query"))
        column = lines[start].index("sum(")
        continued = lines[start + 1]
        assert continued[:column].strip() == "" and continued[column] != " "


async def test_detail_updates_in_place_only_what_changed() -> None:
    store = make_store("critical")
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1", "enter")
        detail = app.screen
        assert isinstance(detail, SignalDetailScreen)
        calls: list[str] = []
        for name, widget in (("body", detail.body), ("title", detail.title_line)):
            original = widget.update

            def spy(*args: Any, _name: str = name, _orig: Any = original, **kw: Any) -> None:
                calls.append(_name)
                _orig(*args, **kw)

            widget.update = spy  # type: ignore[method-assign]
        detail._refresh_body()
        assert calls == []  # nothing changed: nothing rebuilt
        readings = [
            r if r.key != "loan-api/errors" else _with_value(r, 0.09)
            for r in demo_readings("critical")
        ]
        store.apply("demo", readings, at=T0)
        detail._refresh_body()
        assert calls == ["body"]  # the value moved; the title did not
        assert "9%" in str(detail._facts)
        chart = detail.query_one(HistoryChart)
        assert chart.data is not None and chart.data.samples[-1][1] == pytest.approx(0.09)


def _with_value(old: Reading, value: float) -> Reading:
    return reading(
        old.key,
        old.kind,
        old.name,
        value,
        old.unit,
        old.thresholds,
        summary=old.summary,
        runbook=old.runbook,
        labels=dict(old.labels),
    )


async def test_chart_window_keys_and_the_limits_drawn() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1", "enter")
        await pilot.pause()
        chart = app.screen.query_one(HistoryChart)
        assert chart.window == 900
        await pilot.press("left_square_bracket")
        assert chart.window == 300
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert chart.window == 3600
        text = chart.text
        assert "5%┤" in text and "2%┤" in text  # critical and warning lines, labelled
        assert "now" in text.splitlines()[-1] and "-1h" in text.splitlines()[-1]


def test_a_falling_breach_far_above_critical_still_fills_the_chart() -> None:
    # 30x the 1% baseline falling to 25x: still far beyond critical (5%). Drawn against
    # the limits, every sample stays above the critical line.
    samples = tuple((T0 - 600 + i * 30, 0.30 - i * 0.0025) for i in range(21))
    data = ChartData(samples, reading("x", "risk_rule", "r", 0).thresholds, "ratio", 0.01)
    from oncall_tui.ui.widgets.chart import bucket, y_range

    low, high = y_range([v for _, v in samples if v is not None], data)
    assert low == 0 and high >= 0.30
    columns = bucket(samples, T0 - 600, T0 + 1, 20, below=False)
    critical = data.thresholds.critical if data.thresholds else 0
    assert all(v is None or v > critical for v in columns)
    assert data.thresholds is not None
    assert all(data.thresholds.level(v) is Status.CRITICAL for v in columns if v is not None)


async def test_markdown_links_are_not_followed_unless_web_links() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        terminal = Terminal(app)
        await pilot.press("1", "enter")
        await open_runbook_markdown(pilot, app)
        markdown = app.screen.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "../../etc/passwd"))
        await pilot.pause()
        assert terminal.opened == []
        assert any("not a web link" in m for m in messages(app))


async def test_an_availability_chart_labels_its_axis_and_limit_as_numbers_not_yes() -> None:
    """Found against a real Prometheus: a bool dependency's chart labelled every line
    "yes" (the 0.5 critical line and the axis end below zero were formatted as readings)."""
    from textual.app import App, ComposeResult

    from oncall_tui.core.signals.model import Thresholds

    samples = tuple((T0 - 300 + i * 15, 0.0 if 8 <= i < 12 else 1.0) for i in range(20))
    data = ChartData(samples, Thresholds(critical=0.5, below=True), "bool")

    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield HistoryChart(clock=lambda: T0, window=600)

    app = ChartApp()
    async with app.run_test(size=(60, 12)) as pilot:
        chart = app.query_one(HistoryChart)
        chart.show(data)
        await pilot.pause()
        labels = [line.split("┤")[0].strip() for line in chart.text.splitlines() if "┤" in line]
    named = [label for label in labels if label]
    assert "0.5" in named  # the critical line
    assert named.count("yes") <= 1 and "no" not in named[:1]


def test_a_command_wrapped_inside_a_list_item_stays_in_its_list() -> None:
    """Broken lines of a fenced block in a list item keep the fence's indent: without
    it the first one ended the list, and the prose after the block read as code."""
    from markdown_it import MarkdownIt

    book = Path(__file__).parent.parent / "plugins/oncall_tui_demo/runbooks/service-latency.md"
    text = book.read_text()
    md = MarkdownIt("commonmark")

    def shape(markdown: str) -> list[str]:
        return [token.type for token in md.parse(markdown) if token.nesting >= 0]

    wrapped = wrap_code_blocks(text, 40)
    assert wrapped != text  # its long promql lines were broken
    types = shape(text)
    assert [t for t in shape(wrapped) if t != "inline"] == [t for t in types if t != "inline"]
