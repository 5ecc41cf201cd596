"""`check` output: the contract JSON and a terminal table, from one collected store."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from typing import Any

from oncall_tui.core.formatting import format_value
from oncall_tui.core.model import sort_key
from oncall_tui.core.store import SignalStore
from oncall_tui.core.words import SHORT, WORST_FIRST


def to_json(store: SignalStore, generated_at: float) -> dict[str, Any]:
    """The `check --format json` document; its field names are a contract."""
    signals = sorted(store.signals.values(), key=sort_key)
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
            }
            for s in signals
        ],
        "sources": [
            {
                "name": src.name,
                "plugin": src.plugin,
                "status": "ok" if src.ok else "error",
                "error": src.error or None,
                "duration_ms": src.duration_ms,
            }
            for src in store.sources
        ],
    }


def render_json(store: SignalStore, generated_at: float) -> str:
    return json.dumps(to_json(store, generated_at), indent=2, ensure_ascii=False)


def render_text(store: SignalStore, width: int | None = None) -> str:
    """A plain table for a terminal or a cron mail: no colour, no markup, so it reads
    the same piped into a file as on screen."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    signals = sorted(store.signals.values(), key=sort_key)
    counts = store.counts()
    overall = store.overall()
    lines = [
        f"{overall.value.upper()}: " + ", ".join(f"{counts[s]} {s.value}" for s in WORST_FIRST)
    ]
    name_w = min(max((len(s.name) for s in signals), default=4), 48)
    kind_w = 10
    for s in signals:
        value = format_value(s.value, s.unit)
        summary = s.summary
        if s.reason is not None and s.reason.value not in summary:
            summary = f"{s.reason.value}: {summary}"
        name = s.name if len(s.name) <= name_w else s.name[: name_w - 1] + "…"
        row = f"{SHORT[s.status]:<4}  {s.kind:<{kind_w}} {name:<{name_w}}  {value:>8}  {summary}"
        lines.append(row if len(row) <= width else row[: width - 1] + "…")
    lines.append("")
    lines.append("sources:")
    for src in store.sources:
        took = f"{src.duration_ms:.0f}ms" if src.duration_ms is not None else "-"
        state = "ok" if src.ok else f"ERROR {src.error}"
        if src.ok and src.note:
            state += f" — {src.note}"  # e.g. "no alerts firing": said, not left to guess
        lines.append(f"  {src.name} ({src.plugin}, {took}): {state}")
    return "\n".join(lines)
