"""The command plugin's readings from a check's output: perfdata values and units,
thresholds, the signal's fields from the config, and the parser against the
monitoring-plugins guidelines."""

from __future__ import annotations

from pathlib import Path

import pytest

from command_plugin_support import run_once
from oncall_tui.core.signals.model import SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_command.perfdata import parse_output, parse_perfdata
from oncall_tui_command.plugin import deadline_for


async def test_perfdata_value_with_units(tmp_path: Path) -> None:
    body = (
        "echo \"OK: bank core answers | 'response time'=350ms;1000;2000;0 size=2KB "
        'load=93.5%;80;90 hits=12c"\n'
    )
    cases = {
        "response time": (0.35, "seconds"),
        "size": (2048.0, "bytes"),
        "load": (93.5, "percent"),
        "hits": (12.0, "count"),
    }
    for label, (value, unit) in cases.items():
        reading = await run_once(tmp_path, body, perfdata=label)
        assert reading.value == pytest.approx(value), label
        assert reading.unit == unit, label
        assert reading.status is Status.OK, "no thresholds configured: the exit code decides"
        assert reading.summary == "OK: bank core answers"


async def test_perfdata_missing_or_undetermined(tmp_path: Path) -> None:
    missing = await run_once(tmp_path, "echo 'OK | other=1'\n", perfdata="time")
    assert missing.value is None and missing.status is Status.OK
    assert missing.summary == "OK (no perfdata 'time')"
    undetermined = await run_once(tmp_path, "echo 'UNKNOWN | time=U'\nexit 3\n", perfdata="time")
    assert undetermined.value is None and undetermined.status is Status.UNKNOWN


async def test_unit_applies_to_a_value_without_uom(tmp_path: Path) -> None:
    body = "echo 'OK | refused=0.07'\n"
    assert (await run_once(tmp_path, body, perfdata="refused")).unit == "count"
    reading = await run_once(tmp_path, body, perfdata="refused", unit="ratio")
    assert reading.unit == "ratio" and reading.value == pytest.approx(0.07)
    # A known UOM wins over the option.
    assert (await run_once(tmp_path, "echo 'OK | t=5ms'\n", perfdata="t", unit="ratio")).unit == (
        "seconds"
    )


async def test_thresholds_judge_the_perfdata_value(tmp_path: Path) -> None:
    body = "echo 'OK: looks fine to the check | time=2.5s'\n"
    reading = await run_once(tmp_path, body, perfdata="time", warning=1, critical=2)
    assert reading.status is None, "the configured thresholds decide"
    assert reading.thresholds is not None and reading.thresholds.critical == 2
    store = SignalStore()
    store.add_source(SourceState(name="bank", plugin="command", kinds=frozenset({"health"})))
    store.apply("bank", [reading])
    assert store.signals["bank/check"].status is Status.CRITICAL
    # Without a value to judge, the exit code still decides.
    failed = await run_once(tmp_path, "echo 'CRITICAL: refused'\nexit 2\n", perfdata="time",
                            warning=1, critical=2)  # fmt: skip
    assert failed.status is Status.CRITICAL


async def test_below_and_for_reach_the_thresholds(tmp_path: Path) -> None:
    body = "echo 'OK | free=10%'\n"
    reading = await run_once(
        tmp_path, body, perfdata="free", warning=20, critical=5, below=True, **{"for": "1m"}
    )
    assert reading.thresholds is not None
    assert reading.thresholds.below is True and reading.thresholds.for_seconds == 60


async def test_signal_fields_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    reading = await run_once(
        tmp_path,
        "echo OK\n",
        kind="dependency",
        name="bank core",
        component="bank-core",
        runbook="runbooks/bank.md",
    )
    assert reading.kind == "dependency" and reading.name == "bank core"
    assert reading.component == "bank-core"
    assert reading.runbook == Runbook.file(tmp_path / "runbooks" / "bank.md")
    default = await run_once(tmp_path, "echo OK\n")
    assert default.kind == "health" and default.name == "bank-check" and default.component == ""
    assert default.runbook is None
    linked = await run_once(tmp_path, "echo OK\n", runbook="https://runbooks.example.com/bank")
    assert linked.runbook == Runbook.link("https://runbooks.example.com/bank")


def test_perfdata_parser_follows_the_guidelines() -> None:
    output = parse_output(
        "DISK OK - free space | /=2643MB;5948;5958;0;5968\n"
        "/ 15272 MB (77%);\n"
        "/boot 68 MB (69%);\n"
        "/home 69357 MB (27%); | /boot=68MB;88;93;0;98\n"
        "/home=69357MB;253404;253409;0;253414\n"
        "'it''s quoted'=1s junk 'bad label=3 =4 x=abc y=1.5e3us z=U\n"
    )
    assert output.summary == "DISK OK - free space"
    perf = output.perfdata
    assert perf["/"].value == 2643 * 1024**2 and perf["/"].unit == "bytes"
    assert perf["/boot"].value == 68 * 1024**2
    assert perf["/home"].value == 69357 * 1024**2
    assert perf["it's quoted"].value == 1.0 and perf["it's quoted"].unit == "seconds"
    assert perf["y"].value == pytest.approx(1.5e-3)
    assert perf["z"].value is None
    assert "x" not in perf and "bad label" not in perf
    first = parse_perfdata("a=1 a=2 b=3dBm")
    assert first["a"].value == 1.0, "a label given twice keeps its first value"
    assert first["b"].value == 3.0 and not first["b"].known_unit


def test_deadline_stays_inside_the_engines() -> None:
    assert deadline_for(3.0) == pytest.approx(2.7)
    assert deadline_for(10.0) == pytest.approx(9.5)
    assert deadline_for(0.05) == pytest.approx(0.1)
