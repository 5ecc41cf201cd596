"""Source data faults through the prometheus plugin, the engine and the store, from a
loopback server answering what a real Prometheus never would (tests/fake_prometheus.py):
`data: null`, values that are not numbers, duplicate series, sample times decades off.

The rule under test (DESIGN: "Unknown is never drawn as ok, never as 0"): anything that
is not a finite number is unknown with the reason "no data", in the store, in
`check --format json` (value null) and in `check`'s text.

Sample timestamps: on main today the plugin does not read them (every sample counts as
observed when fetched), so a sample dated 20 years ago shows as fresh and ok. The
prometheus rework uses each sample's time as its observation time (far past: stale;
future: now). `test_sample_times` asserts whichever of the two the code has, telling
them apart by `Reading.observed_at`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_prometheus import fake_prometheus
from oncall_tui.cli import main
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reading, Reason, Signal, Status
from servers import no_proxy
from servers_http import HTTPTestServer

NAMES = {
    "data_null": "null {case}",
    "odd_values": "odd {case}",
    "real_values": "real {case}",
    "duplicates": "service {service}",
    "times": "sampled {when}",
}
"""Each canned answer's query, and the name template of its signals."""
NOT_NUMBERS = (
    "nan", "plus_inf", "minus_inf", "overflow", "minus_overflow", "word", "empty", "hex",
    "underscores", "padded", "arabic_digits", "json_null", "json_list", "json_object",
    "json_true", "json_false", "json_overflow",
)  # fmt: skip


def config_text(url: str) -> str:
    """One source per canned answer, so each one's outcome is its own."""
    text = 'refresh = "1s"\n'
    for query, name in NAMES.items():
        text += (
            f'[sources.{query}]\nplugin = "prometheus"\nurl = "{url}"\n'
            f'[[sources.{query}.queries]]\nkind = "health"\nname = "{name}"\n'
            f'query = "{query}"\nunit = "ratio"\nwarning = 0.5\n'
        )
    return text


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPTestServer]:
    with no_proxy(), fake_prometheus() as running:
        yield running


async def _collect(server: HTTPTestServer, times: int = 2) -> Engine:
    engine = Engine(parse_config(config_text(server.url), Path(".")))
    try:
        for _ in range(times):
            await engine.collect_once()
    finally:
        await engine.stop()
    return engine


def _signals(engine: Engine, source: str) -> dict[str, Signal]:
    return {s.name: s for s in engine.store.signals.values() if s.source == source}


async def test_data_null_fails_its_query_with_a_reason(server: HTTPTestServer) -> None:
    engine = await _collect(server)
    state = engine.store.source("data_null")
    assert state.ok is False
    assert state.error == "queries[0] (null {case}): response has no data"
    assert _signals(engine, "data_null") == {}
    assert engine.store.overall() is Status.UNKNOWN


async def test_values_that_are_not_numbers_are_unknown_never_zero(server: HTTPTestServer) -> None:
    engine = await _collect(server)
    assert engine.store.source("odd_values").ok
    signals = _signals(engine, "odd_values")
    assert sorted(s.labels["case"] for s in signals.values()) == sorted(NOT_NUMBERS)
    for signal in signals.values():
        assert (signal.value, signal.status, signal.reason) == (
            None,
            Status.UNKNOWN,
            Reason.NO_DATA,
        ), signal.name
        assert signal.summary == "no data"
        assert signal.history.values() == [None, None]
    # A real zero stays zero, a number sent as a JSON number is still a number, and a
    # value too small for a float is not rounded to a lie of exactly 0.
    real = {s.labels["case"]: s for s in _signals(engine, "real_values").values()}
    assert (real["zero"].value, real["zero"].status) == (0.0, Status.OK)
    assert (real["quarter"].value, real["quarter"].status) == (0.25, Status.OK)
    assert (real["json_number"].value, real["json_number"].status) == (0.5, Status.WARNING)
    assert real["underflow"].value is not None and 0.0 < real["underflow"].value < 1e-300


def test_check_says_no_data_and_never_zero(
    server: HTTPTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(config_text(server.url))
    assert main(["check", "--config", str(config), "--format", "json"]) == 3
    document = json.loads(capsys.readouterr().out)
    odd = {s["labels"]["case"]: s for s in document["signals"] if s["source"] == "odd_values"}
    assert sorted(odd) == sorted(NOT_NUMBERS)
    for case, signal in odd.items():
        assert (signal["status"], signal["value"], signal["reason"]) == (
            "unknown",
            None,
            "no data",
        ), case
    errors = {s["name"]: s["error"] for s in document["sources"]}
    assert errors["data_null"] == "queries[0] (null {case}): response has no data"

    assert main(["check", "--config", str(config)]) == 3
    lines = capsys.readouterr().out.splitlines()
    for case in NOT_NUMBERS:
        [line] = [line for line in lines if line.startswith("UNKN") and f"odd {case} " in line]
        assert line.split(f"odd {case}")[1].split() == ["—", "no", "data"], line
    assert any(line.split()[-1] == "0%" and "real zero" in line for line in lines)
    assert any(line.split()[-2:] == ["<", "0.01%"] and "real underflow" in line for line in lines)


async def test_duplicate_series_keep_the_first_and_never_flap(server: HTTPTestServer) -> None:
    engine = await _collect(server, times=3)
    state = engine.store.source("duplicates")
    assert state.ok is True
    assert state.note == (
        '1 duplicate reading dropped (first: item 1 repeats key \'q0{"service":"ledger"}\')'
    )
    signals = _signals(engine, "duplicates")
    assert sorted(signals) == ["service ledger", "service payments"]
    ledger = signals["service ledger"]
    assert (ledger.value, ledger.status) == (0.1, Status.OK)  # the first, every time
    # Both copies applied in turn would flip ok -> warning -> ok: two events per poll.
    assert [e for e in engine.store.events if e.key == ledger.key] == []
    assert ledger.history.values() == [0.1, 0.1, 0.1]


SAMPLE_TIMES_READ = "observed_at" in {field.name for field in dataclasses.fields(Reading)}
"""Whether readings carry their own observation time (the prometheus rework)."""


async def test_sample_times(server: HTTPTestServer) -> None:
    """A sample 20 years old, 10 years ahead, at the epoch, past the year 10^292, or
    with a time that is not a number. The rest of the series is kept in any case."""
    engine = await _collect(server)
    assert engine.store.source("times").ok
    signals = {s.labels["when"]: s for s in _signals(engine, "times").values()}
    assert sorted(signals) == ["epoch", "far_future", "far_past", "huge_time", "not_a_time", "now"]
    if not SAMPLE_TIMES_READ:
        # Main today: sample times are not read; everything counts as observed now.
        for when, signal in signals.items():
            assert (signal.value, signal.status, signal.reason) == (0.1, Status.OK, None), when
            assert signal.observed_at == signals["now"].observed_at
        return
    # Sample times read: an old sample is stale however recently it was fetched, and
    # says how old; a time in the future (or no usable time) counts as now, never as
    # fresher than now.
    for when in ("now", "far_future", "huge_time", "not_a_time"):
        signal = signals[when]
        assert (signal.value, signal.status, signal.reason) == (0.1, Status.OK, None), when
    for when in ("far_past", "epoch"):
        signal = signals[when]
        assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE), when
        assert signal.summary.startswith("stale: last data "), signal.summary


async def test_a_lone_surrogate_in_a_label_costs_nothing_else(server: HTTPTestServer) -> None:
    # Valid JSON ("A\ud800B"), unencodable as UTF-8: it once raised in the runbook URL
    # and every series of every query of the source was lost.
    text = (
        f'[sources.s]\nplugin = "prometheus"\nurl = "{server.url}"\n'
        '[[sources.s.queries]]\nkind = "risk_rule"\nname = "rule {rule}"\nquery = "surrogates"\n'
        'unit = "ratio"\ncritical = 0.2\nrunbook = "https://runbooks.example.com/risk/{rule}"\n'
        '[[sources.s.queries]]\nkind = "health"\nname = "service {service}"\nquery = "duplicates"\n'
    )
    engine = Engine(parse_config(text, Path(".")))
    await engine.collect_once()
    await engine.stop()
    assert engine.store.source("s").ok
    signals = {s.name: s for s in engine.store.signals.values()}
    odd = signals["rule A\\ud800B"]  # the sanitiser shows the surrogate as its escape
    assert odd.status is Status.CRITICAL
    assert odd.runbook is not None and odd.runbook.is_link
    assert odd.runbook.target == "https://runbooks.example.com/risk/A%5Cud800B"
    assert {"rule velocity", "service ledger", "service payments"} <= signals.keys()
