"""The host source against the real machine, plus the CPU meter against fake counters."""

from __future__ import annotations

import math
import socket
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from pydantic import ValidationError

from frozen_heap import frozen_heap
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui_host import HostPlugin, cpu, probe
from waiting import wait_until_async


def make(config_dir: Path = Path("."), timeout: float = 3.0, **options: Any) -> HostPlugin:
    context = SourceContext(name="host", config_dir=config_dir, interval=5.0, timeout=timeout)
    return HostPlugin(HostPlugin.Config(**options), context)


def by_key(readings: Any) -> dict[str, Reading]:
    return {r.key: r for r in readings}


async def test_reads_this_machine() -> None:
    readings = by_key(await make().collect())
    assert set(readings) == {"cpu", "memory", "load", "disk:/"}
    for reading in readings.values():
        assert reading.kind == "health"
        assert reading.value is not None and math.isfinite(reading.value), reading
        assert reading.labels["host"] == socket.gethostname()
        assert reading.thresholds is not None
        assert reading.summary
    for key in ("cpu", "memory", "disk:/"):
        assert readings[key].unit == "percent"
        value = readings[key].value
        assert value is not None and 0.0 <= value <= 100.0
    load = readings["load"].value
    assert load is not None and load >= 0.0
    assert readings["cpu"].name == "host/cpu"
    assert readings["disk:/"].labels["path"] == "/"


async def test_thresholds_come_from_the_config() -> None:
    readings = by_key(
        await make(
            cpu_warning=0,
            cpu_critical=0,
            memory_warning=0,
            memory_critical=100,
            disk_warning=100,
            disk_critical=100,
        ).collect()
    )

    def status(key: str) -> Status:
        reading = readings[key]
        assert reading.thresholds is not None and reading.value is not None
        return reading.thresholds.level(reading.value)

    assert status("cpu") is Status.CRITICAL  # touching 0% counts
    assert readings["memory"].thresholds is not None
    assert readings["memory"].thresholds.warning == 0
    assert status("memory") is Status.WARNING
    assert status("disk:/") is Status.OK


async def test_missing_disk_path_is_unknown_not_a_failure(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    readings = by_key(await make(disk_paths=["/", str(missing)]).collect())
    gone = readings[f"disk:{missing}"]
    assert gone.value is None
    assert "does not exist" in gone.summary
    assert str(missing) in gone.summary
    assert readings["disk:/"].value is not None
    assert readings["cpu"].value is not None


async def test_relative_disk_paths_resolve_against_the_config_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    readings = by_key(await make(tmp_path, disk_paths=["data"]).collect())
    assert readings["disk:data"].value is not None
    assert readings["disk:data"].labels["path"] == str(tmp_path / "data")


async def test_psutil_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    threads: list[threading.Thread] = []
    real = psutil.virtual_memory

    def spy() -> Any:
        threads.append(threading.current_thread())
        return real()

    monkeypatch.setattr(psutil, "virtual_memory", spy)
    await make().collect()
    assert threads and loop_thread not in [t.ident for t in threads]
    # The source's own thread (SourceContext.run_blocking), not asyncio's shared pool.
    assert [t.name for t in threads] == ["oncall-host"]


class Gate:
    """Makes a probe block like `statvfs` on a dead NFS mount, until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = 0

    def block(self, result: Callable[[], Any]) -> Any:
        self.entered += 1
        self.release.wait()
        return result()


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    try:
        yield gate
    finally:
        gate.release.set()  # never leave a test thread blocked behind


async def until_disk_reads(plugin: HostPlugin, key: str) -> dict[str, Reading]:
    """Collect until the released probe's thread has returned and `key` reads again."""

    async def reads_again() -> dict[str, Reading] | None:
        readings = by_key(await plugin.collect())
        return readings if readings[key].value is not None else None

    # Back-to-back collections may find a runner's thread not quite finished with its
    # previous call (it delivers the result, then frees itself): poll on.
    return await wait_until_async(reads_again, what=f"{key} to read again", ignore=(SourceError,))


async def test_hanging_disk_path_blanks_only_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gate: Gate
) -> None:
    stuck = tmp_path / "nfs"
    stuck.mkdir()
    real = probe.disk

    def disk(path: Path) -> probe.Disk:
        if path == stuck:
            return gate.block(lambda: real(path))  # type: ignore[no-any-return]
        return real(path)

    monkeypatch.setattr(probe, "disk", disk)
    plugin = make(timeout=1.0, disk_paths=["/", str(stuck)])

    first = by_key(await plugin.collect())
    assert first[f"disk:{stuck}"].value is None
    assert first[f"disk:{stuck}"].summary == (
        f"cannot read {stuck}: disk probe still running after 750ms (stuck mount?)"
    )
    for key in ("cpu", "memory", "load", "disk:/"):
        assert first[key].value is not None, key

    # The next collection does not start a second thread on the stuck mount.
    second = by_key(await plugin.collect())
    assert second[f"disk:{stuck}"].value is None
    assert "still running since an earlier collection" in second[f"disk:{stuck}"].summary
    assert second["cpu"].value is not None and second["disk:/"].value is not None
    assert gate.entered == 1

    gate.release.set()
    recovered = await until_disk_reads(plugin, f"disk:{stuck}")
    assert recovered[f"disk:{stuck}"].summary.startswith(f"{stuck} ")


async def test_hanging_cpu_probe_keeps_the_disks(
    monkeypatch: pytest.MonkeyPatch, gate: Gate
) -> None:
    real = probe.memory
    monkeypatch.setattr(probe, "memory", lambda: gate.block(real))
    plugin = make(timeout=2.0)  # the disk read must fit in 1.5 s even on a loaded runner
    # ... and a full collection of the test worker's heap (0.3-0.8 s) must not take
    # half of that: the heap held before is frozen meanwhile.
    with pytest.raises(SourceError) as caught, frozen_heap():
        await plugin.collect()
    assert str(caught.value) == "reading cpu, memory and load still running after 1.5s"
    assert caught.value.readings is not None
    assert [r.key for r in caught.value.readings] == ["disk:/"]
    assert caught.value.readings[0].value is not None

    with pytest.raises(SourceError, match="still running since an earlier collection"):
        await plugin.collect()
    assert gate.entered == 1
    gate.release.set()


async def test_broken_disk_probe_is_unknown_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def disk(path: Path) -> probe.Disk:
        raise RuntimeError("psutil bug")

    monkeypatch.setattr(probe, "disk", disk)
    readings = by_key(await make().collect())
    assert readings["disk:/"].value is None
    summary = readings["disk:/"].summary
    assert summary == "cannot read /: disk probe failed: RuntimeError: psutil bug"
    assert readings["cpu"].value is not None


def test_path_with_nul_is_reported_not_raised() -> None:
    seen = probe.disk(Path("/tmp/a\0b"))
    assert seen.percent is None and "invalid path" in seen.error


# --- CPU meter ----------------------------------------------------------------------

Times = namedtuple("Times", "user system idle iowait guest guest_nice")


class FakeCounters:
    """CPU time counters, a clock and a sleep under the test's control."""

    def __init__(self) -> None:
        self.now = 100.0
        self.times = Times(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        self.slept: list[float] = []

    def meter(self) -> cpu.CpuMeter:
        return cpu.CpuMeter(read_times=lambda: self.times, clock=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        # While "asleep", both CPUs are 75% busy, a little of it as guest time.
        busy, idle = 0.75 * 2 * seconds, 0.25 * 2 * seconds
        t = self.times
        self.times = Times(
            t.user + busy * 0.8,
            t.system + busy * 0.2,
            t.idle + idle,
            t.iowait,
            t.guest + busy * 0.1,
            t.guest_nice,
        )


def test_first_cpu_reading_is_measured_not_a_bogus_zero() -> None:
    fake = FakeCounters()
    meter = fake.meter()
    assert meter.busy_percent() == pytest.approx(75.0, abs=0.1)
    assert fake.slept == [pytest.approx(cpu.MIN_WINDOW)]


def test_cpu_reading_spans_the_time_since_the_previous_one() -> None:
    fake = FakeCounters()
    meter = fake.meter()
    meter.busy_percent()
    fake.slept.clear()
    # Five seconds pass between collections: the CPUs sat idle the whole time.
    fake.now += 5.0
    t = fake.times
    fake.times = t._replace(idle=t.idle + 10.0)
    assert meter.busy_percent() == 0.0
    assert fake.slept == []


def test_cpu_counters_that_do_not_advance_give_zero() -> None:
    fake = FakeCounters()
    meter = fake.meter()
    meter.busy_percent()
    fake.now += 5.0
    assert meter.busy_percent() == 0.0


# --- config -------------------------------------------------------------------------


def test_defaults() -> None:
    config = HostPlugin.Config()
    assert (config.cpu_warning, config.cpu_critical) == (80, 95)
    assert (config.memory_warning, config.memory_critical) == (85, 95)
    assert (config.disk_warning, config.disk_critical) == (85, 95)
    assert (config.load_warning, config.load_critical) == (1.5, 3.0)
    assert config.disk_paths == ["/"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"cpu_warning": 90, "cpu_critical": 80}, "cpu_critical"),
        ({"memory_warning": 96}, "memory_critical"),
        ({"disk_critical": 50}, "disk_critical"),
        ({"load_warning": 4.0}, "load_critical"),
        ({"cpu_warning": 101}, "cpu_warning"),
        ({"disk_critical": -1}, "disk_critical"),
        ({"load_critical": -0.5}, "load_critical"),
        ({"load_critical": float("inf")}, "load_critical"),
        ({"disk_paths": ["/", "/"]}, "disk_paths"),
        ({"disk_paths": [""]}, "disk_paths"),
        ({"cpu_warn": 50}, "cpu_warn"),
    ],
)
def test_config_rejects(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HostPlugin.Config(**options)
    assert [error["loc"][0] for error in caught.value.errors()] == [field]


def test_equal_warning_and_critical_is_allowed() -> None:
    config = HostPlugin.Config(cpu_warning=90, cpu_critical=90, disk_paths=[])
    assert config.cpu_critical == 90


def test_every_option_is_documented() -> None:
    docs = field_docs(HostPlugin.Config)
    for name in HostPlugin.Config.model_fields:
        assert len(docs.get(name, "")) > 20, name


async def test_a_host_breach_counts_only_after_a_delay() -> None:
    # This machine is the dashboard's own: a few seconds of a busy CPU (a build, a
    # backup) must not flip the board to critical.
    default = by_key(await make().collect())
    assert all(
        r.thresholds is not None and r.thresholds.for_seconds == 60.0 for r in default.values()
    )
    quick = by_key(await make(**{"for": "5s"}).collect())
    assert all(r.thresholds is not None and r.thresholds.for_seconds == 5.0 for r in quick.values())


# --- the first window, opened at import ---------------------------------------------


def test_proc_stat_reads_as_psutil_reports_it() -> None:
    ours = cpu.proc_stat_times()
    if ours is None:
        pytest.skip("no /proc/stat here")
    theirs = psutil.cpu_times()
    assert ours._fields == theirs._fields
    for name in ours._fields:  # the counters move on between the two reads
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), abs=2.0), name


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", None),
        (b"intr 1 2 3\n", None),
        (b"cpu  x y z\n", None),
        (b"cpu  100 0 50\n", cpu.ProcStatTimes(user=1.0, system=0.5)),  # an old kernel
        (b"cpu " + b"1" * 5000 + b"\n", None),  # not a counter anyone could have: refused
    ],
)
def test_proc_stat_that_does_not_read_as_counters_is_no_sample(
    tmp_path: Path, content: bytes, expected: cpu.ProcStatTimes | None
) -> None:
    stat = tmp_path / "stat"
    stat.write_bytes(content)
    got = cpu.proc_stat_times(str(stat))
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_first_reading_waits_only_what_is_left_of_the_window_opened_at_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    times = cpu.proc_stat_times()
    if times is None:
        pytest.skip("no /proc/stat here")
    behind = cpu.MIN_WINDOW * 0.75
    monkeypatch.setattr(cpu, "_OPENING", cpu._sample(times, time.monotonic() - behind))
    slept: list[float] = []
    meter = cpu.CpuMeter(sleep=slept.append)
    meter.start()
    assert 0.0 <= meter.busy_percent() <= 100.0
    assert slept and slept[0] <= cpu.MIN_WINDOW - behind + 0.02


def test_an_old_import_sample_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    times = cpu.proc_stat_times()
    if times is None:
        pytest.skip("no /proc/stat here")
    stale = time.monotonic() - cpu.OPENING_MAX_AGE - 1
    monkeypatch.setattr(cpu, "_OPENING", cpu._sample(times, stale))
    slept: list[float] = []
    meter = cpu.CpuMeter(sleep=slept.append)
    meter.start()
    meter.busy_percent()
    assert slept and slept[0] > cpu.MIN_WINDOW / 2  # a fresh window, measured whole
