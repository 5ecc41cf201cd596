"""Options of the `host` source: thresholds for the machine the dashboard runs on."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from oncall_tui.plugin import Duration, PluginConfig


class HostConfig(PluginConfig):
    """Thresholds for CPU, memory, disk and load of this machine. On a bastion the
    dashboard's own host is the first thing to rule out: a full disk or a swapping box
    makes every other signal late."""

    cpu_warning: float = Field(default=80.0, ge=0.0, le=100.0)
    """CPU busy percentage (all cores, averaged since the previous collection) at which
    the host is a warning."""

    cpu_critical: float = Field(default=95.0, ge=0.0, le=100.0, validate_default=True)
    """CPU busy percentage at which the host is critical; not below `cpu_warning`."""

    memory_warning: float = Field(default=85.0, ge=0.0, le=100.0)
    """Memory used percentage (what is not available to new processes) for a warning."""

    memory_critical: float = Field(default=95.0, ge=0.0, le=100.0, validate_default=True)
    """Memory used percentage for critical; not below `memory_warning`."""

    disk_paths: list[str] = Field(default_factory=lambda: ["/"])
    """Filesystems to watch, one signal each, by a path on them. `~` expands; relative
    paths resolve against the config file's directory. A path that does not exist shows
    as unknown with the reason, without failing the other signals."""

    disk_warning: float = Field(default=85.0, ge=0.0, le=100.0)
    """Disk used percentage for a warning."""

    disk_critical: float = Field(default=95.0, ge=0.0, le=100.0, validate_default=True)
    """Disk used percentage for critical; not below `disk_warning`."""

    load_warning: float = Field(default=1.5, ge=0.0, allow_inf_nan=False)
    """One-minute load average per logical CPU for a warning (1.0 means every CPU has
    exactly one runnable task)."""

    load_critical: float = Field(default=3.0, ge=0.0, allow_inf_nan=False, validate_default=True)
    """One-minute load average per logical CPU for critical; not below `load_warning`."""

    for_: Duration = Field(default=60.0, alias="for")
    """How long a breach must last before it counts ("1m" by default): this machine is
    the dashboard's own, and a build or a backup spiking its CPU for a few seconds is
    not an incident of the platform."""

    # Checked on the critical field (defaults included) so the error points at a path the
    # user can find, e.g. `sources.host.memory_critical` when only the warning was raised.
    @field_validator("cpu_critical", "memory_critical", "disk_critical", "load_critical")
    @classmethod
    def _not_below_warning(cls, critical: float, info: ValidationInfo) -> float:
        name = str(info.field_name).removesuffix("_critical") + "_warning"
        warning = info.data.get(name)  # absent when the warning itself was invalid
        if isinstance(warning, float) and critical < warning:
            raise ValueError(f"must not be below {name} ({warning:g})")
        return critical

    @field_validator("disk_paths")
    @classmethod
    def _distinct_paths(cls, paths: list[str]) -> list[str]:
        if any(not path.strip() for path in paths):
            raise ValueError("paths must not be empty")
        if len(set(paths)) != len(paths):
            raise ValueError("each path may be listed once")
        return paths
