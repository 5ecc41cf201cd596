"""How a source says it failed, in words fit to show as they are."""

from __future__ import annotations

from collections.abc import Sequence

from oncall_tui.core.signals.model import Reading


class SourceError(Exception):
    """A collection failure whose message is fit to show as it is.

    `readings`, when given, are the parts that did work (one failing query of five):
    they are kept, and only the source's other signals turn unknown.
    """

    def __init__(self, message: str, *, readings: Sequence[Reading] | None = None) -> None:
        super().__init__(message)
        self.readings = readings
