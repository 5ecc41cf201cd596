"""Hand-built signals for the triage tests: a signal as the store would hold it, the
status names, and the bank's topology."""

from __future__ import annotations

from oncall_tui.core.signals.model import Kind, Reason, Signal, Status

T0 = 1_800_000_000.0

CRIT, WARN, OK, UNKN = Status.CRITICAL, Status.WARNING, Status.OK, Status.UNKNOWN


def sig(
    key: str,
    status: Status,
    kind: Kind = "health",
    *,
    component: str = "",
    at: float = T0,
    source: str = "prom",
    value: float | None = 1.0,
    reason: Reason | None = None,
) -> Signal:
    """A signal as the store would hold it: `at` is when its status last changed."""
    return Signal(
        key=f"{source}/{key}",
        kind=kind,
        name=key,
        source=source,
        labels={},
        unit="ratio",
        value=value,
        status=status,
        reason=reason if status is UNKN else None,
        component=component or key,
        changed_at=at,
        observed_at=at,
    )


BANK = {
    "jiebei-loan": ["credit-bureau", "payment-gateway", "sms-otp"],
    "jiebei/*": ["credit-bureau"],
}
