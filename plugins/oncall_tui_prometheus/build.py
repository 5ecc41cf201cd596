"""From a query's response bodies to readings: blocking work, run off the event loop.

Everything here is plain computation on bytes already fetched (no I/O, no event
loop), so the plugin can hand it to a worker thread whole.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from oncall_tui.plugin import (
    MAX_LINE,
    Courtesy,
    LabelTemplate,
    Reading,
    RunbookTemplate,
    SourceError,
    Status,
    Thresholds,
)

from .config import Query
from .parse import (
    CHECK_EVERY,
    GIVE_WAY_EVERY,
    BadResponse,
    LabelKey,
    Response,
    Series,
    TooSlow,
    label_key,
    parse_response,
)

_MAX_KEY = 200
"""Keys longer than this (many or long labels) are hashed, so they stay unique after the
store's length cap."""

_KEY_JSON = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), sort_keys=True)
_SEPARATORS = re.compile(r"^[\s/:,;|·-]+|[\s/:,;|·-]+$")


class QueryFailed(SourceError):
    """A failure that belongs to one query (a PromQL error, an odd result), as opposed
    to the server being unreachable, which every query shares."""


class QueryProblem(QueryFailed):
    """Something wrong with a query whose readings are still good (a server warning,
    a failed baseline): said on the source, the signals kept."""


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """A query with its templates parsed and thresholds built once, not per series."""

    index: int
    query: Query
    name: LabelTemplate
    runbook: RunbookTemplate
    summary: LabelTemplate
    component: LabelTemplate
    thresholds: Thresholds | None

    @classmethod
    def compile(cls, index: int, query: Query) -> CompiledQuery:
        return cls(
            index=index,
            query=query,
            name=LabelTemplate.parse(query.name),
            runbook=RunbookTemplate.parse(query.runbook),
            summary=LabelTemplate.parse(query.summary),
            component=LabelTemplate.parse(query.component),
            # A change marker's value is a time: nothing to judge.
            thresholds=None if query.kind == "change" else query.thresholds(),
        )

    @property
    def label(self) -> str:
        """How messages name the query: the same path `oncall-tui validate` prints."""
        return f"queries[{self.index}] ({self.query.name})"


@dataclass(slots=True)
class Outcome:
    """One query's readings, and what is worth saying about them."""

    readings: list[Reading]
    problems: list[QueryProblem] = field(default_factory=list)


def series_key(index: int, labels: Mapping[str, str], prefix: str = "q") -> str:
    """Stable, unique key of one series of query `index`.

    JSON with ASCII escapes is injective and printable, so two label sets never share a
    key, and the store's sanitiser (which escapes control characters) cannot merge two
    keys either. Long keys are hashed to survive the store's length cap.
    """
    key = f"{prefix}{index}" + _KEY_JSON.encode(labels)
    if len(key) > _MAX_KEY:
        key = f"{prefix}{index}#" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def api_error(status: str, error_type: str, error: str) -> str:
    """ "bad_data: parse error at char 5: ..." from a Prometheus error, or ""."""
    if status != "error":
        return ""
    return f"{error_type or 'error'}: {error or 'no detail'}"


@dataclass(frozen=True, slots=True)
class Bodies:
    """What the server sent for one query, not parsed yet."""

    main: bytes
    main_type: str
    baseline: bytes | None = None
    baseline_type: str = ""

    @property
    def size(self) -> int:
        return len(self.main) + len(self.baseline or b"")


def build(
    compiled: CompiledQuery,
    bodies: Bodies,
    *,
    at: float,
    config_dir: Path,
    deadline: float | None,
) -> Outcome:
    """The readings of one query, evaluated at `at` (unix time): parse, apply the cap,
    match the baseline, render the templates."""
    query = compiled.query
    try:
        response = parse_response(
            bodies.main, cap=query.max_series, content_type=bodies.main_type, deadline=deadline
        )
    except BadResponse as exc:
        # Most likely the wrong URL: every query shares it, so it is said once.
        raise SourceError(str(exc)) from None
    series = instant_series(response)
    outcome = Outcome([])
    baselines: dict[LabelKey, float | None] = {}
    scalar_baseline: float | None = None
    if bodies.baseline is not None and series:
        try:
            baselines, scalar_baseline = _baselines(series, bodies, deadline)
        except QueryFailed as exc:
            outcome.problems.append(QueryProblem(f"baseline: {exc}"))
    note = ""
    if response.total > query.max_series:
        note = (
            f"only {query.max_series} of {response.total} series shown: narrow the query "
            "or raise max_series"
        )
    polite = Courtesy(deadline)
    for count, item in enumerate(series, 1):
        if count % GIVE_WAY_EVERY == 0:
            polite()  # the screen first while a key is answered (core/sources/courtesy.py)
        if count % CHECK_EVERY == 0 and deadline is not None and time.monotonic() > deadline:
            raise TooSlow
        baseline = baselines.get(label_key(item.labels, without_name=True), scalar_baseline)
        observed = None if item.at is None else min(item.at, at)
        outcome.readings.append(
            _reading(compiled, item.labels, item.value, note, config_dir, baseline, observed)
        )
    if not series and query.kind != "change":
        outcome.readings.append(_no_series(compiled, config_dir))
    partial = partial_reason(response)
    if partial:
        # The values are what the server could see: kept, and marked as partial.
        outcome.readings = [replace(r, partial=partial) for r in outcome.readings]
    return outcome


def partial_reason(response: Response) -> str:
    """Why an answer is only partial, "" when whole: Prometheus' (and Thanos') warnings
    beside the data (a failed remote read, a store that did not answer), or
    VictoriaMetrics' isPartial. Prometheus' "PromQL info" notes are not warnings."""
    warnings = [w for w in response.warnings if not w.startswith("PromQL info")]
    if warnings:
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        return f"server warning: {warnings[0]}{more}"
    if response.is_partial:
        return "isPartial: some of the server's storage nodes did not answer"
    return ""


def instant_series(response: Response) -> list[Series]:
    if response.status != "success":
        raise QueryFailed(
            api_error(response.status, response.error_type, response.error)
            or "not a Prometheus API response (is the URL right?)"
        )
    if not response.has_data:
        raise QueryFailed("response has no data")
    result_type = response.result_type
    if result_type == "matrix":
        raise QueryFailed(
            "returned a range vector; wrap the range selector in a function such as "
            "rate() or max_over_time()"
        )
    if result_type == "string":
        raise QueryFailed("returned a string, not a number")
    if result_type not in ("vector", "scalar"):
        raise QueryFailed(f"unexpected result type {result_type[:40]!r}")
    return response.series


def _baselines(
    series: list[Series], bodies: Bodies, deadline: float | None
) -> tuple[dict[LabelKey, float | None], float | None]:
    """Baseline values by label key (metric name aside), or one scalar for all."""
    assert bodies.baseline is not None
    wanted = {label_key(item.labels, without_name=True) for item in series}
    try:
        response = parse_response(
            bodies.baseline,
            cap=len(wanted),
            content_type=bodies.baseline_type,
            wanted=wanted,
            match_without_name=True,
            deadline=deadline,
        )
    except BadResponse as exc:
        raise QueryFailed(str(exc)) from None
    found = instant_series(response)
    if response.result_type == "scalar":
        return {}, found[0].value if found else None
    return {label_key(item.labels, without_name=True): item.value for item in found}, None


def _reading(
    compiled: CompiledQuery,
    labels: dict[str, str],
    value: float | None,
    note: str,
    config_dir: Path,
    baseline: float | None = None,
    observed_at: float | None = None,
) -> Reading:
    summary = compiled.summary.render(labels)
    if note:
        # The store caps summaries; cut the template's text, never the warning.
        room = MAX_LINE - len(note) - 3
        summary = f"{summary[:room]} ({note})" if summary else note
    return Reading(
        key=series_key(compiled.index, labels),
        kind=compiled.query.kind,
        name=compiled.name.render(labels),
        value=value,
        unit=compiled.query.unit,
        labels=labels,
        summary=summary,
        runbook=compiled.runbook.render(labels, config_dir),
        thresholds=compiled.thresholds,
        query=compiled.query.query,
        baseline=baseline,
        component=compiled.component.render(labels),
        observed_at=observed_at,
    )


def _no_series(compiled: CompiledQuery, config_dir: Path) -> Reading:
    """The one signal of a query that returned nothing: ok when that is good news
    (`no_data = "ok"`), else unknown (no data), so a query that stopped matching is
    seen rather than silently gone. Its key is the one a series without labels would
    have (`sum(...)` over nothing), so such a query keeps one row either way."""
    ok = compiled.query.no_data == "ok"
    runbook = compiled.runbook if not compiled.runbook.template.labels else None
    return Reading(
        key=series_key(compiled.index, {}),
        kind=compiled.query.kind,
        name=without_labels(compiled.name),
        unit=compiled.query.unit,
        summary="no series (nothing to report)" if ok else "no series: the query returned nothing",
        runbook=runbook.render({}, config_dir) if runbook else None,
        status=Status.OK if ok else Status.UNKNOWN,
        query=compiled.query.query,
        # Nothing left of "{service}": the store then uses the name.
        component=without_labels(compiled.component, fallback=""),
    )


def without_labels(template: LabelTemplate, *, fallback: str | None = None) -> str:
    """A template's text with its {labels} left out ("{service} errors" -> "errors");
    when nothing but labels is left ("{product}/{rule}"), `fallback`, by default the
    template itself."""
    literal = "".join(text for text, _ in template.parts)
    cleaned = _SEPARATORS.sub("", " ".join(literal.split()))
    return cleaned or (template.text if fallback is None else fallback)
