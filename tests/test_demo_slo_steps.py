"""The demo's SLO rows step each window's mean with remembered pulls (one per step
length): the very numbers of working each one out at every step, on a clock whose
steps all differ a little, through an incident that makes the SLOs burn."""

from __future__ import annotations

import math
import random
from pathlib import Path

from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.early import OBJECTIVE, PERIOD, EarlyWarning


class _Uncached(EarlyWarning):
    """Each mean worked out afresh at every step, as the demo first did."""

    def _advance(self, slot: int, dt: float, ratio: float) -> None:
        if dt <= 0.0:
            return
        means = self._means[slot]
        assert means is not None
        for position, window in enumerate(self._windows):
            means[position] += (1.0 - math.exp(-dt / window)) * (ratio - means[position])
        self._budget[slot] -= dt / PERIOD * ratio / (1.0 - OBJECTIVE)


def test_slo_rows_read_as_when_every_step_is_worked_out() -> None:
    rng = random.Random(5)
    now = [100.0]
    config = DemoPlugin.Config(
        services=40, rules=30, dependencies=10, incident="overload", change_rate=0.3, seed=3
    )
    context = SourceContext("demo", Path("."), 1.0, 3.0, clock=lambda: now[0])
    cached, uncached = DemoPlugin(config, context), DemoPlugin(config, context)
    uncached._early.__class__ = _Uncached
    judged = burning = 0
    for _ in range(400):
        now[0] += rng.choice((1.0, 1.0, 0.9997, 1.0004, 2.5, 15.0))
        mine = [r for r in cached._collect() if r.key.startswith("slo/")]
        theirs = [r for r in uncached._collect() if r.key.startswith("slo/")]
        assert [(r.key, r.value, r.status, r.summary, r.slo) for r in mine] == [
            (r.key, r.value, r.status, r.summary, r.slo) for r in theirs
        ]
        judged += sum(r.slo is not None for r in mine)
        burning += sum(r.status.value != "ok" for r in mine if r.status is not None)
    assert judged and burning  # the incident made some of them burn
    assert len(cached._early._pulls) <= 64  # bounded however the clock steps
