"""Alertmanager API v2 payloads read into plain values, and the words shown for them.

Everything here is pure (no HTTP, no clock of its own), so the odd shapes a server can
send are handled in one place and the plugin only wires requests to readings.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

NOISE_LABELS = frozenset({"alertname", "prometheus", "prometheus_replica", "replica"})
"""Labels never used to tell alerts apart in an automatic name: the alertname is already
there, and the replica labels of an HA Prometheus pair say which copy sent the alert,
not what is wrong. (The configured severity label is left out too.)"""

_EARLIEST = datetime(1971, 1, 1, tzinfo=UTC).timestamp()
"""Before this a time is Go's zero value ("0001-01-01T00:00:00Z"): not set."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as `/api/v2/alerts` returns it (a "gettableAlert")."""

    key: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float | None
    silenced_by: tuple[str, ...]
    inhibited_by: tuple[str, ...]
    suppressed: bool

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")


@dataclass(frozen=True, slots=True)
class Silence:
    """Who silenced what until when, from `/api/v2/silences`."""

    created_by: str
    comment: str
    ends_at: float | None
    starts_at: float | None = None


def parse_alerts(payload: object) -> tuple[list[Alert], int] | None:
    """The alerts in a response, and how many items were not alerts; None when the
    payload is not a list at all (not an Alertmanager API v2 answer)."""
    if not isinstance(payload, list):
        return None
    alerts: list[Alert] = []
    bad = 0
    for item in payload:
        alert = _alert(item)
        if alert is None:
            bad += 1
        else:
            alerts.append(alert)
    return alerts, bad


def _alert(item: object) -> Alert | None:
    if not isinstance(item, dict):
        return None
    labels = _strings(item.get("labels"))
    if labels is None:
        return None
    status = item.get("status")
    state = status.get("state") if isinstance(status, dict) else None
    silenced = _ids(status.get("silencedBy")) if isinstance(status, dict) else ()
    inhibited = _ids(status.get("inhibitedBy")) if isinstance(status, dict) else ()
    fingerprint = item.get("fingerprint")
    if isinstance(fingerprint, str) and fingerprint.isalnum() and len(fingerprint) <= 64:
        key = fingerprint
    else:
        # Same labels, same alert: a key that survives a server leaving the field out.
        text = json.dumps(sorted(labels.items()), ensure_ascii=True)
        key = "labels#" + hashlib.sha256(text.encode()).hexdigest()[:32]
    return Alert(
        key=key,
        labels=labels,
        annotations=_strings(item.get("annotations")) or {},
        starts_at=parse_time(item.get("startsAt")),
        silenced_by=silenced,
        inhibited_by=inhibited,
        suppressed=state == "suppressed" or bool(silenced or inhibited),
    )


def parse_silences(payload: object) -> dict[str, Silence]:
    """Silences by id; items that are not silences are skipped (only words depend on
    them, never a status)."""
    silences: dict[str, Silence] = {}
    if not isinstance(payload, list):
        return silences
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        silences[item["id"]] = Silence(
            created_by=_text(item.get("createdBy")),
            comment=_text(item.get("comment")),
            ends_at=parse_time(item.get("endsAt")),
            starts_at=parse_time(item.get("startsAt")),
        )
    return silences


def parse_time(value: object) -> float | None:
    """Unix time of an RFC 3339 timestamp ("2026-11-29T16:00:40.442Z"), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    stamp = moment.timestamp()
    return stamp if stamp >= _EARLIEST else None


def format_time(stamp: float | None) -> str:
    """A moment in UTC, to the minute: who reads it may sit in another time zone than
    the bastion's clock."""
    if stamp is None:
        return "an unknown time"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def auto_names(alerts: Sequence[Alert], severity_label: str) -> dict[str, str]:
    """Name of every alert by key: its alertname plus the values of the labels that tell
    it apart from the other alerts of the same alertname (labels sorted by name)."""
    ignored = NOISE_LABELS | {severity_label}
    groups: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        groups[alert.alertname].append(alert)
    names: dict[str, str] = {}
    for alertname, group in groups.items():
        distinct = _differing(group, ignored)
        for alert in group:
            parts = [alertname or "unnamed alert"]
            parts += [alert.labels[name] for name in distinct if alert.labels.get(name)]
            names[alert.key] = " ".join(parts)
    return names


def _differing(group: Sequence[Alert], ignored: frozenset[str]) -> list[str]:
    if len(group) < 2:
        return []
    names = sorted({name for alert in group for name in alert.labels} - ignored)
    # A label one alert lacks differs too ("" stands for absent).
    return [name for name in names if len({a.labels.get(name, "") for a in group}) > 1]


def summary_of(annotations: Mapping[str, str]) -> str:
    """The alert's own words: its `summary`, else the first line of its `description`."""
    for name in ("summary", "description"):
        for line in annotations.get(name, "").splitlines():
            if line.strip():
                return line.strip()
    return ""


def runbook_of(annotations: Mapping[str, str]) -> str:
    """The `runbook_url` annotation (the Prometheus convention), else `runbook`."""
    return annotations.get("runbook_url", "").strip() or annotations.get("runbook", "").strip()


def silence_words(ids: Iterable[str], silences: Mapping[str, Silence] | None) -> str:
    """ "silenced by alice until 2026-11-30 14:00 UTC: DB maintenance" — the silence that
    ends last, since that is when the alert comes back; `silences` None when they
    could not be fetched."""
    ids = list(ids)
    if silences is None:
        return "silenced (who and until when unavailable)"
    known = [silences[i] for i in ids if i in silences]
    if not known:
        return "silenced"
    last = max(known, key=lambda s: s.ends_at or 0.0)
    who = last.created_by or "someone"
    words = f"silenced by {who} until {format_time(last.ends_at)}"
    if last.comment.strip():
        words += f": {' '.join(last.comment.split())}"
    if len(ids) > 1:
        words += f" (+{len(ids) - 1} more silence{'s' if len(ids) > 2 else ''})"
    return words


def inhibition_words(fingerprints: Sequence[str], names: Mapping[str, str]) -> str:
    """ "inhibited by ServiceDown ledger": the inhibiting alert by its name on the
    board when it is there too, else just that another alert inhibits it."""
    if not fingerprints:
        return ""
    first = names.get(fingerprints[0], "another alert")
    more = f" (+{len(fingerprints) - 1} more)" if len(fingerprints) > 1 else ""
    return f"inhibited by {first}{more}"


def _strings(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(name): _text(text) for name, text in value.items()}


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _ids(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value if isinstance(item, str | int))
