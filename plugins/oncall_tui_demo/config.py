"""Options of the `demo` source: how big the simulated platform is and what goes wrong."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from oncall_tui.plugin import PluginConfig

IncidentMode = Literal["none", "overload", "risk_rule", "dependency", "cascade", "canary", "cycle"]

MAX_COUNT = 5000
"""Per family; beyond this the demo stops being a demo and starts being a load test."""


class DemoConfig(PluginConfig):
    """A simulated consumer-credit platform: a pay-later wallet and a cash-loan product
    sharing one risk engine, so a newcomer sees all three kinds of failure."""

    services: int = Field(default=6, ge=0, le=MAX_COUNT, strict=True)
    """Number of simulated services (pay-api, loan-api, ...); each yields an error-ratio
    and a p99-latency signal on the Health panel. Beyond the named ones, names repeat
    with a suffix (pay-api-2)."""

    rules: int = Field(default=12, ge=0, le=MAX_COUNT, strict=True)
    """Number of simulated risk rules (paylater/velocity-check, ...); each yields one
    hit-rate signal with its baseline on the Risk rules panel."""

    dependencies: int = Field(default=4, ge=0, le=MAX_COUNT, strict=True)
    """Number of simulated external dependencies (payment-gateway, credit-bureau,
    sms-otp, bank-core, ...); each yields an availability and a p99-latency signal."""

    incident: IncidentMode = "cycle"
    """What goes wrong: `none` (healthy, small drift), `overload` (two services erroring
    and slow a minute after a deploy), `risk_rule` (one rule blocks far too much after
    an edit while services are green), `dependency` (the credit bureau is down, loan-api
    slows as a knock-on), `cascade` (the bureau fails after a config reload and its
    symptoms are louder than it: loan-api errors, the credit-limit rule failing closed),
    `canary` (repayment-api's new release fails 30% of its 5% of traffic: only the
    canary verdict catches it), or `cycle` (calm, then each incident in turn with its
    recovery, repeating every 20 minutes). A fixed incident is at full strength from
    the first collection, its change made shortly before."""

    change_rate: float = Field(default=1.0, ge=0.0, le=1.0, strict=True)
    """Share of values (0..1) that move per collection; the others repeat their previous
    value exactly. Lower it to measure how the screen copes with sparse updates."""

    seed: int = Field(default=1, strict=True)
    """Seed of the simulation: the same seed and the same collection sequence give the
    same values, so screenshots and tests are reproducible."""
