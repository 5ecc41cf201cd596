"""The `host` source: CPU, memory, disk and load of the machine running the dashboard."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.core.model import Kind, Reading, Thresholds
from oncall_tui.core.plugin_api import Plugin, SourceContext
from oncall_tui_host import probe
from oncall_tui_host.config import HostConfig
from oncall_tui_host.cpu import CpuMeter

GIB = 1024.0**3


@dataclass(frozen=True, slots=True)
class _Observation:
    """Everything one collection read, gathered in one worker-thread hop."""

    cpu: float
    memory: probe.Memory
    load: probe.Load
    disks: tuple[probe.Disk, ...]


class HostPlugin(Plugin[HostConfig]):
    """The machine the dashboard runs on: on a bastion, the first thing to rule out."""

    Config = HostConfig
    description = "CPU, memory, disk and load of the machine running oncall-tui (psutil)."

    def __init__(self, config: HostConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._hostname = socket.gethostname()
        self._paths = [
            (text, self._resolve(text, context.config_dir)) for text in config.disk_paths
        ]
        self._cpu = CpuMeter()
        self._thresholds = {
            "cpu": Thresholds(config.cpu_warning, config.cpu_critical),
            "memory": Thresholds(config.memory_warning, config.memory_critical),
            "disk": Thresholds(config.disk_warning, config.disk_critical),
            "load": Thresholds(config.load_warning, config.load_critical),
        }

    @staticmethod
    def _resolve(text: str, config_dir: Path) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else config_dir / path

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})

    def _observe(self) -> _Observation:
        return _Observation(
            cpu=self._cpu.busy_percent(),
            memory=probe.memory(),
            load=probe.load(),
            disks=tuple(probe.disk(path) for _, path in self._paths),
        )

    async def collect(self) -> Sequence[Reading]:
        seen = await asyncio.to_thread(self._observe)
        labels = {"host": self._hostname}
        readings = [
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
        for (text, _), disk in zip(self._paths, seen.disks, strict=True):
            readings.append(self._disk_reading(text, disk, labels))
        return readings

    def _disk_reading(self, text: str, disk: probe.Disk, labels: dict[str, str]) -> Reading:
        if disk.percent is None:
            summary = f"cannot read {text}: {disk.error}"
        else:
            summary = (
                f"{text} {disk.percent:.0f}% used, "
                f"{disk.free / GIB:.1f} GiB free of {disk.total / GIB:.1f} GiB"
            )
        return Reading(
            key=f"disk:{text}",
            kind="health",
            name=f"host/disk {text}",
            value=disk.percent,
            unit="percent",
            labels={**labels, "path": str(disk.path)},
            summary=summary,
            thresholds=self._thresholds["disk"],
        )
