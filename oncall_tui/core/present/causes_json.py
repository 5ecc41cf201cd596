"""The probable causes as `check --format json` writes them: `causes` and
`blind_spots`, whose field names are a contract (DESIGN.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oncall_tui.core.triage.causes import Diagnosis


def iso(at: float) -> str:
    """A unix time as `check`'s JSON writes times (like `generated_at`)."""
    return datetime.fromtimestamp(at, UTC).isoformat()


def causes_json(diagnosis: Diagnosis) -> list[dict[str, Any]]:
    """`check --format json`'s `causes`; its field names are a contract (DESIGN.md)."""
    return [
        {
            "component": cause.component,
            "kind": cause.kind,
            "status": cause.status.value,
            # When the failing began, null when nobody here knows (failing from the
            # first data there is: a one-shot check of a source without history).
            "since": iso(cause.since) if cause.since_known else None,
            "signals": list(cause.signals),
            "affects": list(cause.affects),
            "changes": [
                {
                    "component": c.component,
                    "name": c.name,
                    "at": iso(c.at),
                    "effect": c.effect or None,
                }
                for c in cause.changes
            ],
            "unseen": list(cause.unseen),
            "alerts": list(cause.alerts),
            "maintenance": (
                None
                if cause.maintenance is None
                else {
                    "text": cause.maintenance.text,
                    "author": cause.maintenance.author,
                    "until": iso(cause.maintenance.until) if cause.maintenance.until else None,
                }
            ),
            "acked_by": cause.ack.author if cause.ack is not None else None,
            # When it was first seen failing, known start or not.
            "seen_since": iso(cause.since),
        }
        for cause in diagnosis.causes
    ]


def blind_spots_json(diagnosis: Diagnosis) -> list[dict[str, Any]]:
    """`check --format json`'s `blind_spots`: what cannot be seen, never a cause."""
    return [
        {
            "component": spot.component,
            "reason": spot.reason,
            "signals": list(spot.signals),
            "sources": list(spot.sources),
        }
        for spot in diagnosis.blind_spots
    ]
