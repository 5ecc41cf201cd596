"""Sources failing and recovering are events in the store's log: one when a source
starts failing, one when it works again, whatever happens in between; the same events
when a recording of the outage is replayed, and one line each in `oncall-tui timeline`.

The outage is real: the openmetrics plugin scrapes a loopback exporter that is
stopped (its listening socket and its kept-alive connections closed, as when the
process dies) and started again on the same port.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from faults import METRICS
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.recording import Header, Recorder, Replay, read_recording
from oncall_tui.core.recording.timeline import build_timeline, render_json, render_markdown
from oncall_tui.core.sanitize import redactor
from oncall_tui.core.signals.model import Event, Reading, Reason, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from waiting import wait_until, wait_until_async

OK, UNKNOWN = Status.OK, Status.UNKNOWN
T0 = 1_764_000_000.0


def _store() -> SignalStore:
    store = SignalStore(history=10, events=100)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=5))
    return store


def _reading(value: float = 0.01) -> Reading:
    return Reading(key="x", kind="health", name="x errors", value=value, unit="ratio")


def source_events(store: SignalStore) -> list[tuple[float, str, Status, Status, str]]:
    return [(e.at, e.key, e.before, e.after, e.error) for e in store.events if e.source]


# --------------------------------------------------------------------------- the store


def test_failing_then_recovering_is_two_events_however_long_it_fails() -> None:
    store = _store()
    store.apply("prom", [_reading()], at=T0)
    store.fail("prom", "connection refused", at=T0 + 5)
    store.fail("prom", "timed out after 3s", at=T0 + 10)  # still failing: no new event
    store.apply("prom", [_reading()], at=T0 + 15, error="queries[1]: bad_data")  # partly
    store.apply("prom", [_reading()], at=T0 + 20)
    store.apply("prom", [_reading()], at=T0 + 25)
    assert source_events(store) == [
        (T0 + 5, "prom", OK, UNKNOWN, "connection refused"),
        (T0 + 20, "prom", UNKNOWN, OK, ""),
    ]
    failure = next(e for e in store.events if e.source)
    assert failure.reason is Reason.SOURCE_ERROR and failure.name == "prom"
    # The source failing is the cause, its signals turning unknown the consequence.
    keys = [e.key for e in store.events]
    assert keys[:2] == ["prom", "prom/x"]
    assert [e.change for e in store.events] == [False] * len(store.events)


def test_a_partial_failure_fails_the_source_and_a_first_failure_counts() -> None:
    store = _store()
    store.fail("prom", "connection refused", at=T0)  # failing from the first collection
    store.apply("prom", [_reading()], at=T0 + 5)
    store.apply("prom", [_reading()], at=T0 + 10, error="queries[1]: bad_data")
    assert source_events(store) == [
        (T0, "prom", UNKNOWN, UNKNOWN, "connection refused"),
        (T0 + 5, "prom", UNKNOWN, OK, ""),
        (T0 + 10, "prom", OK, UNKNOWN, "queries[1]: bad_data"),
    ]
    fresh = _store()
    fresh.apply("prom", [_reading()], at=T0)  # a first success is not news
    assert source_events(fresh) == []


def test_the_error_in_the_event_is_sanitised_and_redacted() -> None:
    with redactor.scope():
        redactor.add("tok-source-event-secret")
        store = _store()
        store.apply("prom", [_reading()], at=T0)
        store.fail("prom", "401 for tok-source-event-secret \x1b]52;c;aGk=\x07", at=T0 + 5)
    (event,) = (e for e in store.events if e.source)
    assert "tok-source-event-secret" not in event.error and "***" in event.error
    assert "\x1b" not in event.error and event.error == store.source("prom").error


def test_replay_puts_the_same_source_events_in_the_same_order(tmp_path: Path) -> None:
    clock = [T0]
    live = SignalStore(history=10, events=100, clock=lambda: clock[0])
    live.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=5))
    recorder = Recorder(live, tmp_path / "r.jsonl", Header("drill", T0, {}, 600.0))
    for step, outcome in enumerate(["ok", "refused", "timeout", "ok", "ok", "refused"]):
        clock[0] = T0 + 5 * step
        if outcome == "ok":
            live.apply("prom", [_reading(), Reading(key="y", kind="health", name="y", value=1)])
        else:
            live.fail("prom", outcome)
    recorder.close()
    replayed = SignalStore(history=10, events=100)
    replay = Replay(read_recording(tmp_path / "r.jsonl"), replayed)
    replayed.clock = replay.clock
    while replay.step():
        pass
    assert len(source_events(live)) == 3
    assert source_events(replayed) == source_events(live)
    assert _all(replayed.events) == _all(live.events)


def _all(events: Iterable[Event]) -> list[tuple[object, ...]]:
    """Every event in order, except that signals changing at the same instant (one
    collection) may come in any order; a source's event comes before its signals'."""
    ordered = [
        (e.at, not e.source, e.key, e.before, e.after, e.reason, e.change, e.error) for e in events
    ]
    assert ordered == sorted(ordered, key=lambda row: row[:2])
    return sorted(ordered, key=lambda row: row[:3])


# --------------------------------------------------------------------------- a real outage


class _MetricsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real exporter

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(METRICS)))
        self.end_headers()
        self.wfile.write(METRICS)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Exporter(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _MetricsHandler)
        self.connections: list[socket.socket] = []

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.append(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hanging up when the exporter stops


@contextlib.contextmanager
def exporter(port: int = 0) -> Iterator[_Exporter]:
    """An exporter on loopback until the block ends; then it is gone as a killed
    process is: nothing listens and kept-alive connections are cut."""
    server = _Exporter(port)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        for connection in server.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        thread.join(timeout=5)


CONFIG = """\
title = "source outage"
refresh = "{interval}"

[sources.om]
plugin = "openmetrics"
url = "{url}/metrics"
# The outage is a refused connection, failing at once; a long deadline keeps a slow
# answer on a loaded machine (the exporter shares this process) from failing as well.
timeout = "10s"
  [[sources.om.metrics]]
  kind = "health"
  name = "risk decisions"
  metric = "risk_decisions_total"
"""


async def test_an_engine_against_a_server_that_stops_and_starts_logs_two_events(
    tmp_path: Path,
) -> None:
    engines: list[Engine] = []
    recorders: list[Recorder] = []
    try:
        with exporter() as server:
            port = server.server_address[1]
            url = f"http://127.0.0.1:{port}"
            config = parse_config(CONFIG.format(interval="100ms", url=url), tmp_path)
            engine = Engine(config)
            engines.append(engine)
            store = engine.store
            header = Header("outage", time.time(), {}, 60.0)
            recorders.append(Recorder(store, tmp_path / "outage.jsonl", header))
            engine.start()
            await wait_until_async(lambda: store.source("om").ok is True, 20.0, what="first scrape")
        # The server is gone: connections refused.
        await wait_until_async(lambda: store.source("om").ok is False, 20.0, what="failure noticed")
        error = store.source("om").error
        with exporter(port):
            await wait_until_async(
                lambda: store.source("om").ok is True, 20.0, what="recovery noticed"
            )
    finally:
        for engine in engines:
            await engine.stop()
        for recorder in recorders:
            recorder.close()
    events = [e for e in store.events if e.source]
    assert [(e.key, e.before, e.after) for e in events] == [
        ("om", OK, UNKNOWN),
        ("om", UNKNOWN, OK),
    ]
    assert events[0].error == error and str(port) in error
    assert events[0].at < events[1].at
    # Its signal went unknown (source error) once the source failed, and came back.
    (key,) = store.signals
    statuses = [(e.before, e.after, e.reason) for e in store.events if e.key == key]
    assert statuses == [(OK, UNKNOWN, Reason.SOURCE_ERROR), (UNKNOWN, OK, None)]
    # Replaying the recording of the outage logs the very same events.
    replayed = SignalStore(history=10, events=1000)
    replay = Replay(read_recording(tmp_path / "outage.jsonl"), replayed)
    replayed.clock = replay.clock
    while replay.step():
        pass
    assert source_events(replayed) == source_events(store)  # to the microsecond
    # (A signal's change is dated by its frame in a replay: a few microseconds after the
    # collection's own time, which the recording does not keep.)
    assert [_change(e) for e in replayed.events] == [_change(e) for e in store.events]


def _change(e: Event) -> tuple[object, ...]:
    return (e.key, e.before, e.after, e.reason, e.source, e.error)


def _recorded_states(path: Path) -> list[bool | None]:
    """The source's `ok` in every frame flushed so far (the last line may be partial)."""
    states: list[bool | None] = []
    for line in path.read_text().splitlines()[1:] if path.exists() else []:
        with contextlib.suppress(ValueError):
            states += [source["ok"] for source in json.loads(line).get("sources", [])]
    return states


def _wait_for_state(path: Path, ok: bool, after: int, process: subprocess.Popen[str]) -> int:
    def seen() -> int:
        assert process.poll() is None, process.communicate()
        states = _recorded_states(path)
        return len(states) if ok in states[after:] else 0

    return wait_until(seen, what=f"a recorded frame with ok={ok}")


def test_record_an_outage_then_the_timeline_says_failed_and_recovered(tmp_path: Path) -> None:
    out = tmp_path / "outage.jsonl"
    config = tmp_path / "oncall.toml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "oncall_tui", "record", "--config", str(config)]
    with exporter() as server:
        port = server.server_address[1]
        config.write_text(CONFIG.format(interval="200ms", url=f"http://127.0.0.1:{port}"))
        process = subprocess.Popen(
            [*command, "--out", str(out), "--for", "120s"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            seen = _wait_for_state(out, True, 0, process)
        except BaseException:
            process.kill()
            raise
    try:
        seen = _wait_for_state(out, False, seen, process)
        with exporter(port):
            _wait_for_state(out, True, seen, process)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C ends a recording, exit 0
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    run = [sys.executable, "-m", "oncall_tui", "timeline", str(out)]
    done = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env, check=True)
    rows = [line for line in done.stdout.splitlines() if "| source om" in line]
    assert len(rows) == 2, done.stdout
    assert f"source om failed: cannot connect to 127.0.0.1:{port}" in rows[0]
    assert rows[1].endswith("| source om recovered |")
    as_json = subprocess.run(
        [*run, "--format", "json"], capture_output=True, text=True, timeout=60, check=True
    )
    events = [e for e in json.loads(as_json.stdout)["events"] if e["what"] == "source"]
    assert [(e["source"], e["ok"]) for e in events] == [("om", False), ("om", True)]
    # The replay behind the timeline dates them as the live store did: by the attempt.
    replayed = SignalStore()
    replay = Replay(read_recording(out), replayed)
    replayed.clock = replay.clock
    while replay.step():
        pass
    built = build_timeline(read_recording(out))
    times = [e.at for e in built.entries if e.what == "source"]
    assert times == [e.at for e in replayed.events if e.source]
    assert "failing" not in render_markdown(built).split("## At the end")[1]
    assert render_json(built)["final"]["failing_sources"] == []


def test_the_timeline_names_sources_failing_at_the_start_and_at_the_end(tmp_path: Path) -> None:
    clock = [T0]
    store = SignalStore(clock=lambda: clock[0])
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=5))
    store.add_source(SourceState("am", "alertmanager", frozenset({"alert"}), interval=5))
    recorder = Recorder(store, tmp_path / "r.jsonl", Header("drill", T0, {}, 600.0))
    store.apply("prom", [_reading()])
    store.fail("am", "cannot connect to 127.0.0.1:9093 | *refused*")
    clock[0] = T0 + 10
    store.fail("prom", "connection refused")
    recorder.close()
    built = build_timeline(read_recording(tmp_path / "r.jsonl"))
    start, end = render_markdown(built).split("## At the end")
    assert "- **source am failing**: cannot connect to 127.0.0.1:9093 \\| \\*refused\\*" in start
    assert "source prom" not in start.split("## What happened")[0]
    assert "| source prom failed: connection refused |" in start
    assert "**source prom failing**" in end and "**source am failing**" in end
    data = render_json(built)
    assert data["initial"]["failing_sources"] == [
        {"source": "am", "error": "cannot connect to 127.0.0.1:9093 | *refused*"}
    ]
    assert [s["source"] for s in data["final"]["failing_sources"]] == ["am", "prom"]


async def test_the_events_screen_reads_source_events_from_the_store() -> None:
    from oncall_tui.ui.screens.events import EventsScreen
    from ui_support import make_app, make_store

    # Failing before the screen ever existed: still on the timeline, from the store.
    store = make_store("error")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        store.apply("alerts", [], at=T0 + 5)
        await pilot.pause()
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        while screen.kind_filter != "source":
            await pilot.press("K")
        texts = screen.list.texts
        assert len(texts) == 3, texts
        assert "alerts recovered" in texts[0]
        assert any("alerts failing: cannot connect to 127.0.0.1:9093" in t for t in texts)
        assert any("demo failing: timed out after 3s" in t for t in texts)
        await pilot.press("s")  # status: critical — no source event is
        assert screen.entries == []
        await pilot.press("s")  # unknown: the two failures
        assert [e.status for e in screen.entries] == ["unknown", "unknown"]


def test_jumping_to_the_next_change_stops_at_a_source_failing_and_recovering(
    tmp_path: Path,
) -> None:
    clock = [T0]
    live = SignalStore(clock=lambda: clock[0])
    live.add_source(SourceState("am", "alertmanager", frozenset({"alert"}), interval=5))
    recorder = Recorder(live, tmp_path / "r.jsonl", Header("drill", T0, {}, 600.0))
    for step, error in enumerate(["", "", "refused", "refused", "", ""]):
        clock[0] = T0 + 10 * step
        if error:
            live.fail("am", error)
        else:
            live.apply("am", [])  # no alert firing: a source without signals
    recorder.close()
    store = SignalStore()
    replay = Replay(read_recording(tmp_path / "r.jsonl"), store)
    store.clock = replay.clock
    replay.step()
    stops = []
    while (at := replay.next_status_change()) is not None:
        stops.append(at)
        replay.advance_to(at)
    assert stops == [T0 + 20, T0 + 40]
    assert [(e.at, e.after) for e in store.events if e.source] == [
        (T0 + 20, UNKNOWN),
        (T0 + 40, OK),
    ]
