"""The openmetrics source: scrape one /metrics endpoint, compute what a PromQL query
would, one signal per selected series.

For the platforms where no Prometheus is in reach of the bastion, or it is the thing
that is down: the services' own exporters still answer.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oncall_tui.plugin import (
    MAX_LINE,
    Kind,
    LabelTemplate,
    Plugin,
    Reading,
    RunbookTemplate,
    SourceContext,
    SourceError,
    Thresholds,
    sanitize,
    without_cycle_collector,
)
from oncall_tui.plugin.http import HTTPClientMixin, get_text

from .config import Metric, OpenMetricsConfig
from .scrape import ACCEPT, Exposition, Labels, parse
from .series import (
    Matcher,
    Rates,
    divide,
    histogram_quantile,
    label_key,
    matches,
    sum_by,
)

_MAX_KEY = 200
"""Keys longer than this (many or long labels) are hashed, so they stay unique after the
store's length cap."""

FIRST_SCRAPE = "no data yet: a rate needs a second scrape"


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A metric table with its templates and matchers parsed once, not per series."""

    index: int
    metric: Metric
    name: LabelTemplate
    summary: LabelTemplate
    component: LabelTemplate
    runbook: RunbookTemplate
    matchers: tuple[Matcher, ...]
    thresholds: Thresholds
    query: str

    @property
    def sample_name(self) -> str:
        """The sample name whose series become signals."""
        if self.metric.quantile is not None:
            return self.metric.metric.removesuffix("_bucket") + "_bucket"
        return self.metric.selected

    @property
    def label(self) -> str:
        """How messages name it: the path `oncall-tui validate` prints."""
        return f"metrics[{self.index}]"


@dataclass(frozen=True, slots=True)
class _Series:
    labels: Labels
    value: float | None
    pending: bool
    """No value because a rate has only one sample so far."""


def series_key(index: int, labels: Mapping[str, str]) -> str:
    """Stable, unique key of one series of metric table `index` (JSON with ASCII escapes
    is injective and printable; long keys hashed to survive the store's cap)."""
    key = f"m{index}" + json.dumps(
        dict(sorted(labels.items())), ensure_ascii=True, separators=(",", ":")
    )
    if len(key) > _MAX_KEY:
        key = f"m{index}#" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


class OpenMetricsPlugin(HTTPClientMixin, Plugin[OpenMetricsConfig]):
    """Scrapes a Prometheus /metrics endpoint; every selected series is one signal."""

    description = (
        "A /metrics endpoint scraped directly (gauges, counter rates, ratios, quantiles)\n"
        "No SLO burn rates or canary verdicts here: they need error counts over windows\n"
        "of minutes to days (a canary's 10m, an SLO's 1h to 30d), which a scrape does not\n"
        "hold and this source keeps only its last two samples of. Point a prometheus\n"
        "source's [[slos]] and [[canaries]] at the same metrics instead."
    )

    def __init__(self, config: OpenMetricsConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._metrics = tuple(_compile(i, metric) for i, metric in enumerate(config.metrics))
        wanted = {compiled.sample_name for compiled in self._metrics}
        wanted |= {m.ratio_of.denominator for m in config.metrics if m.ratio_of is not None}
        self._wanted = frozenset(wanted)
        self._rates = Rates()

    def kinds(self) -> frozenset[Kind]:
        return frozenset(metric.kind for metric in self.config.metrics)

    def needs_two_samples(self) -> bool:
        return any(metric.rate for metric in self.config.metrics)

    def client_options(self) -> Mapping[str, Any]:
        return {"headers": {"Accept": ACCEPT}}

    async def collect(self) -> Sequence[Reading]:
        text, content_type = await get_text(self.http(), self.config.url)
        # Samples are timestamped when the body has arrived: the exporter computed them
        # just before sending it, whereas the time before the request includes the
        # client's own setup (a first connection, a TLS handshake), which would skew
        # the first rate.
        scraped_at = time.monotonic()
        wanted = self._wanted
        # Parsing a large exposition and picking its series is CPU work: off the event
        # loop, on this source's own thread, so the screen keeps moving (50,000 series
        # picked on the loop held it 0.65 s, 200,000 2.6 s).
        exposition = await self.context.run_blocking(
            lambda: without_cycle_collector(lambda: parse(text, content_type, wanted))
        )
        readings, missing = await self.context.run_blocking(
            lambda: without_cycle_collector(lambda: self._select(exposition, scraped_at))
        )
        if not missing:
            return readings
        first, name = missing[0]
        message = f"{first.label}: no metric named {name!r} in the exposition"
        if len(missing) > 1:
            message += f" (and {len(missing) - 1} more of {len(self._metrics)})"
        message = sanitize(message, MAX_LINE)
        if len(missing) < len(self._metrics):
            raise SourceError(message, readings=readings)
        raise SourceError(message)

    # -- selection ----------------------------------------------------------------

    def _select(
        self, exposition: Exposition, scraped_at: float
    ) -> tuple[list[Reading], list[tuple[_Compiled, str]]]:
        """Every configured metric's readings, and the metrics the exposition lacks
        (with the first missing name). Blocking: run off the loop."""
        readings: list[Reading] = []
        missing: list[tuple[_Compiled, str]] = []
        self._rates.begin(scraped_at)
        for compiled in self._metrics:
            names = {compiled.sample_name}
            if compiled.metric.ratio_of is not None:
                names.add(compiled.metric.ratio_of.denominator)
            absent = sorted(names - exposition.declared)
            if absent:
                missing.append((compiled, absent[0]))
                continue
            readings.extend(self._readings(compiled, exposition))
        self._rates.commit()
        return readings, missing

    def _readings(self, compiled: _Compiled, exposition: Exposition) -> list[Reading]:
        metric = compiled.metric
        if metric.quantile is not None:
            series = self._quantiles(compiled, exposition)
        elif metric.ratio_of is not None:
            series = self._ratios(compiled, exposition)
        else:
            series = [
                self._value(compiled, compiled.sample_name, labels, value)
                for labels, value in _unique(exposition.samples.get(compiled.sample_name, []))
                if matches(compiled.matchers, labels)
            ]
        keyed = sorted(((series_key(compiled.index, s.labels), s) for s in series), key=_first)
        note = ""
        if len(keyed) > metric.max_series:
            note = (
                f"only {metric.max_series} of {len(keyed)} series shown: narrow `match` "
                "or raise max_series"
            )
            keyed = keyed[: metric.max_series]
        help_text = exposition.help.get(compiled.sample_name, "")
        return [self._reading(compiled, key, s, note, help_text) for key, s in keyed]

    def _value(
        self, compiled: _Compiled, name: str, labels: Labels, value: float | None
    ) -> _Series:
        if not compiled.metric.rate:
            return _Series(labels, value, False)
        key = (compiled.index, name, label_key(labels))
        pending = value is not None and not self._rates.seen(key)
        return _Series(labels, self._rates.rate(key, value), pending)

    def _ratios(self, compiled: _Compiled, exposition: Exposition) -> list[_Series]:
        ratio = compiled.metric.ratio_of
        assert ratio is not None
        denominators = [
            self._value(compiled, ratio.denominator, labels, value)
            for labels, value in _unique(exposition.samples.get(ratio.denominator, []))
        ]
        sums = sum_by(((d.labels, d.value) for d in denominators), ratio.by)
        waiting = {_group(d.labels, ratio.by) for d in denominators if d.pending}
        out = []
        for labels, value in _unique(exposition.samples.get(ratio.numerator, [])):
            if not matches(compiled.matchers, labels):
                continue
            numerator = self._value(compiled, ratio.numerator, labels, value)
            group = _group(labels, ratio.by)
            pending = numerator.pending or group in waiting
            out.append(_Series(labels, divide(numerator.value, sums.get(group)), pending))
        return out

    def _quantiles(self, compiled: _Compiled, exposition: Exposition) -> list[_Series]:
        quantile = compiled.metric.quantile
        assert quantile is not None
        groups: dict[tuple[tuple[str, str], ...], list[tuple[float, _Series]]] = {}
        for labels, value in _unique(exposition.samples.get(compiled.sample_name, [])):
            bound = _upper_bound(labels.get("le"))
            rest = {name: text for name, text in labels.items() if name != "le"}
            if bound is None or not matches(compiled.matchers, rest):
                continue
            bucket = self._value(compiled, compiled.sample_name, labels, value)
            groups.setdefault(label_key(rest), []).append((bound, bucket))
        out = []
        for key, buckets in groups.items():
            value = histogram_quantile(quantile, ((b, s.value) for b, s in buckets))
            pending = any(s.pending for _, s in buckets)
            out.append(_Series(dict(key), value, pending))
        return out

    def _reading(
        self, compiled: _Compiled, key: str, series: _Series, note: str, help_text: str
    ) -> Reading:
        labels = series.labels
        if series.pending:
            summary = FIRST_SCRAPE
        else:
            summary = compiled.summary.render(labels) if compiled.summary.text else help_text
        if note:
            # The store caps summaries; cut the template's text, never the warning.
            room = MAX_LINE - len(note) - 3
            summary = f"{summary[:room]} ({note})" if summary else note
        return Reading(
            key=key,
            kind=compiled.metric.kind,
            name=compiled.name.render(labels),
            value=series.value,
            unit=compiled.metric.shown_unit,
            labels=labels,
            summary=summary,
            runbook=compiled.runbook.render(labels, self.context.config_dir),
            thresholds=compiled.thresholds,
            query=compiled.query,
            component=compiled.component.render(labels),
        )


def _compile(index: int, metric: Metric) -> _Compiled:
    matchers = tuple(Matcher.parse(label, value) for label, value in metric.match.items())
    return _Compiled(
        index=index,
        metric=metric,
        name=LabelTemplate.parse(metric.name),
        summary=LabelTemplate.parse(metric.summary),
        component=LabelTemplate.parse(metric.component),
        runbook=RunbookTemplate.parse(metric.runbook),
        matchers=matchers,
        thresholds=metric.thresholds(),
        query=_describe(metric, matchers),
    )


def _describe(metric: Metric, matchers: tuple[Matcher, ...]) -> str:
    """The selection written as the PromQL query that computes the same, for the
    detail screen: an engineer knows what `rate(x[...])` means."""

    def selector(name: str, with_matchers: bool = True) -> str:
        inner = ", ".join(m.promql() for m in matchers) if with_matchers else ""
        text = f"{name}{{{inner}}}" if inner else name
        return f"rate({text})" if metric.rate else text

    if metric.ratio_of is not None:
        ratio = metric.ratio_of
        by = ", ".join(ratio.by)
        return (
            f"{selector(ratio.numerator)} / on({by}) group_left "
            f"sum by ({by}) ({selector(ratio.denominator, False)})"
        )
    if metric.quantile is not None:
        bucket = metric.metric.removesuffix("_bucket") + "_bucket"
        return f"histogram_quantile({metric.quantile:g}, {selector(bucket)})"
    return selector(metric.metric)


def _group(labels: Mapping[str, str], by: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The `by` labels' values, as `sum_by` groups them."""
    return tuple((name, labels.get(name, "")) for name in by)


def _unique(
    series: list[tuple[Labels, float | None]],
) -> list[tuple[Labels, float | None]]:
    """One sample per label set (an exposition repeating a series keeps the first)."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    out = []
    for labels, value in series:
        key = label_key(labels)
        if key not in seen:
            seen.add(key)
            out.append((labels, value))
    return out


def _upper_bound(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        bound = float(text)
    except ValueError:
        return None
    return None if math.isnan(bound) else bound


def _first(entry: tuple[str, _Series]) -> str:
    return entry[0]
