"""What the signal detail's tests share: a store of signals with runbooks of their
own, and a record of what the app's stylesheet restyles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook
from ui_support import LATENCY, make_store, reading

RUNBOOKS = Path(__file__).parent.parent / "plugins" / "oncall_tui_demo" / "runbooks"
ERRORS, LATENCY_MD = RUNBOOKS / "service-errors.md", RUNBOOKS / "service-latency.md"


def two_signals() -> SignalStore:
    """Two health signals with runbooks of their own, a third sharing the second's."""
    return make_store(
        "ok",
        readings=[
            reading("a", "health", "aaa-api errors", 0.011, runbook=Runbook.file(str(ERRORS))),
            reading(
                "b",
                "health",
                "bbb-api p99",
                0.25,
                "seconds",
                LATENCY,
                runbook=Runbook.file(str(LATENCY_MD)),
            ),
            reading(
                "c",
                "health",
                "ccc-api p99",
                0.12,
                "seconds",
                LATENCY,
                runbook=Runbook.file(str(LATENCY_MD)),
            ),
        ],
    )


def record_restyles(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every node the app's stylesheet restyles from now on."""
    restyled: list[object] = []
    original = app.stylesheet.update_nodes

    def spy(nodes: Any, animate: bool = False) -> None:
        nodes = list(nodes)
        restyled.extend(nodes)
        original(nodes, animate=animate)

    monkeypatch.setattr(app.stylesheet, "update_nodes", spy)
    return restyled
