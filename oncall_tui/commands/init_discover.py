"""What a running Prometheus (and Alertmanager) already knows, read for `init`.

Everything read is bounded — bytes per answer, rules, series, label values, time — and
untrusted: an answer of the wrong shape is skipped or refused with a reason, never a
traceback. Unreachable servers and APIs that refuse end `init` before anything is
written (`Unreachable`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from oncall_tui.core.http import get_json
from oncall_tui.core.http.client import build_client
from oncall_tui.core.sources.errors import SourceError

from .init_rules import Rule

MAX_BYTES = 8 * 1024 * 1024
"""Largest answer read from either server; a rules file this big is ~40,000 rules."""
MAX_RULES = 2000
"""Most alerting rules turned into signals; the rest are named in a comment."""
MAX_SERIES = 50
"""Series read per metric to learn its labels, and co-occurring label pairs kept."""
MAX_NAMES = 20_000
"""Metric names looked at for change timestamps."""
MAX_TEXT = 4096
"""Longest expression, name or annotation taken from a rule; longer ones are cut
(an expression that long stays an alert: cut, it would not parse)."""
TIMEOUT = 10.0
"""Seconds for all of `init`'s requests together."""

_CHANGE_WORDS = ("deploy", "release", "rollout", "edit", "change", "reload", "updated", "upgrade")
_TIMESTAMP_SUFFIXES = ("_timestamp_seconds", "_timestamp", "_time_seconds", "_at_seconds")
_NOT_CHANGES = ("process_start_time_seconds",)
_SLOTH_PREFIX = "slo:sli_error:ratio_rate"
_PYRRA_RULE = re.compile(r":burnrate\d+[smhdw]$")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Unreachable(Exception):
    """A server did not answer as an API of its kind; the message says why."""


@dataclass
class Discovery:
    prometheus: str
    alertmanager: str | None = None
    rules: list[Rule] = field(default_factory=list)
    skipped_rules: int = 0
    """Alerting rules past MAX_RULES."""
    recording: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    changes: list[tuple[str, list[str]]] = field(default_factory=list)
    """Change-timestamp metrics and the label names of their series."""
    slo_rules: str = ""
    """"sloth" or "pyrra" when their recording rules are there."""
    together: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(label, value, label, value) seen together on one series: topology hints."""


async def discover(prometheus: str, alertmanager: str | None) -> Discovery:
    """Read both servers, within TIMEOUT; raise Unreachable if either will not answer."""
    client = build_client(timeout=TIMEOUT, retries=0)
    try:
        async with asyncio.timeout(TIMEOUT):
            return await _discover(client, prometheus, alertmanager)
    except TimeoutError:
        raise Unreachable(f"no complete answer within {TIMEOUT:g} s") from None
    finally:
        await client.aclose()


async def _discover(
    client: httpx.AsyncClient, prometheus: str, alertmanager: str | None
) -> Discovery:
    found = Discovery(prometheus, alertmanager)
    groups = _data(await _get(client, prometheus, "/api/v1/rules", {}), "groups", prometheus)
    _read_rules(found, groups)
    if alertmanager is not None:
        status = await _get(client, alertmanager, "/api/v2/status", {})
        if not isinstance(status, dict) or ("cluster" not in status and "config" not in status):
            raise Unreachable(f"{alertmanager} does not answer as an Alertmanager (API v2)")
    jobs = await _vector(client, prometheus, "count by (job) (up)")
    found.jobs = sorted({labels["job"] for labels in jobs if labels.get("job")})[:MAX_SERIES]
    names = _data(
        await _get(client, prometheus, "/api/v1/label/__name__/values", {}), None, prometheus
    )
    names = [n for n in names[:MAX_NAMES] if isinstance(n, str)] if isinstance(names, list) else []
    for name in sorted(n for n in names if is_change_metric(n))[:MAX_SERIES]:
        series = await _vector(client, prometheus, f"topk({MAX_SERIES}, {name})")
        labels = sorted({k for s in series for k in s if k != "__name__" and _LABEL.match(k)})
        found.changes.append((name, labels))
    found.slo_rules = slo_generator(found.recording)
    return found


async def co_occurring(
    found: Discovery, labels: list[str], same_component: set[frozenset[str]]
) -> None:
    """Fill `found.together` with values of two component labels on one series (not
    two labels that name one component together)."""
    client = build_client(timeout=TIMEOUT, retries=0)
    try:
        async with asyncio.timeout(TIMEOUT):
            for index, first in enumerate(labels):
                for second in labels[index + 1 :]:
                    if frozenset((first, second)) in same_component:
                        continue
                    query = f'count by ({first}, {second}) ({{{first}!="", {second}!=""}})'
                    for series in await _vector(client, found.prometheus, query):
                        if len(found.together) >= MAX_SERIES:
                            return
                        a, b = series.get(first, ""), series.get(second, "")
                        if a and b:
                            found.together.append((first, a, second, b))
    except (TimeoutError, Unreachable):
        pass  # a hint only: the skeleton is written without it
    finally:
        await client.aclose()


def is_change_metric(name: str) -> bool:
    """A gauge holding the unix time of a deploy, an edit, a reload; never a creation
    time (`*_created`) nor a process start."""
    lowered = name.lower()
    if name in _NOT_CHANGES or lowered.endswith(("_created", "_created_seconds")):
        return False
    if not lowered.endswith(_TIMESTAMP_SUFFIXES):
        return False
    return any(word in lowered for word in _CHANGE_WORDS)


def slo_generator(recording: list[str]) -> str:
    if any(name.startswith(_SLOTH_PREFIX) for name in recording):
        return "sloth"
    if any(_PYRRA_RULE.search(name) for name in recording):
        return "pyrra"
    return ""


def _read_rules(found: Discovery, groups: object) -> None:
    if not isinstance(groups, list):
        raise Unreachable(f"{found.prometheus}/api/v1/rules: no list of rule groups")
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            continue
        group_name = _text(group.get("name"))
        for raw in group["rules"]:
            if not isinstance(raw, dict):
                continue
            name = _text(raw.get("name"))
            if raw.get("type") == "recording":
                if len(found.recording) < MAX_NAMES:
                    found.recording.append(name)
                continue
            if raw.get("type") != "alerting" or not name:
                continue
            if len(found.rules) >= MAX_RULES:
                found.skipped_rules += 1
                continue
            duration = raw.get("duration")
            found.rules.append(
                Rule(
                    name=name,
                    expr=_text(raw.get("query"), MAX_TEXT + 1),
                    for_seconds=float(duration)
                    if isinstance(duration, int | float) and 0 <= duration < 1e9
                    else 0.0,
                    labels=_strings(raw.get("labels")),
                    annotations=_strings(raw.get("annotations")),
                    group=group_name,
                )
            )


def _text(value: object, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        k[:200]: v[:MAX_TEXT]
        for k, v in list(value.items())[:100]
        if isinstance(k, str) and isinstance(v, str)
    }


async def _get(client: httpx.AsyncClient, base: str, path: str, params: dict[str, str]) -> Any:
    try:
        return await get_json(client, base.rstrip("/") + path, params=params, max_bytes=MAX_BYTES)
    except SourceError as exc:
        raise Unreachable(f"{base}{path}: {exc}") from None
    except httpx.HTTPError as exc:  # an odd URL httpx refuses before sending
        raise Unreachable(f"{base}{path}: {type(exc).__name__}") from None


def _data(document: object, key: str | None, base: str) -> object:
    """`data` (or `data[key]`) of a Prometheus API answer, or Unreachable."""
    if not isinstance(document, dict) or document.get("status") != "success":
        error = document.get("error") if isinstance(document, dict) else None
        reason = f": {str(error)[:200]}" if error else ""
        raise Unreachable(f"{base} does not answer as a Prometheus API{reason}")
    data = document.get("data")
    if key is None:
        return data
    return data.get(key) if isinstance(data, dict) else None


async def _vector(client: httpx.AsyncClient, base: str, query: str) -> list[dict[str, str]]:
    """The label sets of an instant query's series (at most MAX_SERIES)."""
    data = _data(await _get(client, base, "/api/v1/query", {"query": query}), None, base)
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        return []
    return [
        _strings(item.get("metric"))
        for item in data["result"][:MAX_SERIES]
        if isinstance(item, dict)
    ]
