"""Acks and maintenance read off an alert's silences, as karma reads them.

An alert silenced only by silences whose comment starts `ACK!` is acknowledged: still
firing, still counted, only quieter. One silenced by a `maintenance:` silence is
planned work on its component. Any other silence keeps the alert "silenced by …".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oncall_tui.plugin import ACK_PREFIX, Ack, Maintenance, is_ack, is_maintenance, maintenance_text

from .alerts import Alert, Silence

ACK_COMMENT = f"{ACK_PREFIX} acknowledged from oncall-tui"
"""karma's acks read "ACK! This alert was acknowledged using karma on …": the marker
first, then where it came from."""


@dataclass(frozen=True, slots=True)
class Standing:
    """What an alert's silences say about it."""

    ack: Ack | None = None
    ack_ids: tuple[str, ...] = ()
    maintenance: Maintenance | None = None

    @property
    def acked_only(self) -> bool:
        """Silenced by acks and nothing else: it keeps its status."""
        return self.ack is not None


def standing(alert: Alert, silences: Mapping[str, Silence] | None, component: str) -> Standing:
    """The ack or maintenance among `alert`'s silences (`silences` None: unknown)."""
    if not alert.silenced_by or silences is None:
        return Standing()
    known = {i: silences[i] for i in alert.silenced_by if i in silences}
    acks = {i: s for i, s in known.items() if is_ack(s.comment)}
    works = [s for s in known.values() if is_maintenance(s.comment)]
    maintenance = None
    if works:
        last = max(works, key=lambda s: s.ends_at or 0.0)
        maintenance = Maintenance(
            text=maintenance_text(last.comment),
            until=last.ends_at,
            component=component,
            author=last.created_by,
        )
    ack = None
    if acks and len(acks) == len(alert.silenced_by) and not alert.inhibited_by:
        ident, first = min(acks.items(), key=lambda pair: pair[1].starts_at or 0.0)
        ack = Ack(
            author=first.created_by,
            since=first.starts_at,
            until=max((s.ends_at or 0.0) for s in acks.values()) or None,
            silence_id=ident,
        )
    return Standing(ack=ack, ack_ids=tuple(sorted(acks)), maintenance=maintenance)
