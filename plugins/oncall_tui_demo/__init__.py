"""The `demo` data source: a simulated consumer-credit payments platform.

`DemoPlugin` is imported on first use, not with the package: `check` imports every
configured plugin's package ahead of the config loader, and the embedded demo's other
source, `host`, opens its CPU window when its package is imported. Loaded here, the demo
(with pydantic and the plugin contract under it) would hold that window back by ~0.2 s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_tui_demo.plugin import DemoPlugin

__all__ = ["DemoPlugin"]


def __getattr__(name: str) -> Any:
    if name == "DemoPlugin":
        from oncall_tui_demo.plugin import DemoPlugin

        return DemoPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
