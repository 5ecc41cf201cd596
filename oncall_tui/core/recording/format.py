"""The recording format: JSON lines, the first a header, then one frame per change.

A frame holds the full state of every signal that changed (not a diff of fields), the
keys that left, and the source states that changed, at one instant. Plain JSON so a
recording can be read with `jq` and survives version changes of the Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oncall_tui.core.recording.fields import Malformed, duration_of, show, time_of
from oncall_tui.core.recording.validate import Checker
from oncall_tui.core.sanitize import sanitize
from oncall_tui.core.signals.model import Ack, Maintenance, Signal, SourceState

SCHEMA = 1
MAGIC = "oncall-tui recording"


class RecordingError(Exception):
    """A recording that cannot be read at all (not a recording, a newer schema)."""


@dataclass(frozen=True, slots=True)
class Header:
    title: str
    started_at: float
    topology: dict[str, list[str]]
    change_window: float

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MAGIC,
            "schema": SCHEMA,
            "title": self.title,
            "started_at": self.started_at,
            "topology": self.topology,
            "change_window": self.change_window,
        }

    @classmethod
    def from_json(cls, data: object) -> Header:
        if not isinstance(data, dict) or data.get("format") != MAGIC:
            raise RecordingError("not an oncall-tui recording (no header line)")
        schema = data.get("schema")
        if schema != SCHEMA:
            raise RecordingError(
                f"recording schema {show(schema)} is not supported by this version "
                f"(expects {SCHEMA})"
            )
        topology = data.get("topology") or {}
        if not isinstance(topology, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in topology.values()
        ):
            raise RecordingError("header: topology: expected an object of lists of names")
        try:
            started_at = time_of(data.get("started_at"), "header: started_at")
            window = duration_of(data.get("change_window"), "header: change_window")
            title = Checker().text(data.get("title"), "header: title", "", 200)
        except Malformed as exc:
            raise RecordingError(str(exc)) from None
        return cls(
            title=title,
            started_at=started_at or 0.0,
            topology={_text(str(k), 200): [_text(x, 200) for x in v] for k, v in topology.items()},
            change_window=3600.0 if window is None else window,
        )


def frame_to_json(
    at: float,
    signals: list[dict[str, Any]],
    gone: list[str],
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    """One frame as the recorder writes it: what changed at `at`."""
    return {"t": at, "signals": signals, "gone": gone, "sources": sources}


def signal_to_json(signal: Signal) -> dict[str, Any]:
    thresholds = signal.thresholds
    return {
        "key": signal.key,
        "kind": signal.kind,
        "name": signal.name,
        "source": signal.source,
        "component": signal.component,
        "labels": signal.labels,
        "unit": signal.unit,
        "value": signal.value,
        "status": signal.status.value,
        "reason": signal.reason.value if signal.reason else None,
        "summary": signal.summary,
        "runbook": (
            {"kind": signal.runbook.kind.value, "target": signal.runbook.target}
            if signal.runbook
            else None
        ),
        "query": signal.query,
        "thresholds": (
            [
                thresholds.warning,
                thresholds.critical,
                thresholds.below,
                thresholds.for_seconds,
                thresholds.recover_seconds,
            ]
            if thresholds
            else None
        ),
        "baseline": signal.baseline,
        "observed_at": signal.observed_at,
        "changed_at": signal.changed_at,
        "headline": signal.headline,
        "partial": signal.partial,
        "slo": {**signal.slo.to_json(), "period": signal.slo.period} if signal.slo else None,
        "canary": signal.canary.to_json() if signal.canary else None,
        "ack": _ack_json(signal.ack),
        "maintenance": _maintenance_json(signal.maintenance),
    }


def _ack_json(ack: Ack | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {"author": ack.author, "since": ack.since, "until": ack.until, "id": ack.silence_id}


def _maintenance_json(maintenance: Maintenance | None) -> dict[str, Any] | None:
    if maintenance is None:
        return None
    return {
        "text": maintenance.text,
        "until": maintenance.until,
        "component": maintenance.component,
        "author": maintenance.author,
    }


def source_to_json(state: SourceState) -> dict[str, Any]:
    return {
        "name": state.name,
        "plugin": state.plugin,
        "kinds": sorted(state.kinds),
        "ok": state.ok,
        "error": state.error,
        "note": state.note,
        "duration_ms": state.duration_ms,
        "last_success": state.last_success,
        "last_attempt": state.last_attempt,
        "interval": state.interval,
        "failing_since": state.failing_since,
    }


def _text(value: str, limit: int) -> str:
    # A recording is a file anyone may hand over: its text passes the one sanitiser
    # again on the way in, exactly like a source's.
    return sanitize(value, limit)
