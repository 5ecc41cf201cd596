"""What PromQL would compute, for one scrape of one target: label matching, rates
between scrapes, sums by labels, histogram quantiles.

Kept to the semantics of Prometheus so a panel built on `openmetrics` reads the same as
one built on a `prometheus` source: a counter reset counts from zero, a rate needs two
samples, division by zero and an empty histogram are no data, never 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

LabelKey = tuple[tuple[str, str], ...]


def label_key(labels: Mapping[str, str]) -> LabelKey:
    return tuple(sorted(labels.items()))


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher: an exact value, or a regular expression over the whole value."""

    label: str
    value: str
    pattern: re.Pattern[str] | None

    @classmethod
    def parse(cls, label: str, value: str) -> Matcher:
        if value.startswith("~"):
            return cls(label, value, re.compile(value[1:]))
        return cls(label, value, None)

    def __call__(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.pattern is None:
            return actual == self.value
        return self.pattern.fullmatch(actual) is not None

    def promql(self) -> str:
        op, text = ("=~", self.value[1:]) if self.pattern is not None else ("=", self.value)
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.label}{op}"{escaped}"'


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(matcher(labels) for matcher in matchers)


class Rates:
    """Per-second rates of counters between this scrape and the previous one.

    Holds only the series seen in the latest scrape, so a series that goes away does not
    stay in memory for the weeks a wallboard runs.
    """

    def __init__(self) -> None:
        self._previous: dict[Hashable, tuple[float, float]] = {}
        self._current: dict[Hashable, tuple[float, float]] = {}
        self._at = 0.0

    def begin(self, at: float) -> None:
        """Start a scrape taken at `at` (monotonic seconds)."""
        self._current = {}
        self._at = at

    def seen(self, key: Hashable) -> bool:
        """Whether series `key` was in the previous scrape (so it has a rate now)."""
        return key in self._previous

    def rate(self, key: Hashable, value: float | None) -> float | None:
        """The rate of series `key` since the previous scrape; None on its first scrape,
        when its value is not a number, or when no time has passed."""
        if value is None:
            return None
        previous = self._previous.get(key)
        self._current[key] = (value, self._at)
        if previous is None:
            return None
        before, then = previous
        elapsed = self._at - then
        if elapsed <= 0:
            return None
        # A counter that went down was reset (the target restarted): as in Prometheus,
        # its whole new value is the increase since then.
        increase = value - before if value >= before else value
        return increase / elapsed

    def commit(self) -> None:
        """The scrape is complete: it becomes the previous one."""
        self._previous, self._current = self._current, {}

    def __len__(self) -> int:
        return len(self._previous)


def sum_by(
    series: Iterable[tuple[Mapping[str, str], float | None]], by: Iterable[str]
) -> dict[LabelKey, float | None]:
    """Values summed per value of the `by` labels; a group with any unknown member is
    unknown (a partial sum would read as a drop)."""
    names = tuple(by)
    sums: dict[LabelKey, float | None] = {}
    for labels, value in series:
        group = tuple((name, labels.get(name, "")) for name in names)
        if group in sums:
            current = sums[group]
            sums[group] = None if current is None or value is None else current + value
        else:
            sums[group] = value
    return sums


def divide(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def histogram_quantile(q: float, buckets: Iterable[tuple[float, float | None]]) -> float | None:
    """The q-quantile from cumulative (upper bound, count) buckets, interpolating
    linearly inside the bucket that holds it, exactly as Prometheus'
    histogram_quantile does. None without a +Inf bucket, without observations, or
    with an unknown bucket."""
    ordered = sorted(buckets, key=lambda bucket: bucket[0])
    if len(ordered) < 2 or ordered[-1][0] != math.inf:
        return None
    counts: list[float] = []
    for _, count in ordered:
        if count is None:
            return None
        # Buckets scraped in one go can still be non-monotonic after float rounding or
        # a racy exporter; Prometheus takes the running maximum too.
        counts.append(max(count, counts[-1]) if counts else count)
    observations = counts[-1]
    if observations <= 0:
        return None
    rank = q * observations
    # Searched among the finite buckets; the +Inf one when none holds the rank.
    index = next(i for i, count in enumerate([*counts[:-1], math.inf]) if count >= rank)
    if index == len(ordered) - 1:
        return ordered[-2][0]
    upper = ordered[index][0]
    if index == 0 and upper <= 0:
        return upper
    start, count = 0.0, counts[index]
    if index > 0:
        start = ordered[index - 1][0]
        count -= counts[index - 1]
        rank -= counts[index - 1]
    if count == 0:  # only for q = 0 over an empty first bucket: NaN in Prometheus
        return None
    return start + (upper - start) * (rank / count)
