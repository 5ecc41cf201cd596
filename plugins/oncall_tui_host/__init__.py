"""The `host` data source: the machine the dashboard runs on, read with psutil.

`cpu` first: importing it opens the CPU meter's first window, before the plugin's
heavier imports below, so the first reading has that much of its window behind it.
"""

from oncall_tui_host import cpu as cpu
from oncall_tui_host.plugin import HostPlugin

__all__ = ["HostPlugin"]
