"""The recording format: JSON lines, the first a header, then one frame per change.

A frame holds the full state of every signal that changed (not a diff of fields), the
keys that left, and the source states that changed, at one instant. Plain JSON so a
recording can be read with `jq` and survives version changes of the Python objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from oncall_tui.core.sanitize import MAX_LINE, MAX_LINK, MAX_TEXT, sanitize
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import (
    KINDS,
    UNITS,
    Kind,
    Reason,
    Signal,
    SourceState,
    Status,
    Thresholds,
    Unit,
)
from oncall_tui.core.sources.runbook import Runbook, RunbookKind

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
                f"recording schema {schema!r} is not supported by this version (expects {SCHEMA})"
            )
        topology = data.get("topology") or {}
        if not isinstance(topology, dict):
            raise RecordingError("header: topology is not a table")
        return cls(
            title=_text(data.get("title"), 200),
            started_at=_number(data.get("started_at")) or 0.0,
            topology={
                _text(k, 200): [_text(x, 200) for x in v]
                for k, v in topology.items()
                if isinstance(k, str) and isinstance(v, list)
            },
            change_window=_number(data.get("change_window")) or 3600.0,
        )


@dataclass(slots=True)
class Frame:
    """What changed at `at` (unix seconds, the recorded clock)."""

    at: float
    signals: list[dict[str, Any]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"t": self.at, "signals": self.signals, "gone": self.gone, "sources": self.sources}

    @classmethod
    def from_json(cls, data: object) -> Frame:
        if not isinstance(data, dict):
            raise ValueError("a frame is not an object")
        at = _number(data.get("t"))
        if at is None:
            raise ValueError("a frame has no time")
        signals, gone, sources = (
            data.get("signals", []),
            data.get("gone", []),
            data.get("sources", []),
        )
        if not (isinstance(signals, list) and isinstance(gone, list) and isinstance(sources, list)):
            raise ValueError("a frame's signals, gone or sources are not lists")
        return cls(at, signals, [str(key) for key in gone], sources)


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
            [thresholds.warning, thresholds.critical, thresholds.below, thresholds.for_seconds]
            if thresholds
            else None
        ),
        "baseline": signal.baseline,
        "observed_at": signal.observed_at,
        "changed_at": signal.changed_at,
    }


def signal_from_json(data: dict[str, Any], history: int) -> Signal:
    """A signal as recorded. Every field is checked: a recording is a file anyone may
    hand over, and a wrong type must not crash the replay."""
    kind = data.get("kind")
    unit = data.get("unit")
    if kind not in KINDS or unit not in UNITS:
        raise ValueError(f"signal {str(data.get('key'))[:60]!r}: unknown kind or unit")
    signal = Signal(
        key=_text(data.get("key")),
        kind=_kind(kind),
        name=_text(data.get("name"), 200),
        source=_text(data.get("source"), 64),
        labels=_labels(data.get("labels")),
        unit=_unit(unit),
        history=History(history),
    )
    apply_signal_json(signal, data)
    return signal


def apply_signal_json(signal: Signal, data: dict[str, Any]) -> None:
    """Copy the recorded state onto `signal` (all but its status, which the replay sets
    through the store so the change becomes an event)."""
    signal.name = _text(data.get("name"), 200)
    signal.component = _text(data.get("component"), 200) or signal.name
    signal.labels = _labels(data.get("labels"))
    signal.value = _number(data.get("value"))
    signal.summary = _text(data.get("summary"), MAX_LINE)
    signal.query = _text(data.get("query"), 2000)
    signal.baseline = _number(data.get("baseline"))
    signal.observed_at = _number(data.get("observed_at"))
    runbook = data.get("runbook")
    signal.runbook = None
    if isinstance(runbook, dict) and runbook.get("kind") in {k.value for k in RunbookKind}:
        signal.runbook = _runbook(
            RunbookKind(runbook["kind"]), _text(runbook.get("target"), MAX_LINK)
        )
    thresholds = data.get("thresholds")
    signal.thresholds = None
    if isinstance(thresholds, list) and len(thresholds) == 4:
        warning, critical, below, for_seconds = thresholds
        signal.thresholds = Thresholds(
            _number(warning), _number(critical), bool(below), _number(for_seconds) or 0.0
        )


def status_of(data: dict[str, Any]) -> tuple[Status, Reason | None]:
    try:
        status = Status(str(data.get("status")))
    except ValueError:
        status = Status.UNKNOWN
    try:
        reason = Reason(data["reason"]) if data.get("reason") else None
    except ValueError:
        reason = Reason.NO_DATA
    if status is Status.UNKNOWN and reason is None:
        reason = Reason.NO_DATA
    return status, reason


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


def source_from_json(data: object) -> SourceState:
    if not isinstance(data, dict):
        raise ValueError("a source state is not an object")
    ok = data.get("ok")
    return SourceState(
        name=_text(data.get("name"), 64),
        plugin=_text(data.get("plugin"), 64),
        kinds=frozenset(_kind(k) for k in data.get("kinds", []) if k in KINDS),
        ok=ok if isinstance(ok, bool) else None,
        error=_text(data.get("error"), MAX_LINE),
        note=_text(data.get("note"), MAX_LINE),
        duration_ms=_number(data.get("duration_ms")),
        last_success=_number(data.get("last_success")),
        last_attempt=_number(data.get("last_attempt")),
        interval=_number(data.get("interval")) or 5.0,
        failing_since=_number(data.get("failing_since")),
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text(value: object, limit: int = MAX_TEXT) -> str:
    # A recording is a file anyone may hand over: its text passes the one sanitiser
    # again on the way in, exactly like a source's.
    return sanitize(value, limit) if isinstance(value, str) else ""


def _runbook(kind: RunbookKind, target: str) -> Runbook:
    """A recorded runbook, trusted back only as far as a hand-edited file cannot abuse
    it: links are checked again, and a file must be an absolute Markdown path (so a
    recording handed over for a drill cannot make the viewer show ~/.ssh/id_rsa)."""
    if kind is RunbookKind.LINK:
        return Runbook.link(target)
    if kind is RunbookKind.FILE and target.startswith("/") and target.endswith(".md"):
        return Runbook.file(target)
    return Runbook.text(target)


def _labels(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        _text(k, 100): _text(v, MAX_LINE) for k, v in list(value.items())[:32] if isinstance(k, str)
    }


def _kind(value: object) -> Kind:
    assert value in KINDS
    return value


def _unit(value: object) -> Unit:
    assert value in UNITS
    return value
