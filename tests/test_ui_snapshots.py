"""Pictures of the dashboard in its four basic states at 80x24 and 160x50.

Deterministic: frozen clock (so the heartbeat and the clock are frozen too), fixed
data, no engine, UTC. Regenerate with `pytest tests/test_ui_snapshots.py
--snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from test_ui_support import make_app, make_store

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The header clock is local time; pin it so the pictures match on any machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
@pytest.mark.parametrize("state", ["ok", "critical", "stale", "error"])
def test_dashboard(snap_compare: SnapCompare, state: str, size: tuple[int, int]) -> None:
    app = make_app(make_store(state), read_only=state == "critical")
    assert snap_compare(app, terminal_size=size, run_before=settle)
