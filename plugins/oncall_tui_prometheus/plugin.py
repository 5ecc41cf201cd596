"""The prometheus source: one instant query per configured query, one signal per series."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from oncall_tui.plugin import (
    MAX_LINE,
    HTTPStatusError,
    Kind,
    LabelTemplate,
    Plugin,
    Reading,
    RunbookTemplate,
    SourceContext,
    SourceError,
    Thresholds,
    as_number,
    client_for,
    get_json,
    sanitize,
)

from .config import PrometheusConfig, Query

_MAX_KEY = 200
"""Keys longer than this (many or long labels) are hashed, so they stay unique after the
store's length cap."""


class _QueryFailed(SourceError):
    """A failure that belongs to one query (a PromQL error, an odd result), as opposed
    to the server being unreachable, which every query shares."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A query with its templates parsed and thresholds built once, not per series."""

    index: int
    query: Query
    name: LabelTemplate
    runbook: RunbookTemplate
    summary: LabelTemplate
    thresholds: Thresholds

    @property
    def label(self) -> str:
        """How messages name the query: the same path `oncall-tui validate` prints."""
        return f"queries[{self.index}] ({self.query.name})"


def series_key(index: int, labels: Mapping[str, str]) -> str:
    """Stable, unique key of one series of query `index`.

    JSON with ASCII escapes is injective and printable, so two label sets never share a
    key, and the store's sanitiser (which escapes control characters) cannot merge two
    keys either. Long keys are hashed to survive the store's length cap.
    """
    key = f"q{index}" + json.dumps(
        dict(sorted(labels.items())), ensure_ascii=True, separators=(",", ":")
    )
    if len(key) > _MAX_KEY:
        key = f"q{index}#" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


class PrometheusPlugin(Plugin[PrometheusConfig]):
    """Runs PromQL instant queries; every returned series is one signal."""

    Config = PrometheusConfig
    description = "PromQL queries against Prometheus, Thanos, Mimir or VictoriaMetrics"

    def __init__(self, config: PrometheusConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._endpoint = f"{config.url}/api/v1/query"
        self._queries = tuple(
            _Compiled(
                index=index,
                query=query,
                name=LabelTemplate.parse(query.name),
                runbook=RunbookTemplate.parse(query.runbook),
                summary=LabelTemplate.parse(query.summary),
                thresholds=query.thresholds(),
            )
            for index, query in enumerate(config.queries)
        )
        # Created on first use, inside the running event loop, and reused: one pool of
        # keep-alive connections instead of a TCP (and TLS) handshake per query.
        self._client: httpx.AsyncClient | None = None

    def kinds(self) -> frozenset[Kind]:
        return frozenset(query.kind for query in self.config.queries)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            # Registers the URL's password, headers and tokens with the redactor.
            self._client = client_for(self.config, self.context)
        return self._client

    async def collect(self) -> Sequence[Reading]:
        client = self._http()
        # All queries finish (the engine's deadline bounds them) so the error can say how
        # many failed, not just the first.
        results = await asyncio.gather(
            *(self._run(client, compiled) for compiled in self._queries),
            return_exceptions=True,
        )
        readings: list[Reading] = []
        failures: list[tuple[_Compiled, BaseException]] = []
        for compiled, result in zip(self._queries, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, SourceError):
                    raise result
                failures.append((compiled, result))
            else:
                readings.extend(result)
        if not failures:
            return readings
        message = self._failure_message(failures)
        if len(failures) < len(self._queries):
            # The queries that worked keep their signals; only the failed ones' turn
            # unknown.
            raise SourceError(message, readings=readings)
        raise SourceError(message)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def _run(self, client: httpx.AsyncClient, compiled: _Compiled) -> list[Reading]:
        params = {"query": compiled.query.query}
        if self.context.timeout > 0:
            # Lets the server abandon a query nobody waits for any more.
            params["timeout"] = f"{self.context.timeout:g}"
        try:
            payload = await get_json(client, self._endpoint, params=params)
        except HTTPStatusError as exc:
            api_error = _api_error(exc.payload)
            if api_error:
                raise _QueryFailed(api_error) from None
            raise
        if not isinstance(payload, dict):
            raise _QueryFailed("not a Prometheus API response (is the URL right?)")
        if payload.get("status") != "success":
            raise _QueryFailed(
                _api_error(payload) or "not a Prometheus API response (is the URL right?)"
            )
        return self._readings(compiled, payload.get("data"))

    def _readings(self, compiled: _Compiled, data: object) -> list[Reading]:
        if not isinstance(data, dict):
            raise _QueryFailed("response has no data")
        result_type, result = data.get("resultType"), data.get("result")
        if result_type == "scalar":
            return [self._reading(compiled, {}, _sample_value(result), "")]
        if result_type == "matrix":
            raise _QueryFailed(
                "returned a range vector; wrap the range selector in a function such as "
                "rate() or max_over_time()"
            )
        if result_type == "string":
            raise _QueryFailed("returned a string, not a number")
        if result_type != "vector" or not isinstance(result, list):
            raise _QueryFailed(f"unexpected result type {str(result_type)[:40]!r}")

        series: list[tuple[str, dict[str, str], float | None]] = []
        for item in result:
            if not isinstance(item, dict):
                raise _QueryFailed("malformed series in response")
            labels = _labels(item.get("metric"))
            # A native histogram sample has "histogram" instead of "value": no number.
            series.append(
                (series_key(compiled.index, labels), labels, _sample_value(item.get("value")))
            )
        note = ""
        cap = compiled.query.max_series
        if len(series) > cap:
            # Keep the same series every time (by key), or signals would flap in and out.
            series.sort(key=lambda entry: entry[0])
            note = f"only {cap} of {len(series)} series shown: narrow the query or raise max_series"
            series = series[:cap]
        return [self._reading(compiled, labels, value, note, key) for key, labels, value in series]

    def _reading(
        self,
        compiled: _Compiled,
        labels: dict[str, str],
        value: float | None,
        note: str,
        key: str | None = None,
    ) -> Reading:
        summary = compiled.summary.render(labels)
        if note:
            # The store caps summaries; cut the template's text, never the warning.
            room = MAX_LINE - len(note) - 3
            summary = f"{summary[:room]} ({note})" if summary else note
        return Reading(
            key=key or series_key(compiled.index, labels),
            kind=compiled.query.kind,
            name=compiled.name.render(labels),
            value=value,
            unit=compiled.query.unit,
            labels=labels,
            summary=summary,
            runbook=compiled.runbook.render(labels, self.context.config_dir),
            thresholds=compiled.thresholds,
            query=compiled.query.query,
        )

    def _failure_message(self, failures: list[tuple[_Compiled, BaseException]]) -> str:
        texts = {str(exc) for _, exc in failures}
        shared = not any(isinstance(exc, _QueryFailed) for _, exc in failures)
        if shared and len(texts) == 1:
            # Server down or wrong URL: the same reason for every query, said once.
            message = texts.pop()
        else:
            first = next(((c, e) for c, e in failures if isinstance(e, _QueryFailed)), failures[0])
            message = f"{first[0].label}: {first[1]}"
            if len(failures) > 1:
                message += f" (and {len(failures) - 1} more of {len(self._queries)} failed)"
        # Server-supplied text (a JSON error body, an odd result type) may echo a header
        # or the URL's password, and may carry control characters; the message is shown
        # as it is. sanitize redacts (every secret client_for registered) before the cut,
        # so no prefix of a secret survives.
        return sanitize(message, MAX_LINE)


def _api_error(payload: object) -> str:
    """ "bad_data: parse error at char 5: ..." from a Prometheus error body, or ""."""
    if not isinstance(payload, dict) or payload.get("status") != "error":
        return ""
    error_type = str(payload.get("errorType") or "error")
    error = str(payload.get("error") or "no detail")
    return f"{error_type}: {error}"


def _labels(metric: object) -> dict[str, str]:
    if not isinstance(metric, dict):
        return {}
    return {str(name): str(value) for name, value in metric.items()}


def _sample_value(sample: object) -> float | None:
    """The number in a [timestamp, "value"] pair; NaN, ±Inf or anything odd is None."""
    if isinstance(sample, list) and len(sample) == 2:
        return as_number(sample[1])
    return None
