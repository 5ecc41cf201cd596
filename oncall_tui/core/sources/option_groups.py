"""Option groups shared by plugins' configs, so every plugin spells and checks them
one way (and `oncall-tui plugins` documents them once)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from oncall_tui.core.config.durations import Duration
from oncall_tui.core.signals.model import RECOVER_FOR, Thresholds


class ThresholdOptions(BaseModel):
    """`warning`, `critical`, `below`, `for`, `recover_for`: when a value turns warning
    or critical, and back.

    Mix into a plugin's config (or one of its nested tables) and call `thresholds()`.
    """

    model_config = ConfigDict(populate_by_name=True)

    warning: float | None = Field(default=None, allow_inf_nan=False)
    """Value at which a signal turns warning (reaching it counts). Unset: never."""

    critical: float | None = Field(default=None, allow_inf_nan=False)
    """Value at which a signal turns critical (reaching it counts). Unset: never."""

    below: bool = False
    """True when low values are bad (success rate, healthy instances): warning and
    critical then apply at or below the limits, and warning must be >= critical."""

    for_: Duration = Field(default=0.0, alias="for")
    """How long a breach must last before the status changes ("30s", "2m"), so one
    spike does not flap the board. Written `for` in the config."""

    recover_for: Duration = RECOVER_FOR
    """How long a breach that counted must stay clear before it ends ("30s" by
    default, "0s" for at once), so a value hovering on its limit is one breach, not a
    flip at every collection (as Prometheus' `keep_firing_for`)."""

    @model_validator(mode="after")
    def _limits_in_order(self) -> Self:
        # A reversed pair would make the critical level unreachable or skip warning; it
        # is almost always a forgotten `below = true`.
        warning, critical = self.warning, self.critical
        if warning is None or critical is None:
            return self
        if not self.below and warning > critical:
            raise ValueError(
                f"warning ({warning:g}) must not be above critical ({critical:g}) when high "
                "values are bad; set below = true if low values are bad"
            )
        if self.below and warning < critical:
            raise ValueError(
                f"warning ({warning:g}) must not be below critical ({critical:g}) when "
                "below = true (low values are bad)"
            )
        return self

    def thresholds(self) -> Thresholds:
        return Thresholds(
            self.warning,
            self.critical,
            self.below,
            self.for_,
            recover_seconds=self.recover_for,
        )
