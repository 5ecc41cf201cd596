"""On call as a team, against real Alertmanagers: acks from the board (karma's ACK!
silences), a second board seeing them, an HA pair with a peer killed, the read-only
and wallboard refusals (requests counted), maintenance silences and notices."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from alertmanager_api import engine_for, post_alerts, post_silence, silences
from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.core.present.triage_text import cause_line
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.team import ACK_PREFIX
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.confirm import ConfirmScreen
from oncall_tui.ui.textual_compat import notification_messages
from quiet_handler import QuietHandler
from servers import ServerProcess
from servers_alertmanager import start_alertmanager_pair
from servers_http import serve_http
from waiting import pilot_until, wait_until, wait_until_async

pytestmark = pytest.mark.servers

BUREAU = {"alertname": "BureauDown", "service": "credit-bureau", "severity": "critical"}


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "alice")


@pytest.fixture
def pair() -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with start_alertmanager_pair() as servers:
        yield servers


def fire(case: str, *servers: ServerProcess, labels: dict[str, str] = BUREAU) -> None:
    """As Prometheus does with an HA pair: the same alert to every peer."""
    alert = {"labels": labels, "annotations": {"summary": "bureau answers 503"}}
    for server in servers:
        post_alerts(server, case, alert)


def resolve(case: str, *servers: ServerProcess, labels: dict[str, str] = BUREAU) -> None:
    alert = {"labels": labels, "annotations": {}, "endsAt": "2020-01-01T00:00:00Z"}
    for server in servers:
        post_alerts(server, case, alert)


def alert_rows(engine: Engine) -> list[Any]:
    return [s for s in engine.store.signals.values() if s.kind == "alert"]


async def collected(engine: Engine) -> list[Any]:
    await engine.collect_once()
    return alert_rows(engine)


def notes(app: OncallApp) -> list[str]:
    return notification_messages(app)


# --------------------------------------------------------------------------- HA pair


async def test_ha_pair_shows_each_alert_once_and_loses_none_when_a_peer_dies(
    pair: tuple[ServerProcess, ServerProcess], case: str
) -> None:
    one, two = pair
    fire(case, one, two)
    engine = engine_for([one.url, two.url], case)
    try:
        found = await wait_until_async(lambda: collected(engine), what="the alert")
        assert len(found) == 1, "the same alert from both peers is one row"
        state = engine.store.source("alerts")
        assert state.ok and "down" not in state.note

        one.stop()
        await engine.collect_once()
        state = engine.store.source("alerts")
        assert state.ok, state.error
        assert f"peer 127.0.0.1:{one.port} down" in state.note
        (alert,) = alert_rows(engine)
        assert alert.status is Status.CRITICAL, "no alert lost with a peer down"

        two.stop()
        await engine.collect_once()
        state = engine.store.source("alerts")
        assert not state.ok and state.error.startswith("every peer failed")
    finally:
        await engine.stop()


# --------------------------------------------------------------------------- acks


async def test_ack_from_one_board_is_seen_on_the_other_and_ends_when_resolved(
    pair: tuple[ServerProcess, ServerProcess], case: str
) -> None:
    one, two = pair
    fire(case, one, two)
    other = engine_for([two.url, one.url], case)  # the second board, another peer first
    app = OncallApp(engine_for([one.url, two.url], case))
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            panel = app.dashboard.panels["alert"]
            await pilot_until(pilot, lambda: panel.first_signal is not None, what="the alert row")
            (key,) = [s.key for s in alert_rows(app.engine)]
            await pilot.press("4", "g")
            assert panel.selected_key == key
            await pilot.press("a")
            await pilot_until(
                pilot, lambda: silences(one, case, "active"), what="the ack in Alertmanager"
            )
            made = silences(one, case)
            assert len(made) == 1, "one key, one silence"
            assert made[0]["comment"].startswith(ACK_PREFIX)
            assert made[0]["createdBy"] == "alice"
            lasts = _rfc3339(made[0]["endsAt"]) - _rfc3339(made[0]["startsAt"])
            assert 7200 - 5 <= lasts <= 7200 + 5, "bounded: the default ack_duration"
            signal = app.engine.store.signals[key]
            await pilot_until(pilot, lambda: signal.ack is not None, what="the row acked")
            assert signal.status is Status.CRITICAL, "an acked alert keeps its status"
            assert row_summary(signal).startswith("acked by alice")
            assert app.engine.store.counts()[Status.CRITICAL] == 1, "and still counts"

            # The second board: within one refresh (its next collection), who acked.
            wait_until(lambda: silences(two, case, "active"), what="the ack gossiped")
            await other.collect_once()
            other.store.add_source(SourceState("checks", "command", frozenset({"dependency"})))
            other.store.apply(
                "checks",
                [Reading("b", "dependency", "credit-bureau", 0.0, component="credit-bureau",
                         status=Status.CRITICAL)],
            )  # fmt: skip
            (seen,) = alert_rows(other)
            assert seen.ack is not None and seen.ack.author == "alice"
            assert seen.summary.startswith("acked by alice")
            diagnosis = store_diagnosis(other.store, {}, 3600)
            assert diagnosis.cause is not None
            assert "acked by alice" in cause_line(diagnosis.cause, now=time.time())

            # A second `a` on an acked alert sends nothing more.
            await pilot.press("a")
            await pilot.pause()
            assert len(silences(one, case)) == 1
            assert any("already acked" in note for note in notes(app)), notes(app)

            # The alert resolves: the board that acked ends its ack.
            resolve(case, one, two)
            await pilot_until(
                pilot,
                lambda: not silences(one, case, "active"),
                what="the ack silence expired after the resolution",
            )
            assert [s["status"]["state"] for s in silences(one, case)] == ["expired"]
    finally:
        await other.stop()


async def test_unack_asks_first_then_withdraws(
    pair: tuple[ServerProcess, ServerProcess], case: str
) -> None:
    one, two = pair
    fire(case, one, two)
    post_silence(one, case, by="bob", comment=f"{ACK_PREFIX} on it")
    app = OncallApp(engine_for([one.url, two.url], case))
    async with app.run_test(size=(160, 50)) as pilot:
        panel = app.dashboard.panels["alert"]
        await pilot_until(pilot, lambda: panel.first_signal is not None, what="the alert row")
        (signal,) = alert_rows(app.engine)
        await pilot_until(pilot, lambda: signal.ack is not None, what="bob's ack")
        assert signal.ack is not None and signal.ack.author == "bob"
        await pilot.press("4", "g", "A")
        await pilot_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert silences(one, case, "active"), "nothing withdrawn before the confirm"
        await pilot.press("y")
        await pilot_until(pilot, lambda: not silences(one, case, "active"), what="withdrawn")
        await pilot_until(pilot, lambda: signal.ack is None, what="the row un-acked")


# --------------------------------------------------------------------------- refusals


@dataclass
class Counted:
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self) -> list[tuple[str, str]]:
        with self.lock:
            return [r for r in self.requests if r[0] not in ("GET", "HEAD")]


@contextmanager
def counting_proxy(target: str) -> Iterator[tuple[str, Counted]]:
    """A loopback HTTP proxy in front of `target` that counts every request."""
    counted = Counted()

    class Forward(QuietHandler):
        def _forward(self) -> None:
            with counted.lock:
                counted.requests.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            with httpx.Client(trust_env=False, timeout=5) as client:
                answer = client.request(
                    self.command,
                    target + self.path,
                    content=body,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                )
            self.send_body(answer.status_code, answer.content)

        do_GET = do_POST = do_DELETE = _forward

    with serve_http(Forward) as server:
        yield server.url, counted


@pytest.mark.parametrize("mode", ["read_only", "wallboard"])
async def test_read_only_and_wallboard_refuse_acks_and_send_nothing(
    pair: tuple[ServerProcess, ServerProcess], case: str, mode: str
) -> None:
    one, two = pair
    fire(case, one, two)
    with counting_proxy(one.url) as (url, counted):
        engine = engine_for([url], case)
        app = OncallApp(engine, read_only=True, wallboard=mode == "wallboard")
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot_until(pilot, lambda: alert_rows(engine), what="the alert collected")
            if mode == "read_only":
                await pilot.press("4", "g")
            for key in ("a", "A"):
                await pilot.press(key)
                await pilot.pause()
            said = notes(app)
            words = "read-only: ack is disabled" if mode == "read_only" else "wallboard: ack"
            assert any(n.startswith(words) for n in said), said
            assert not isinstance(app.screen, ConfirmScreen)
        assert counted.writes() == [], "nothing but reads reached Alertmanager"
        assert counted.requests, "the proxy did see the board's reads"
    assert silences(one, case) == []


# --------------------------------------------------------------------------- maintenance


async def test_maintenance_silence_marks_the_component_and_triage_blames_it_last(
    pair: tuple[ServerProcess, ServerProcess], case: str
) -> None:
    one, two = pair
    fire(case, one, two)
    ends = time.time() + 3600
    ends_text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ends))
    post_silence(one, case, by="bob", comment="maintenance: bureau upgrade", ends=ends_text)
    engine = engine_for([one.url, two.url], case)
    engine.store.add_source(SourceState("checks", "command", frozenset({"health"})))
    try:
        await wait_until_async(lambda: collected(engine), what="the alert")
        # The bureau failed first and worst; payment-api less badly, later.
        engine.store.apply(
            "checks",
            [
                Reading("b", "dependency", "credit-bureau 5xx", 0.9, component="credit-bureau",
                        status=Status.CRITICAL),
                Reading("p", "health", "payment-api errors", 0.1, component="payment-api",
                        status=Status.WARNING),
            ],
        )  # fmt: skip
        # An hour on: past midnight the words carry the day too ("Dec 07 00:58").
        same_day = time.localtime(ends)[:3] == time.localtime()[:3]
        until = time.strftime("%H:%M" if same_day else "%b %d %H:%M", time.localtime(ends))
        words = f"maintenance until {until} (bob: bureau upgrade)"
        bureau = engine.store.signals["checks/b"]
        assert row_summary(bureau).startswith(words), row_summary(bureau)
        (alert,) = alert_rows(engine)
        assert alert.status is Status.OK and alert.summary.startswith(words)
        diagnosis = store_diagnosis(engine.store, {}, 3600)
        assert [c.component for c in diagnosis.causes] == ["payment-api", "credit-bureau"]
        line = cause_line(diagnosis.causes[1], now=time.time())
        assert "credit-bureau down" in line and f"in {words}" in line
    finally:
        await engine.stop()


def test_a_notice_from_the_config_marks_its_component_until_it_ends() -> None:
    text = """
[[notices]]
text = "bank-core migration"
until = 2099-01-01T16:00:00Z
component = "bank-core"

[[notices]]
text = "long over"
until = 2001-01-01T00:00:00Z
component = "sms-otp"

[sources.demo]
plugin = "demo"
"""
    config = parse_config(text, Path("."))
    assert not config.load_errors, config.load_errors
    engine = Engine(config)
    engine.store.add_source(SourceState("checks", "command", frozenset({"dependency"})))
    engine.store.apply(
        "checks",
        [
            Reading("b", "dependency", "bank-core", 1.0, component="bank-core"),
            Reading("s", "dependency", "sms-otp", 1.0, component="sms-otp"),
        ],
    )
    assert row_summary(engine.store.signals["checks/b"]).startswith("maintenance until Jan 01 ")
    assert "bank-core migration" in row_summary(engine.store.signals["checks/b"])
    assert engine.store.signals["checks/s"].maintenance is None, "an ended notice is gone"


def test_a_notice_needs_text_and_a_time() -> None:
    text = '[[notices]]\ntext = "x"\nuntil = "soon"\n[sources.demo]\nplugin = "demo"\n'
    with pytest.raises(ConfigError, match=r"notices\[0\]\.until"):
        parse_config(text, Path("."))


def _rfc3339(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --------------------------------------------------------------------------- screens


async def test_wallboard_says_who_acked_and_what_is_in_maintenance() -> None:
    from oncall_tui.core.signals.model import Ack, Maintenance
    from ui_support import T0, make_engine, make_store

    store = make_store("ok", readings=[])
    store.add_source(SourceState("checks", "command", frozenset({"dependency"})))
    store.apply(
        "alerts",
        [
            Reading("a1", "alert", "BureauDown", 60.0, unit="seconds", status=Status.CRITICAL,
                    component="credit-bureau", summary="acked by alice 3m ago — bureau 503",
                    ack=Ack("alice", T0 - 180, T0 + 3600, "s1")),
        ],
    )  # fmt: skip
    store.apply(
        "checks",
        [Reading("c", "dependency", "bank-core availability", 0.5, status=Status.CRITICAL,
                 component="bank-core")],
    )  # fmt: skip
    store.maintenance.notices = (Maintenance("core migration", T0 + 3600, "bank-core", "bob"),)
    store.sweep(T0)
    app = OncallApp(make_engine(store), clock=lambda: T0, start_engine=False, wallboard=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
    assert "acked by alice 3m ago" in shown
    assert "maintenance until" in shown and "(bob: core migration)" in shown


def test_an_acked_or_maintained_signal_raises_no_toast() -> None:
    from oncall_tui.core.present.attention import Attention
    from oncall_tui.core.signals.model import Ack, Maintenance
    from ui_support import make_store

    store = make_store("ok", readings=[])
    store.add_source(SourceState("checks", "command", frozenset({"dependency"})))
    store.apply("checks", [Reading("c", "dependency", "bank-core", 1.0, status=Status.OK)])
    store.apply("alerts", [Reading("x", "alert", "Other", 1.0, status=Status.OK)])
    attention = Attention(store, bell=True)
    store.maintenance.notices = (Maintenance("migration", None, "bank-core"),)
    store.apply("checks", [Reading("c", "dependency", "bank-core", 0.0, status=Status.CRITICAL)])
    acked = Ack("alice", None, None)
    store.apply("alerts", [Reading("x", "alert", "Other", 1.0, status=Status.CRITICAL, ack=acked)])
    assert attention.update(0.0) == [], "nobody's news: acked, or planned work"
    store.apply("alerts", [Reading("y", "alert", "Fresh", 1.0, status=Status.CRITICAL)])
    (toast,) = attention.update(0.0)
    assert "Fresh" in toast.text and toast.bell


async def test_a_notice_about_everything_is_said_on_the_cause_line_while_nothing_fails() -> None:
    from oncall_tui.core.signals.model import Maintenance
    from oncall_tui.ui.widgets.cause_line import CauseLine
    from ui_support import T0, make_app, make_store

    store = make_store("ok", readings=[])
    app = make_app(store)  # its engine takes the config's notices: none; then ours
    store.maintenance.notices = (Maintenance("payment freeze for the audit", T0 + 3600),)
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.screen.query_one(CauseLine)
        await pilot_until(pilot, lambda: line.display, what="the notice shown")
        assert line.plain.startswith("NOTICE  payment freeze for the audit (until ")
