"""The prometheus source: PromQL instant queries, one signal per returned series.

One request per query (and one per baseline) per collection, concurrent up to
`max_concurrency`; the bodies are parsed off the event loop (see parse.py), and once,
on the second collection, one query_range per query fills the charts (and two per SLO
table its budget chart).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Protocol, TypeVar

import httpx

from oncall_tui.plugin import (
    MAX_LINE,
    Kind,
    Plugin,
    Reading,
    SourceContext,
    SourceError,
    format_duration,
    sanitize,
    without_cycle_collector,
)
from oncall_tui.plugin.http import Body, HTTPClientMixin, HTTPStatusError, get_bytes

from .build import (
    Bodies,
    CompiledQuery,
    Outcome,
    QueryFailed,
    QueryProblem,
    api_error,
    build,
    instant_series,
    series_key,
)
from .config import PrometheusConfig
from .early import Point, early_jobs, slo_budget_history
from .parse import BadResponse, LabelKey, Series, TooSlow, label_key, parse_response

__all__ = ["PrometheusPlugin", "series_key"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_ACCEPT_JSON = {"Accept": "application/json"}
_LIMIT_WORDS = re.compile(
    r"err-mimir-|err-cortex|exceeded the (?:maximum|limit)|\(limit: \d|limit exceeded"
    r"|too many (?:samples|series|chunks|outstanding)|max(?:imum)? number of",
    re.IGNORECASE,
)
"""Words of a query-limit refusal (Mimir's err-mimir-max-series-per-query, Cortex's
"the query hit the max number of chunks limit")."""
INLINE_BYTES = 64 * 1024
"""Bodies smaller than this are parsed on the event loop (a few milliseconds at most);
larger ones in the source's worker thread."""
BACKFILL_POINTS = 360
"""Most points per series asked of a backfill: the store's default history length."""
BACKFILL_SHARE = 0.8
"""Share of the collection's deadline the backfill may use, so it never makes the
collection itself time out."""


class _Named(Protocol):
    @property
    def label(self) -> str: ...


class PrometheusPlugin(HTTPClientMixin, Plugin[PrometheusConfig]):
    """Runs PromQL instant queries; every returned series is one signal."""

    description = "PromQL queries against Prometheus, Thanos, Mimir or VictoriaMetrics"

    def __init__(self, config: PrometheusConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._endpoint = f"{config.url}/api/v1/query"
        self._range_endpoint = f"{config.url}/api/v1/query_range"
        self._queries = tuple(
            CompiledQuery.compile(index, query) for index, query in enumerate(config.queries)
        )
        self._early = early_jobs(config.slos, config.canaries, config.slo_rules, context.config_dir)
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._worker: ThreadPoolExecutor | None = None
        self._backfill = "waiting" if config.backfill > 0 else "done"
        """waiting (for a first collection with readings), due, done (tried once)."""

    def kinds(self) -> frozenset[Kind]:
        kinds: set[Kind] = {query.kind for query in self.config.queries}
        kinds |= {table.kind for table in [*self.config.slos, *self.config.canaries]}
        return frozenset(kinds | ({"health"} if self.config.slo_rules else set()))

    async def collect(self) -> Sequence[Reading]:
        started = time.monotonic()
        deadline = started + self.context.timeout
        # The evaluation time, sent with every query: a sample stamped earlier than this
        # is that old (a cache, a lagging replica), whatever the two clocks say.
        at = round(time.time(), 3)
        client = self.http()
        backfill_due = self._backfill == "due"

        # All queries finish (the engine's deadline bounds them) so the error can say how
        # many failed, not just the first.
        async def fetch(expression: str, cap: int) -> list[Series]:
            return await self._series(client, expression, cap, at, deadline)

        results, early = await asyncio.gather(
            asyncio.gather(
                *(self._run(client, compiled, at, deadline) for compiled in self._queries),
                return_exceptions=True,
            ),
            asyncio.gather(*(job(fetch) for _, job in self._early), return_exceptions=True),
        )
        readings: list[Reading] = []
        failures: list[tuple[_Named, BaseException]] = []
        succeeded: list[tuple[CompiledQuery, list[Reading]]] = []
        answered = False
        for (named, _), found in zip(self._early, early, strict=True):
            if isinstance(found, BaseException):
                if not isinstance(found, SourceError):
                    raise found
                failures.append((named, found))
            else:
                answered = True
                readings.extend(found)
        for compiled, result in zip(self._queries, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, SourceError):
                    raise result
                failures.append((compiled, result))
                continue
            failures.extend((compiled, problem) for problem in result.problems)
            succeeded.append((compiled, result.readings))
        if backfill_due and (succeeded or answered):
            self._backfill = "done"  # tried once, whatever comes of it
            succeeded, readings = await self._backfilled(client, succeeded, readings, at, started)
        for _, outcome_readings in succeeded:
            readings.extend(outcome_readings)
        if readings and self._backfill == "waiting":
            self._backfill = "due"
        elapsed = time.monotonic() - started
        if elapsed > self.context.timeout:
            # Late is not ok: the engine could not stop a loop that was blocked.
            raise SourceError(
                f"took {format_duration(elapsed)}, over its timeout of "
                f"{format_duration(self.context.timeout)}",
                readings=readings,
            )
        if not failures:
            return readings
        message = self._failure_message(failures)
        if succeeded or answered:
            # The queries that worked keep their signals; only the failed ones' turn
            # unknown.
            raise SourceError(message, readings=readings)
        raise SourceError(message)

    async def aclose(self) -> None:
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.shutdown(wait=False, cancel_futures=True)
        await super().aclose()

    # -- one query -------------------------------------------------------------------

    async def _run(
        self, client: httpx.AsyncClient, compiled: CompiledQuery, at: float, deadline: float
    ) -> Outcome:
        query = compiled.query
        requests = [self._instant(client, query.query, at)]
        if query.baseline:
            requests.append(self._instant(client, query.baseline, at))
        answers = await asyncio.gather(*requests, return_exceptions=True)
        main = answers[0]
        if isinstance(main, BaseException):
            raise _query_error(main)
        baseline: Body | None = None
        problems: list[QueryProblem] = []
        if len(answers) > 1:
            answer = answers[1]
            if isinstance(answer, BaseException):
                failed = _query_error(answer)
                problems.append(QueryProblem(f"baseline: {failed}"))
            else:
                baseline = answer
        bodies = Bodies(
            main.content,
            main.content_type,
            baseline.content if baseline else None,
            baseline.content_type if baseline else "",
        )
        outcome = await self._offload(
            lambda: build(
                compiled, bodies, at=at, config_dir=self.context.config_dir, deadline=deadline
            ),
            bodies.size,
        )
        outcome.problems[:0] = problems
        return outcome

    async def _instant(self, client: httpx.AsyncClient, expression: str, at: float) -> Body:
        params = {"query": expression, "time": f"{at:.3f}"}
        if self.context.timeout > 0:
            # Lets the server abandon a query nobody waits for any more.
            params["timeout"] = f"{self.context.timeout:g}"
        async with self._slots:
            return await get_bytes(client, self._endpoint, params=params, headers=_ACCEPT_JSON)

    async def _series(
        self, client: httpx.AsyncClient, expression: str, cap: int, at: float, deadline: float
    ) -> list[Series]:
        """The series of one instant query of an SLO or canary table."""
        try:
            body = await self._instant(client, expression, at)
        except Exception as exc:
            raise _query_error(exc) from None
        try:
            response = await self._offload(
                lambda: parse_response(
                    body.content, cap=cap, content_type=body.content_type, deadline=deadline
                ),
                len(body.content),
            )
        except BadResponse as exc:
            raise SourceError(str(exc)) from None
        return instant_series(response)

    async def _offload(self, work: Callable[[], T], size: int) -> T:
        """Run `work` (parsing) where it cannot freeze the screen: this source's own
        worker thread, one job at a time, the cycle collector paused. A small body is
        not worth the hop."""
        if size < INLINE_BYTES:
            return work()
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix=f"oncall-{self.context.name}")
        return await asyncio.get_running_loop().run_in_executor(
            self._worker, lambda: without_cycle_collector(work)
        )

    # -- backfill --------------------------------------------------------------------

    async def _backfilled(
        self,
        client: httpx.AsyncClient,
        succeeded: list[tuple[CompiledQuery, list[Reading]]],
        early: list[Reading],
        at: float,
        started: float,
    ) -> tuple[list[tuple[CompiledQuery, list[Reading]]], list[Reading]]:
        """`succeeded` and the `early` (SLO, canary) readings with earlier samples
        attached: one query_range per query (Reading.history), and per SLO table the
        budget left over the same span (Reading.budget_history, see
        early.slo_budget_history), all within a share of the deadline. Best effort:
        whatever fails or is late is left out, never failing the collection."""
        budget_end = started + BACKFILL_SHARE * self.context.timeout

        async def fetch_range(expression: str, cap: int, step: float) -> list[Series]:
            return await self._range(client, expression, cap, at, budget_end, step=step)

        jobs: list[asyncio.Future[tuple[str, dict[str, list[Point]]]]] = [
            asyncio.ensure_future(self._history(client, compiled, readings, at, budget_end))
            for compiled, readings in succeeded
            if compiled.query.kind != "change" and any(r.value is not None for r in readings)
        ]
        if any(reading.slo is not None for reading in early):
            jobs += [
                asyncio.ensure_future(slo_budget_history(index, slo, fetch_range, at))
                for index, slo in enumerate(self.config.slos)
            ]
        if not jobs:
            return succeeded, early
        remaining = budget_end - time.monotonic()
        late: set[asyncio.Future[Any]] = set(jobs)
        if remaining > 0:
            _, late = await asyncio.wait(jobs, timeout=remaining)
        for job in late:
            job.cancel()
        if late:
            await asyncio.wait(late)  # a cancelled request or parse wait ends at once
        found: dict[str, dict[str, list[Point]]] = {"history": {}, "budget_history": {}}
        for job in jobs:
            if job.cancelled():
                continue
            if job.exception() is not None:  # a bug of ours: never the collection's end
                log.debug("backfill failed", exc_info=job.exception())
                continue
            field, points = job.result()
            found[field].update(points)

        values, budgets = found["history"], found["budget_history"]

        def filled(readings: list[Reading]) -> list[Reading]:
            out = []
            for reading in readings:
                if reading.key in values:
                    reading = replace(reading, history=values[reading.key])
                if reading.key in budgets:
                    reading = replace(reading, budget_history=budgets[reading.key])
                out.append(reading)
            return out

        return [(compiled, filled(readings)) for compiled, readings in succeeded], filled(early)

    async def _history(
        self,
        client: httpx.AsyncClient,
        compiled: CompiledQuery,
        readings: list[Reading],
        at: float,
        deadline: float,
    ) -> tuple[str, dict[str, list[Point]]]:
        """The query's earlier samples by reading key, for the series it kept."""
        wanted = {label_key(dict(reading.labels)): reading.key for reading in readings}
        query = compiled.query
        try:
            found = await self._range(client, query.query, query.max_series, at, deadline, wanted)
        except (SourceError, BadResponse, TooSlow) as exc:
            log.debug("backfill of %s skipped: %s", compiled.label, exc or "too slow")
            return "history", {}
        points = {label_key(series.labels): series.points for series in found if series.points}
        return "history", {wanted[k]: p for k, p in points.items() if k in wanted}

    async def _range(
        self,
        client: httpx.AsyncClient,
        expression: str,
        cap: int,
        at: float,
        deadline: float,
        wanted: Collection[LabelKey] | None = None,
        step: float = 0.0,
    ) -> list[Series]:
        """The series of one query_range over the backfill span (only the `wanted`
        ones, if given): at most BACKFILL_POINTS points each, `step` apart or one per
        collection interval when the span allows."""
        span = self.config.backfill
        step = max(step, self.context.interval, span / BACKFILL_POINTS)
        params = {
            "query": expression,
            "start": f"{at - span:.3f}",
            "end": f"{at:.3f}",
            "step": f"{step:g}",
        }
        async with self._slots:
            body = await get_bytes(
                client, self._range_endpoint, params=params, headers=_ACCEPT_JSON
            )
        return await self._offload(
            lambda: _range_series(body, cap, deadline, wanted), len(body.content)
        )

    # -- messages --------------------------------------------------------------------

    def _failure_message(self, failures: list[tuple[_Named, BaseException]]) -> str:
        texts = {str(exc) for _, exc in failures}
        shared = not any(isinstance(exc, QueryFailed) for _, exc in failures)
        if shared and len(texts) == 1:
            # Server down or wrong URL: the same reason for every query, said once.
            message = texts.pop()
        else:
            # A failed query before a mere warning; a query's own error before a
            # shared one.
            hard = [(c, e) for c, e in failures if not isinstance(e, QueryProblem)]
            ranked = sorted(
                failures,
                key=lambda f: (isinstance(f[1], QueryProblem), not isinstance(f[1], QueryFailed)),
            )
            compiled, first = ranked[0]
            text = str(first)
            # "partial: queries[0] (...): refused by a server limit": said first.
            if text.startswith("partial: "):
                message = f"partial: {compiled.label}: {text.removeprefix('partial: ')}"
            else:
                message = f"{compiled.label}: {text}"
            if len(hard) > 1:
                jobs = len(self._queries) + len(self._early)
                message += f" (and {len(hard) - 1} more of {jobs} failed)"
            elif len(failures) > 1:
                message += f" (and {len(failures) - 1} more problems)"
        # Server-supplied text (a JSON error body, an odd result type) may echo a header
        # or the URL's password, and may carry control characters; the message is shown
        # as it is. sanitize redacts (every secret client_for registered) before the cut,
        # so no prefix of a secret survives.
        return sanitize(message, MAX_LINE)


def _query_error(exc: BaseException) -> BaseException:
    """A Prometheus error body (400 bad_data, 422 execution, 503 timeout) belongs to
    the query; anything else (server down) is left as it is. A 422 or 429 is a server
    limit refusing the query (Mimir, Cortex: too many series, too many requests): the
    source answered only partly, said with the limit's own message."""
    if isinstance(exc, HTTPStatusError) and exc.status_code in (422, 429):
        payload = exc.payload
        detail = payload.get("error") if isinstance(payload, dict) else payload
        detail = " ".join(str(detail).split()) if detail else ""
        # Prometheus' own 422 is any execution error (many-to-many matching): only a
        # message naming a limit is one.
        if exc.status_code == 429 or _LIMIT_WORDS.search(detail):
            return QueryFailed(
                f"partial: refused by a server limit ({exc}): {detail or 'no message'}"
            )
    if isinstance(exc, HTTPStatusError) and isinstance(exc.payload, dict):
        payload = exc.payload
        message = api_error(
            str(payload.get("status")), str(payload.get("errorType") or ""),
            str(payload.get("error") or ""),
        )  # fmt: skip
        if message:
            return QueryFailed(message)
    return exc


def _range_series(
    body: Body, cap: int, deadline: float, wanted: Collection[LabelKey] | None
) -> list[Series]:
    """The series of a query_range answer, each with its points."""
    response = parse_response(
        body.content, cap=cap, content_type=body.content_type, wanted=wanted, deadline=deadline
    )
    if response.status != "success" or response.result_type != "matrix":
        raise BadResponse(api_error(response.status, response.error_type, response.error))
    return list(response.series)
