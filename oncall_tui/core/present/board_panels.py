"""Which signals each dashboard panel shows, under which title and key.

The four layer/evidence panels are numbered 1-4 for the keys; the business panel sits
above them and the host's own signals go to "This host", never among the services.
"""

from __future__ import annotations

from collections.abc import Callable

from oncall_tui.core.present.words import PANEL_TITLES
from oncall_tui.core.signals.filter import SignalFilter
from oncall_tui.core.signals.model import Kind, Signal, SourceState
from oncall_tui.core.signals.store import SignalStore

HOST_PLUGIN = "host"

PANEL_KINDS: tuple[Kind, ...] = ("health", "risk_rule", "dependency", "alert")
"""The four layer/evidence panels, numbered 1-4 for the keys."""
GROUPS: tuple[str, ...] = ("business", *PANEL_KINDS, "host")
"""Every panel, in reading order (Tab order)."""
LEFT: tuple[str, ...] = ("health",)
RIGHT: tuple[str, ...] = ("risk_rule", "dependency", "alert", "host")


def host_sources(store: SignalStore) -> frozenset[str]:
    """The sources describing this machine rather than a platform service."""
    return frozenset(s.name for s in store.sources if s.plugin == HOST_PLUGIN)


def member(group: str, hosts: frozenset[str], query: SignalFilter) -> Callable[[Signal], bool]:
    """Whether a signal belongs in `group`'s panel under the filter `query`."""
    if group == "host":
        return lambda s: s.source in hosts and s.kind != "change" and query(s)
    return lambda s: s.kind == group and s.source not in hosts and query(s)


def feeds(group: str) -> Callable[[SourceState], bool]:
    """Whether a source feeds `group`'s panel (its failures are shown there)."""
    if group == "host":
        return lambda source: source.plugin == HOST_PLUGIN
    return lambda source: group in source.kinds and source.plugin != HOST_PLUGIN


def panel_title(group: str) -> str:
    """The title a panel shows above its rows."""
    if group == "business":
        return "Business — are users affected?"
    if group == "host":
        return "This host"
    return PANEL_TITLES[group]  # type: ignore[index]


def panel_number(group: str) -> int | None:
    """The digit that focuses `group`'s panel (the four layer/evidence panels only)."""
    return PANEL_KINDS.index(group) + 1 if group in PANEL_KINDS else None
