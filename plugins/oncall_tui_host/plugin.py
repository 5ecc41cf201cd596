"""The `host` source: CPU, memory, disk and load of the machine running the dashboard."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall_tui.plugin import (
    RECOVER_FOR,
    BlockingRunner,
    BlockingStillRunning,
    Kind,
    Plugin,
    Reading,
    SourceContext,
    SourceError,
    Thresholds,
    format_duration,
)
from oncall_tui_host import probe
from oncall_tui_host.config import HostConfig
from oncall_tui_host.cpu import CpuMeter

GIB = 1024.0**3

PROBE_SHARE = 0.75
"""Part of the source's timeout the probes get. A probe still running then (a
`statvfs` stuck on a dead NFS mount) is reported as such, and everything that did answer
is still returned before the engine's own deadline would throw it all away."""


@dataclass(frozen=True, slots=True)
class _Core:
    """CPU, memory and load, read in one blocking call: they never touch a filesystem."""

    cpu: float
    memory: probe.Memory
    load: probe.Load


@dataclass(frozen=True, slots=True)
class _DiskPath:
    text: str
    """As written in the config: the signal's key and name."""
    path: Path
    runner: BlockingRunner
    """One thread per path: a stuck mount holds its own thread and nobody else's."""


class HostPlugin(Plugin[HostConfig]):
    """The machine the dashboard runs on: on a bastion, the first thing to rule out."""

    description = "CPU, memory, disk and load of the machine running oncall-tui (psutil)."

    def __init__(self, config: HostConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._hostname = socket.gethostname()
        self._disks = [
            _DiskPath(
                text,
                self._resolve(text, context.config_dir),
                BlockingRunner(f"{context.name}-disk{index}"),
            )
            for index, text in enumerate(config.disk_paths)
        ]
        self._cpu = CpuMeter()
        self._cpu.start()

        def limits(warning: float | None, critical: float | None) -> Thresholds:
            return Thresholds(
                warning, critical, for_seconds=config.for_, recover_seconds=RECOVER_FOR
            )

        self._thresholds = {
            "cpu": limits(config.cpu_warning, config.cpu_critical),
            "memory": limits(config.memory_warning, config.memory_critical),
            "disk": limits(config.disk_warning, config.disk_critical),
            "load": limits(config.load_warning, config.load_critical),
        }

    @staticmethod
    def _resolve(text: str, config_dir: Path) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else config_dir / path

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})

    def _observe_core(self) -> _Core:
        return _Core(cpu=self._cpu.busy_percent(), memory=probe.memory(), load=probe.load())

    async def collect(self) -> Sequence[Reading]:
        # Every probe starts at once on its own thread and gets the same deadline, so
        # one hanging disk path costs its own reading only: CPU, memory, load and the
        # other paths are still reported.
        deadline = max(self.context.timeout * PROBE_SHARE, 0.05)
        core = asyncio.ensure_future(self.context.run_blocking(self._observe_core))
        disks = [asyncio.ensure_future(disk.runner(_disk_probe(disk.path))) for disk in self._disks]
        tasks: list[asyncio.Future[Any]] = [core, *disks]
        try:
            _, pending = await asyncio.wait(tasks, timeout=deadline)
        finally:
            for task in tasks:
                # Only the wait is given up: a stuck thread keeps running, and its
                # runner refuses the next call (BlockingStillRunning) until it returns.
                task.cancel()
        if pending:
            await asyncio.wait(pending)  # let the cancellations land
        labels = {"host": self._hostname}
        disk_readings = [
            self._disk_reading(disk, task, deadline, labels)
            for disk, task in zip(self._disks, disks, strict=True)
        ]
        if core.cancelled() or core.exception() is not None:
            reason = _failure(core, deadline, "reading cpu, memory and load")
            raise SourceError(reason, readings=disk_readings)
        return [*self._core_readings(core.result(), labels), *disk_readings]

    def _core_readings(self, seen: _Core, labels: dict[str, str]) -> list[Reading]:
        return [
            Reading(
                key="cpu",
                kind="health",
                name="host/cpu",
                value=seen.cpu,
                unit="percent",
                labels=labels,
                summary=f"cpu {seen.cpu:.0f}% busy on {seen.load.cpus} CPUs",
                thresholds=self._thresholds["cpu"],
            ),
            Reading(
                key="memory",
                kind="health",
                name="host/memory",
                value=seen.memory.percent,
                unit="percent",
                labels=labels,
                summary=(
                    f"memory {seen.memory.percent:.0f}% used "
                    f"({seen.memory.used / GIB:.1f} of {seen.memory.total / GIB:.1f} GiB)"
                ),
                thresholds=self._thresholds["memory"],
            ),
            Reading(
                key="load",
                kind="health",
                name="host/load per cpu",
                value=seen.load.load1 / seen.load.cpus,
                unit="count",
                labels=labels,
                summary=(
                    f"load {seen.load.load1:.2f} (1 min) on {seen.load.cpus} CPUs, "
                    f"{seen.load.load1 / seen.load.cpus:.2f} per CPU"
                ),
                thresholds=self._thresholds["load"],
            ),
        ]

    def _disk_reading(
        self,
        disk: _DiskPath,
        task: asyncio.Future[probe.Disk],
        deadline: float,
        labels: dict[str, str],
    ) -> Reading:
        if task.cancelled() or task.exception() is not None:
            reason = _failure(task, deadline, "disk probe", "stuck mount?")
            seen = probe.Disk(disk.path, error=reason)
        else:
            seen = task.result()
        if seen.percent is None:
            summary = f"cannot read {disk.text}: {seen.error}"
        else:
            summary = (
                f"{disk.text} {seen.percent:.0f}% used, "
                f"{seen.free / GIB:.1f} GiB free of {seen.total / GIB:.1f} GiB"
            )
        return Reading(
            key=f"disk:{disk.text}",
            kind="health",
            name=f"host/disk {disk.text}",
            value=seen.percent,
            unit="percent",
            labels={**labels, "path": str(disk.path)},
            summary=summary,
            thresholds=self._thresholds["disk"],
        )


def _disk_probe(path: Path) -> Callable[[], probe.Disk]:
    return lambda: probe.disk(path)


def _failure(task: asyncio.Future[Any], deadline: float, what: str, hint: str = "") -> str:
    """Why a probe gave no result, in words that point at the likely cause."""
    hint = f" ({hint})" if hint else ""
    if task.cancelled():
        return f"{what} still running after {format_duration(deadline)}{hint}"
    exc = task.exception()
    if isinstance(exc, BlockingStillRunning):
        return f"{what} still running since an earlier collection{hint}"
    return f"{what} failed: {type(exc).__name__}: {exc}"
