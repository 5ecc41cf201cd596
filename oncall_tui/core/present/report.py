"""`check` output: the contract JSON and a terminal table, from one collected store."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from typing import Any

from oncall_tui.core.present.causes_json import blind_spots_json, causes_json
from oncall_tui.core.present.cell_width import cell_width, cut, pad
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.row_text import summary_cell, symptom_parts
from oncall_tui.core.present.triage_text import blind_line, cause_line, symptom_mark
from oncall_tui.core.present.words import SHORT, WORST_FIRST, short_duration
from oncall_tui.core.signals.model import Signal, SourceState
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Diagnosis, store_diagnosis
from oncall_tui.core.triage.one_sort import OneSort


def to_json(
    store: SignalStore, generated_at: float, diagnosis: Diagnosis | None = None
) -> dict[str, Any]:
    """The `check --format json` document; its field names are a contract."""
    diagnosis = diagnosis if diagnosis is not None else store_diagnosis(store, {}, 3600.0)
    signals = OneSort.of(diagnosis).order(store.signals.values())
    return {
        "status": store.overall().value,
        "generated_at": datetime.fromtimestamp(generated_at, UTC).isoformat(),
        "signals": [
            {
                "key": s.key,
                "kind": s.kind,
                "name": s.name,
                "status": s.status.value,
                "value": s.value,
                "unit": s.unit,
                "summary": s.summary,
                "runbook": s.runbook.contract if s.runbook else None,
                "source": s.source,
                "labels": s.labels,
                "reason": s.reason.value if s.reason is not None else None,
                # Extension (triage): the root cause this failing signal is a symptom of.
                "root": diagnosis.symptom_root(s),
                # Its source answered only partly: the value may be incomplete.
                **({"partial": True} if s.partial else {}),
                # Extensions (early warning): only on SLO and canary signals.
                **({"slo": s.slo.to_json()} if s.slo is not None else {}),
                **({"canary": s.canary.to_json()} if s.canary is not None else {}),
            }
            for s in signals
        ],
        "sources": [_source_json(src) for src in store.sources],
        # Extensions of the contract (DESIGN.md "Triage contract").
        "causes": causes_json(diagnosis),
        "blind_spots": blind_spots_json(diagnosis),
    }


def _source_json(src: SourceState) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": src.name,
        "plugin": src.plugin,
        "status": "ok" if src.ok else "error",
        "error": src.error or None,
        "duration_ms": src.duration_ms,
    }
    if src.note:  # what was partial, what was dropped: only when there is something
        document["note"] = src.note
    return document


def render_json(store: SignalStore, generated_at: float, diagnosis: Diagnosis | None = None) -> str:
    return json.dumps(to_json(store, generated_at, diagnosis), indent=2, ensure_ascii=False)


def render_text(
    store: SignalStore,
    width: int | None = None,
    *,
    diagnosis: Diagnosis | None = None,
    now: float | None = None,
    change_window: float | None = None,
) -> str:
    """A plain table for a terminal or a cron mail: no colour, no markup, so it reads
    the same piped into a file as on screen.

    The answer first (the likely cause, what cannot be seen), then the impact (business
    signals), then the three layers worst first, then the changes.
    """
    width = width or shutil.get_terminal_size((120, 24)).columns
    diagnosis = diagnosis if diagnosis is not None else store_diagnosis(store, {}, 3600.0)
    ordered = OneSort.of(diagnosis).order(store.signals.values())
    business = [s for s in ordered if s.kind == "business"]
    changes = sorted((s for s in ordered if s.kind == "change"), key=lambda s: -(s.value or 0.0))
    signals = [s for s in ordered if s.kind not in ("business", "change")]
    counts = store.counts()
    overall = store.overall()
    lines = [
        f"{overall.value.upper()}: " + ", ".join(f"{counts[s]} {s.value}" for s in WORST_FIRST)
    ]
    for index, cause in enumerate(diagnosis.causes):
        label = "LIKELY CAUSE" if index == 0 else "ALSO"
        window = change_window if index == 0 else None
        lines.append(cause_line(cause, now=now, window=window, label=f"{label:<12}", width=width))
    blind = blind_line(diagnosis, width=width)
    if blind:
        lines.append(blind)
    name_w = min(max((cell_width(s.name) for s in business + signals), default=4), 48)
    if business:
        lines += ["", "business:"]
        lines += [_row(s, name_w, width, diagnosis, usual=True) for s in business]
    if business or changes:
        lines += ["", "signals:"]
    lines += [_row(s, name_w, width, diagnosis) for s in signals]
    if changes:
        # Only the changes recent enough to matter; old deploys would bury the table.
        recent = changes
        if now is not None and change_window is not None:
            recent = [s for s in changes if s.value is not None and now - s.value <= change_window]
        lines += ["", "changes:"]
        lines += [_change_row(s, now, width) for s in recent]
        older = len(changes) - len(recent)
        if older:
            lines.append(f"  ({older} older than {short_duration(change_window or 0)})")
    lines.append("")
    lines.append("sources:")
    for src in store.sources:
        took = f"{src.duration_ms:.0f}ms" if src.duration_ms is not None else "-"
        state = "ok" if src.ok else f"ERROR {src.error}"
        if src.ok and src.note:
            state += f" — {src.note}"  # e.g. "no alerts firing": said, not left to guess
        lines.append(f"  {src.name} ({src.plugin}, {took}): {state}")
    return "\n".join(lines)


def _row(
    signal: Signal, name_w: int, width: int, diagnosis: Diagnosis, *, usual: bool = False
) -> str:
    """One signal: status, kind, name, value, then (for a symptom) the root it points
    at, whole or not at all, then the summary, cut to the width."""
    value = format_value(signal.value, signal.unit)
    summary = signal.summary
    if signal.reason is not None and signal.reason.value not in summary:
        summary = f"{signal.reason.value}: {summary}"
    if signal.partial:
        summary = f"partial: {summary}"
    if usual and signal.baseline is not None and "usual" not in summary:
        summary = f"(usual {format_value(signal.baseline, signal.unit)}) {summary}".rstrip()
    name = pad(signal.name, name_w)
    row = f"{SHORT[signal.status]:<4}  {signal.kind:<10} {name}  {value:>8}  "
    room = width - cell_width(row)
    root = diagnosis.symptom_root(signal)
    if root is not None:
        said = "".join(
            part for part, _ in symptom_parts(signal, room, symptom_mark(root), text=summary)
        )
    else:
        said = summary_cell(signal, room, text=summary)
    return cut(f"{row}{said}".rstrip(), width)


def _change_row(signal: Signal, now: float | None, width: int) -> str:
    """A change marker's value is when it happened: shown as a time, never a number."""
    if signal.value is None:
        when = "—"
    else:
        when = datetime.fromtimestamp(signal.value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if now is not None and now >= signal.value:
            when += f" ({short_duration(now - signal.value)} ago)"
    return cut(f"  {when}  {signal.name}", width)
