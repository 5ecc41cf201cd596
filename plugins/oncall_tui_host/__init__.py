"""The `host` data source: the machine the dashboard runs on, read with psutil."""

from oncall_tui_host.plugin import HostPlugin

__all__ = ["HostPlugin"]
