"""The one check of what a recording holds, done once per frame as it is read.

A recording is a file anyone may hand over for a drill or a post-mortem, so nothing in
it is trusted: every field of a frame is checked here, at read time, into typed records
(`Frame`, `SignalRecord`, `SourceState`) that the replay and the timeline use without a
second look. A malformed field raises `Malformed` with the same wording whatever the
field (`signals[2].value: expected a number or null, got an integer of 401 digits`),
and the reader stops there: the recording is read up to the damage.

Text passes the one sanitiser again on the way in, exactly like a source's; numbers
must be finite floats, times must be dates a clock can show, runbooks are checked again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall_tui.core.recording.fields import (
    Malformed,
    ack_of,
    at,
    canary_of,
    duration_of,
    maintenance_of,
    number_of,
    reason_of,
    show,
    slo_of,
    status_of,
    thresholds_of,
    time_of,
)
from oncall_tui.core.sanitize import MAX_LINE, MAX_LINK, MAX_TEXT, sanitize
from oncall_tui.core.signals.facts import CanaryFacts, SloFacts
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import (
    KINDS,
    UNITS,
    Ack,
    Kind,
    Maintenance,
    Reason,
    Signal,
    SourceState,
    Status,
    Thresholds,
    Unit,
)
from oncall_tui.core.sources.runbook import Runbook, RunbookKind


@dataclass(slots=True)
class SignalRecord:
    """A recorded signal, checked: every field as the recorder wrote it. (Not frozen:
    a frozen dataclass sets each field through `object.__setattr__`, and a recording
    holds hundreds of thousands of these.)"""

    key: str
    kind: Kind
    unit: Unit
    name: str
    source: str
    component: str
    labels: dict[str, str]
    value: float | None
    status: Status
    reason: Reason | None
    summary: str
    runbook: Runbook | None
    query: str
    thresholds: Thresholds | None
    baseline: float | None
    observed_at: float | None
    changed_at: float | None = None
    """When its status began, as it was live (the breach's start)."""
    headline: str = ""
    partial: str = ""
    """Why its value was incomplete (its source answered partly); empty when whole."""
    slo: SloFacts | None = None
    canary: CanaryFacts | None = None
    ack: Ack | None = None
    maintenance: Maintenance | None = None

    def new_signal(self, history: int) -> Signal:
        """The signal this record first brings (its status is set by the store)."""
        signal = Signal(
            key=self.key,
            kind=self.kind,
            name=self.name,
            source=self.source,
            labels=self.labels,
            unit=self.unit,
            history=History(history),
        )
        self.apply_to(signal)
        return signal

    def apply_to(self, signal: Signal) -> None:
        """Copy the recorded state onto `signal`, all but its status, which the replay
        sets through the store so a change becomes an event."""
        signal.name = self.name
        signal.component = self.component or self.name
        signal.labels = self.labels
        signal.value = self.value
        signal.summary = self.summary
        signal.query = self.query
        signal.baseline = self.baseline
        signal.observed_at = self.observed_at
        signal.runbook = self.runbook
        signal.thresholds = self.thresholds
        signal.headline = self.headline
        signal.partial = self.partial
        signal.slo = self.slo
        signal.canary = self.canary
        signal.ack = self.ack
        signal.maintenance = self.maintenance


@dataclass(frozen=True, slots=True)
class Frame:
    """What changed at `at` (unix seconds, the recorded clock), checked."""

    at: float
    signals: tuple[SignalRecord, ...] = ()
    gone: tuple[str, ...] = ()
    sources: tuple[SourceState, ...] = ()
    cut: int = 0
    """Signals of this frame past the store's per-source cap: not read, counted."""

    @property
    def records(self) -> int:
        """What holding this frame costs, in records (the reader's budget)."""
        return 1 + len(self.signals) + len(self.gone) + len(self.sources)

    @property
    def empty(self) -> bool:
        return not (self.signals or self.gone or self.sources)


@dataclass(slots=True)
class Checker:
    """Checks frames of one recording. Text is cached: the same keys, names and labels
    come back in every frame, and are sanitised once."""

    base: Path | None = None
    """The recording's folder: the only place a recorded file runbook may be in."""
    per_source: int = 10_000
    """Signals of one source read per frame; the store holds no more either."""
    _texts: dict[int, dict[str, str]] = field(default_factory=dict)

    def frame(self, data: object) -> Frame:
        if not isinstance(data, dict):
            raise Malformed(f"the frame: expected an object, got {show(data)}")
        at = time_of(data.get("t"), "t", required=True)
        assert at is not None
        signals = self._list(data, "signals")
        kept: list[SignalRecord] = []
        per_source: dict[str, int] = {}
        cut = 0
        for index, item in enumerate(signals):
            where = f"signals[{index}]"
            if not isinstance(item, dict):
                raise Malformed(f"{where}: expected an object, got {show(item)}")
            source = self.text(item.get("source"), where, "source", 64)
            seen = per_source.get(source, 0)
            if seen >= self.per_source:
                cut += 1
                continue
            per_source[source] = seen + 1
            kept.append(self.signal(item, where, source))
        gone = tuple(
            self.text(key, f"gone[{index}]", "", 256, required=True)
            for index, key in enumerate(self._list(data, "gone"))
        )
        sources = tuple(
            self.source(item, f"sources[{index}]")
            for index, item in enumerate(self._list(data, "sources"))
        )
        return Frame(at, tuple(kept), gone, sources, cut)

    def signal(self, data: dict[str, Any], where: str, source: str) -> SignalRecord:
        kind = data.get("kind")
        if kind not in KINDS:
            raise Malformed(f"{where}.kind: expected one of {', '.join(KINDS)}, got {show(kind)}")
        unit = data.get("unit")
        if unit not in UNITS:
            raise Malformed(f"{where}.unit: expected one of {', '.join(UNITS)}, got {show(unit)}")
        # A change marker's value is when the change happened: it must be a date too.
        value_of = time_of if kind == "change" else number_of
        status = status_of(data.get("status"), where, "status")
        reason = reason_of(data.get("reason"), where, "reason")
        if status is Status.UNKNOWN and reason is None:
            reason = Reason.NO_DATA
        return SignalRecord(
            key=self.text(data.get("key"), where, "key", 256, required=True),
            kind=kind,
            unit=unit,
            name=self.text(data.get("name"), where, "name", 200),
            source=source,
            component=self.text(data.get("component"), where, "component", 200),
            labels=self._labels(data.get("labels"), where, "labels"),
            value=value_of(data.get("value"), where, "value"),
            status=status,
            reason=reason,
            summary=self.text(data.get("summary"), where, "summary", MAX_LINE),
            runbook=self._runbook(data.get("runbook"), where, "runbook"),
            query=self.text(data.get("query"), where, "query", 2000),
            thresholds=thresholds_of(data.get("thresholds"), where, "thresholds"),
            baseline=number_of(data.get("baseline"), where, "baseline"),
            observed_at=time_of(data.get("observed_at"), where, "observed_at"),
            changed_at=time_of(data.get("changed_at"), where, "changed_at"),
            headline=self.text(data.get("headline"), where, "headline", 80),
            partial=self.text(data.get("partial"), where, "partial", MAX_LINE),
            slo=slo_of(data.get("slo"), at(where, "slo"), self._text),
            canary=canary_of(data.get("canary"), at(where, "canary"), self._text),
            ack=ack_of(data.get("ack"), at(where, "ack"), self._text),
            maintenance=maintenance_of(
                data.get("maintenance"), at(where, "maintenance"), self._text
            ),
        )

    def _text(self, value: object, where: str, name: str, limit: int) -> str:
        return self.text(value, where, name, limit)

    def source(self, data: object, where: str) -> SourceState:
        if not isinstance(data, dict):
            raise Malformed(f"{where}: expected an object, got {show(data)}")
        kinds = data.get("kinds", [])
        if not isinstance(kinds, list) or any(kind not in KINDS for kind in kinds):
            raise Malformed(
                f"{where}.kinds: expected a list of {', '.join(KINDS)}, got {show(kinds)}"
            )
        ok = data.get("ok")
        if ok is not None and not isinstance(ok, bool):
            raise Malformed(f"{where}.ok: expected true, false or null, got {show(ok)}")
        interval = duration_of(data.get("interval"), where, "interval")
        return SourceState(
            name=self.text(data.get("name"), where, "name", 64, required=True),
            plugin=self.text(data.get("plugin"), where, "plugin", 64),
            kinds=frozenset(kinds),
            ok=ok,
            error=self.text(data.get("error"), where, "error", MAX_LINE),
            note=self.text(data.get("note"), where, "note", MAX_LINE),
            duration_ms=number_of(data.get("duration_ms"), where, "duration_ms"),
            last_success=time_of(data.get("last_success"), where, "last_success"),
            last_attempt=time_of(data.get("last_attempt"), where, "last_attempt"),
            interval=interval or 5.0,
            failing_since=time_of(data.get("failing_since"), where, "failing_since"),
        )

    def text(
        self,
        value: object,
        where: str,
        name: str = "",
        limit: int = MAX_TEXT,
        *,
        required: bool = False,
    ) -> str:
        """A string (absent or null is ""), sanitised like a source's text."""
        if value is None and not required:
            return ""
        if type(value) is not str or (required and not value):
            need = "a non-empty string" if required else "a string or null"
            raise Malformed(f"{at(where, name)}: expected {need}, got {show(value)}")
        texts = self._texts.get(limit)
        if texts is None:
            texts = self._texts[limit] = {}
        cached = texts.get(value)
        if cached is None:
            cached = texts[value] = sanitize(value, limit)
        return cached

    def _list(self, data: dict[str, Any], name: str) -> list[Any]:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise Malformed(f"{name}: expected a list, got {show(value)}")
        return value

    def _labels(self, value: object, where: str, name: str) -> dict[str, str]:
        if value is None:
            return {}
        where = at(where, name)
        if not isinstance(value, dict):
            raise Malformed(f"{where}: expected an object of strings, got {show(value)}")
        if not value:
            return {}
        return {
            self.text(k, where, "", 100): self.text(v, where, str(k)[:40], MAX_LINE)
            for k, v in list(value.items())[:32]
        }

    def _runbook(self, value: object, where: str, name: str) -> Runbook | None:
        if value is None:
            return None
        where = at(where, name)
        kinds = {kind.value for kind in RunbookKind}
        if not isinstance(value, dict) or value.get("kind") not in kinds:
            raise Malformed(
                f"{where}: expected null or an object with a kind of link, file or text, "
                f"got {show(value)}"
            )
        target = self.text(value.get("target"), where, "target", MAX_LINK)
        return recorded_runbook(RunbookKind(value["kind"]), target, self.base)


def recorded_runbook(kind: RunbookKind, target: str, base: Path | None) -> Runbook:
    """A recorded runbook, trusted back only as far as a hand-made file cannot abuse it:
    links are checked again, and a file must be a Markdown file inside the recording's
    folder, where it still is once every symlink is resolved. A recording handed over
    for a drill cannot make the viewer show (or copy) ~/.ssh/id_rsa or /etc/passwd,
    even through a `runbook.md` that is a link to it."""
    if kind is RunbookKind.LINK:
        return Runbook.link(target)
    if kind is RunbookKind.FILE and base is not None and target.endswith(".md"):
        folder = os.path.realpath(base)
        real = os.path.realpath(os.path.join(folder, target))
        inside = real.startswith(os.path.join(folder, ""))
        if inside and real.endswith(".md") and not os.path.isdir(real):
            return Runbook.file(real)
    return Runbook.text(target)
