"""The k9s keys, pressed like a user: `?` lists every binding of the current screen and
each listed key does what it says; `/` filters; `p` pauses while the engine collects;
`:` and ctrl+p open the commands; `e` the events; `q` and ctrl+c quit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.screens.events import EventsScreen
from oncall_tui.ui.screens.help import HelpEntry, HelpScreen
from oncall_tui.ui.textual_compat import notification_messages
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import T0, demo_readings, make_app, make_store, reading
from waiting import pilot_until as wait_for

SIZE = (120, 40)

Check = Callable[[OncallApp, dict[str, Any]], bool]


def runbook_scroll(app: OncallApp) -> Any:
    return app.screen.query_one("#runbook-scroll")


def state(app: OncallApp) -> dict[str, Any]:
    """What a key may change, taken before pressing it."""
    screen = app.screen
    focused = app.focused
    info: dict[str, Any] = {"screen": screen, "focused": focused, "paused": app.paused}
    if isinstance(focused, SignalPanel):
        info["cursor"] = focused.cursor_index
        info["rows"] = len(focused.row_keys)
        info["key"] = focused.selected_key
    if isinstance(screen, SignalDetailScreen):
        info["window"] = screen.chart.window
        info["scroll"] = runbook_scroll(app).scroll_y
    if isinstance(screen, EventsScreen):
        info["kind"] = screen.kind_filter
        info["status"] = screen.status_filter
        info["cursor"] = screen.list.cursor
    return info


def _panel_step(app: OncallApp, before: dict[str, Any], step: int) -> bool:
    board = app.dashboard
    cycle = board.panel_list  # every panel shown, the empty ones too (as 1-4 reach them)
    start = cycle.index(before["focused"])
    return app.focused is cycle[(start + step) % len(cycle)]


def _cursor(app: OncallApp) -> int:
    focused = app.focused
    if isinstance(focused, SignalPanel):
        return focused.cursor_index
    screen = app.screen
    assert isinstance(screen, EventsScreen)
    return screen.list.cursor


def _said(app: OncallApp, words: str) -> bool:
    return any(words in m.lower() for m in notification_messages(app))


def _scroll(app: OncallApp) -> float:
    return float(runbook_scroll(app).scroll_y)


CHECKS: dict[str, Check] = {
    # a panel's keys
    "cursor_down": lambda app, b: _cursor(app) == b["cursor"] + 1,
    "cursor_up": lambda app, b: _cursor(app) == b["cursor"] - 1,
    "cursor_top": lambda app, b: _cursor(app) == 0,
    "cursor_bottom": lambda app, b: _cursor(app) == b["rows"] - 1,
    "page_down": lambda app, b: (
        _cursor(app) > b["cursor"] if "rows" in b else _scroll(app) > b["scroll"]
    ),
    "page_up": lambda app, b: (
        _cursor(app) < b["cursor"] if "rows" in b else _scroll(app) < b["scroll"]
    ),
    "select": lambda app, b: (
        isinstance(app.screen, SignalDetailScreen) and app.screen.key == b["key"]
    ),
    "screen.cycle_panel(1)": lambda app, b: _panel_step(app, b, 1),
    "screen.cycle_panel(-1)": lambda app, b: _panel_step(app, b, -1),
    # the board's keys
    "cycle_panel(1)": lambda app, b: _panel_step(app, b, 1),
    "cycle_panel(-1)": lambda app, b: _panel_step(app, b, -1),
    "focus_panel('health')": lambda app, b: app.focused is app.dashboard.panels["health"],
    "focus_panel('risk_rule')": lambda app, b: app.focused is app.dashboard.panels["risk_rule"],
    "focus_panel('dependency')": lambda app, b: app.focused is app.dashboard.panels["dependency"],
    "focus_panel('alert')": lambda app, b: app.focused is app.dashboard.panels["alert"],
    "worst": lambda app, b: (
        app.dashboard.follow and app.dashboard.selected_key == app.dashboard.worst_signal()[1].key
    ),  # type: ignore[index]
    "filter": lambda app, b: (
        isinstance(app.focused, Input) and bool(app.dashboard.query_one("#filter-bar").display)
    ),
    "app.events": lambda app, b: isinstance(app.screen, EventsScreen),
    "app.pause": lambda app, b: (
        app.paused != b["paused"] and "PAUSED" in app.screen.query_one("StatusHeader").text
    ),  # type: ignore[attr-defined]
    "cause": lambda app, b: (
        isinstance(app.screen, SignalDetailScreen) or _said(app, "no probable cause")
    ),
    # from a detail: a probable cause's worst signal (the next cause's, if any)
    "app.cause": lambda app, b: (
        isinstance(app.screen, SignalDetailScreen)
        and app.screen.key in {c.signals[0] for c in app.dashboard.cause.diagnosis.causes}
    ),
    # silences: a form or list opens, or the app says why not (not an alert, read-only)
    "silence": lambda app, b: app.screen is not b["screen"] or _said(app, "silenc"),
    "silences": lambda app, b: app.screen is not b["screen"] or _said(app, "silenc"),
    # acks: sent (said), a confirm opens (un-ack), or the app says why not
    "ack": lambda app, b: _said(app, "ack") or _said(app, "select an alert"),
    "unack": lambda app, b: (
        app.screen is not b["screen"] or _said(app, "ack") or _said(app, "select an alert")
    ),
    # everywhere
    "quit": lambda app, b: not app.is_running,
    "interrupt": lambda app, b: not app.is_running,
    "refresh_now": lambda app, b: app.refreshes > 0,  # type: ignore[attr-defined]
    "help": lambda app, b: isinstance(app.screen, HelpScreen),
    "command_palette": lambda app, b: CommandPalette.is_open(app),
    # the detail's keys
    "app.pop_screen": lambda app, b: app.screen is not b["screen"],
    "copy_runbook": lambda app, b: app.clipboard != "",
    "open_runbook": lambda app, b: any("runbook" in m for m in notification_messages(app)),
    "window(-1)": lambda app, b: app.screen.chart.window < b["window"],  # type: ignore[attr-defined]
    "window(1)": lambda app, b: app.screen.chart.window > b["window"],  # type: ignore[attr-defined]
    "scroll_down": lambda app, b: _scroll(app) > b["scroll"],
    "scroll_up": lambda app, b: _scroll(app) < b["scroll"],
    "scroll_home": lambda app, b: _scroll(app) == 0,
    "scroll_end": lambda app, b: _scroll(app) == runbook_scroll(app).max_scroll_y,
    # the events' keys
    "cycle_kind": lambda app, b: app.screen.kind_filter != b["kind"],  # type: ignore[attr-defined]
    "cycle_status": lambda app, b: app.screen.status_filter != b["status"],  # type: ignore[attr-defined]
    "choose": lambda app, b: isinstance(app.screen, SignalDetailScreen),
    "move(1)": lambda app, b: _cursor(app) == b["cursor"] + 1,
    "move(-1)": lambda app, b: _cursor(app) == b["cursor"] - 1,
    "first": lambda app, b: _cursor(app) == 0,
    "last": lambda app, b: _cursor(app) == len(app.screen.list.lines) - 1,  # type: ignore[attr-defined]
    "page(1)": lambda app, b: _cursor(app) > b["cursor"],
    "page(-1)": lambda app, b: _cursor(app) < b["cursor"],
}
SIZES = {"board": (120, 40), "detail": (80, 24), "events": (120, 16)}


def counting_app() -> OncallApp:
    """A board with many rows per panel and a refresh counter."""
    readings = demo_readings("critical") + [
        reading(f"extra/{i}", "health", f"svc-{i:02} error ratio", 0.001 * i) for i in range(40)
    ]
    store = make_store("critical", readings=readings)
    for step in range(30):  # a timeline longer than the events screen
        store.apply("demo", demo_readings("none" if step % 2 else "critical"), at=T0 + step)
    store.apply("demo", readings, at=T0 + 30)
    app = make_app(store)
    app.refreshes = 0  # type: ignore[attr-defined]

    def refresh_now() -> None:
        app.refreshes += 1  # type: ignore[attr-defined]

    app.engine.refresh_now = refresh_now  # type: ignore[method-assign]
    return app


async def go_to(pilot: Pilot[Any], app: OncallApp, where: str) -> None:
    """From wherever the last key left the app, back to where the next key is tried:
    a panel with rows above and below the cursor, the detail of a signal with its
    runbook scrolled half-way, or the event timeline with the cursor inside it."""
    while CommandPalette.is_open(app) or len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    if app.paused:
        app.action_pause()
    app.dashboard.action_clear_filter()
    await pilot.pause()
    if where == "board":
        await pilot.press("1", "g", "j", "j")
    if where == "detail":
        await pilot.press("1", "g", "enter")  # loan-api error ratio: a Markdown runbook
        view = app.screen.query_one("RunbookView")
        await wait_for(pilot, lambda: view.copy_text is not None)  # type: ignore[attr-defined]
        await pilot.pause()
        runbook_scroll(app).scroll_to(y=3, animate=False)
    if where == "events":
        await pilot.press("e", "j", "j")
    await pilot.pause()


async def help_of(pilot: Pilot[Any], app: OncallApp) -> list[HelpEntry]:
    await pilot.press("question_mark")
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    entries = screen.entries
    await pilot.press("escape")
    assert not isinstance(app.screen, HelpScreen)
    return entries


@pytest.mark.parametrize("where", ["board", "detail", "events"])
async def test_help_lists_every_binding_and_every_key_does_what_it_says(where: str) -> None:
    app = counting_app()
    quits: list[str] = []
    async with app.run_test(size=SIZES[where]) as pilot:
        await go_to(pilot, app, where)
        entries = await help_of(pilot, app)
        # every active binding of the screen is in the help, and nothing else
        listed = {key for entry in entries for key in entry.keys}
        assert listed == set(app.screen.active_bindings)
        actions = {entry.action for entry in entries}
        assert actions <= set(CHECKS), f"no check for {actions - set(CHECKS)}"
        assert len(entries) >= 8
        for entry in entries:
            for key in entry.keys:
                if entry.action in ("quit", "interrupt"):
                    quits.append(key)
                    continue
                await go_to(pilot, app, where)
                before = state(app)
                await pilot.press(key)
                await pilot.pause()
                assert CHECKS[entry.action](app, before), (
                    f"{where}: {key} ({entry.description}) did not do what it says"
                )
    assert quits, "the help lists no way to quit"
    for key in quits:  # quitting ends the app: one app per key
        app = counting_app()
        async with app.run_test(size=SIZES[where]) as pilot:
            await go_to(pilot, app, where)
            await pilot.press(key)
            await pilot.pause()
            assert not app.is_running, f"{key} did not quit"


async def test_filter_narrows_by_name_or_label_negates_and_clears() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        total = sum(len(p.row_keys) for p in board.panel_list)

        def shown() -> set[str]:
            return {k for p in board.panel_list for k in p.row_keys}

        await pilot.press("slash", *"loan-api")
        # Filtered once typing settles.
        await wait_for(pilot, lambda: shown() == {"demo/loan-api/errors", "demo/loan-api/p99"})
        assert "2 of 13 signals" in str(board.query_one("#filter-count").content)  # type: ignore[attr-defined]
        await pilot.press("enter")  # keep the filter, back to the panels
        assert isinstance(app.focused, SignalPanel)
        assert board.query_one("#filter-bar").display  # the active filter stays shown
        # a label matches too (team=lending), and a regex
        board.query_one("#filter-input", Input).value = "team=lend"
        await wait_for(pilot, lambda: shown() == {"demo/loan-api/errors"})
        board.query_one("#filter-input", Input).value = "^pay.*(ratio|latency)$"
        await wait_for(pilot, lambda: shown() == {"demo/pay-api/errors", "demo/pay-api/p99"})
        # ! negates
        board.query_one("#filter-input", Input).value = "!api"
        names = app.engine.store.signals
        await wait_for(pilot, lambda: not any("api" in names[k].name for k in shown()))
        assert shown()
        # Esc clears
        await pilot.press("escape")
        assert sum(len(p.row_keys) for p in board.panel_list) == total
        assert not board.query_one("#filter-bar").display
        assert isinstance(app.focused, SignalPanel)


async def test_a_filter_with_markup_and_bad_regex_is_text() -> None:
    app = make_app(make_store("ok", readings=[reading("d", "health", "disk [/mnt] full", 0.9)]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"[/mnt", "enter")
        board = app.dashboard
        assert [k for p in board.panel_list for k in p.row_keys] == ["demo/d"]
        await pilot.press("slash", *"] f")
        assert [k for p in board.panel_list for k in p.row_keys] == ["demo/d"]
        assert app.is_running


async def test_command_palette_jumps_to_a_signal_by_name() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        assert CommandPalette.is_open(app)
        await pilot.press(*"sms-otp")
        hits = app.screen.query_one(CommandList)
        await wait_for(
            pilot,
            lambda: (
                hits.highlighted is not None
                and "sms-otp" in str(hits.get_option_at_index(hits.highlighted).prompt)
            ),
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.dashboard.selected_key == "demo/dep/sms"
        assert not app.dashboard.follow  # the user chose: the cursor stays there


async def test_command_palette_has_the_apps_commands() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Go to worst", "Filter", "Pause", "Refresh", "Events", "Keys", "Theme"):
            assert title in titles
        await pilot.press("ctrl+p")
        assert CommandPalette.is_open(app)
        await pilot.press(*"Events", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EventsScreen))


async def test_palette_screenshot_saves_where_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(make_store("ok"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_save_screenshot()
        await pilot.pause()
        saved = list(tmp_path.glob("*.svg"))
        assert len(saved) == 1
        assert any(str(saved[0]) in m for m in notification_messages(app))


async def test_events_newest_first_filtered_by_kind_and_status() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        store.apply("demo", demo_readings("critical"), at=T0 + 10)
        store.fail("alerts", "connection refused", at=T0 + 20)
        store.apply("alerts", [], at=T0 + 30)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        texts = screen.list.texts
        times = [e.at for e in screen.entries]
        assert times == sorted(times, reverse=True)
        assert "alerts recovered" in texts[0] and "alerts failing" in texts[1]
        assert any("✖ CRIT" in t and "loan-api error ratio" in t for t in texts)
        await pilot.press("s")  # status: critical
        assert screen.status_filter == "critical"
        assert screen.entries and all(e.status == "critical" for e in screen.entries)
        await pilot.press("s", "s", "s", "s", "K")  # back to any; kind: status changes
        assert screen.kind_filter == "status changes"
        assert all(e.kind not in ("source", "change") for e in screen.entries)
        await pilot.press("q")
        assert isinstance(app.screen, DashboardScreen)


async def test_ctrl_c_quits_and_q_quits_the_board() -> None:
    for key in ("ctrl+c", "q"):
        app = make_app(make_store("ok"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(key)
            await pilot.pause()
            assert not app.is_running


async def test_incidents_toast_and_count_until_the_timeline_is_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store("ok")
    app = make_app(store)
    app.engine.config.bell = True
    app.attention.bell = True
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        store.apply("demo", demo_readings("critical"), at=T0 + 60)
        await wait_for(pilot, lambda: app.attention.incidents > 0)
        await wait_for(
            pilot, lambda: any("turned critical" in m for m in notification_messages(app))
        )
        toasts = notification_messages(app)
        assert any("turned critical" in t for t in toasts)
        assert bells
        header = app.dashboard.header.text
        assert f"⚑ {app.attention.incidents} incident" in header and "since" in header
        store.apply("demo", demo_readings("none"), at=T0 + 120)
        await wait_for(pilot, lambda: any("recovered" in m for m in notification_messages(app)))
        assert "incident since" in app.dashboard.header.text  # came and went: still said
        await pilot.press("e", "escape")
        app.dashboard.header.update_status()
        assert "incident" not in app.dashboard.header.text


async def test_keys_typed_ahead_act_in_order_a_panel_key_then_enter_opens_that_panel() -> None:
    """Found in tmux against a real Prometheus: `3` and Enter arriving in one read
    (typed fast, or pasted over SSH) opened the row of the panel focused before, because
    focusing was deferred behind the already-queued Enter."""
    from textual import events

    from oncall_tui.ui.screens.detail import SignalDetailScreen
    from ui_support import make_app, make_store

    app = make_app(make_store("critical"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rules = app.dashboard.panels["risk_rule"]
        assert not rules.has_focus  # the launch selection is the cause's: a dependency
        for key, character in (("2", "2"), ("enter", "\r")):
            app.post_message(events.Key(key, character))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, SignalDetailScreen)
        assert app.screen.key in rules.row_keys
