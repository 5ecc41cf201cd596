"""Blocking reads of memory, load and disk usage, run off the event loop.

Each disk path is probed on its own thread: `statvfs` on a dead NFS mount can block
for minutes, and must not hold back the other readings."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def psutil_module() -> Any:
    """psutil, imported at the first reading: `validate`, `--help` and every config
    without a host source never pay for it."""
    import psutil

    return psutil


@dataclass(frozen=True, slots=True)
class Memory:
    percent: float
    used: float
    total: float


@dataclass(frozen=True, slots=True)
class Load:
    load1: float
    cpus: int


@dataclass(frozen=True, slots=True)
class Disk:
    """Usage of the filesystem holding `path`, or why it could not be read."""

    path: Path
    percent: float | None = None
    free: float = 0.0
    total: float = 0.0
    error: str = ""


def memory() -> Memory:
    mem = psutil_module().virtual_memory()
    return Memory(
        percent=float(mem.percent), used=float(mem.total - mem.available), total=float(mem.total)
    )


def load() -> Load:
    psutil = psutil_module()
    load1, _, _ = psutil.getloadavg()
    return Load(load1=float(load1), cpus=psutil.cpu_count(logical=True) or 1)


def disk(path: Path) -> Disk:
    """One filesystem; a missing or unreadable path is reported, not raised, so one bad
    entry in `disk_paths` does not blank the whole host."""
    try:
        usage = psutil_module().disk_usage(str(path))
    except FileNotFoundError:
        return Disk(path, error="path does not exist")
    except PermissionError:
        return Disk(path, error="permission denied")
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or str(exc)
        return Disk(path, error=reason)
    except ValueError as exc:  # "embedded null byte"
        return Disk(path, error=f"invalid path ({exc})")
    return Disk(
        path, percent=float(usage.percent), free=float(usage.free), total=float(usage.total)
    )
