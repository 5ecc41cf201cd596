"""The `demo` data source: a simulated consumer-credit payments platform."""

from oncall_tui_demo.plugin import DemoPlugin

__all__ = ["DemoPlugin"]
