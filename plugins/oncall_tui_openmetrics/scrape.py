"""From exposition text to the samples a source asked for, with the reference parser.

`prometheus_client`'s parsers are the ones exporters are tested against; writing our own
would mean rediscovering every escaping rule of the format. Only the samples of the
configured metrics are kept, so memory follows the config, not the exporter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric as Family
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from oncall_tui.plugin import MAX_LINE, SourceError, as_number, sanitize

ACCEPT = "text/plain;version=0.0.4;q=1.0, */*;q=0.1"
"""The classic text format: every exporter speaks it. A server answering OpenMetrics
anyway is parsed with the OpenMetrics parser."""

OPENMETRICS = "application/openmetrics-text"

_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created", "_info")

Labels = dict[str, str]


@dataclass(slots=True)
class Exposition:
    """The wanted samples of one scrape."""

    samples: dict[str, list[tuple[Labels, float | None]]] = field(default_factory=dict)
    """By sample name ("risk_decisions_total"), in exposition order."""
    help: dict[str, str] = field(default_factory=dict)
    """HELP text of the family of each wanted sample name."""
    declared: set[str] = field(default_factory=set)
    """Wanted names the exposition knows, with or without samples (a labelled counter
    nothing has incremented yet is declared, and has none)."""


def is_openmetrics(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == OPENMETRICS


def parse(text: str, content_type: str, wanted: frozenset[str]) -> Exposition:
    """The samples named in `wanted`; raises SourceError when the text is not an
    exposition. CPU-bound on a large body: run it off the event loop."""
    openmetrics = is_openmetrics(content_type)
    # The OpenMetrics parser has no type hints upstream.
    families: Iterable[Family] = (
        parse_openmetrics(text)  # type: ignore[no-untyped-call]
        if openmetrics
        else parse_text(text)
    )
    exposition = Exposition()
    try:
        for family in families:
            _take(family, wanted, exposition)
    except Exception as exc:  # hostile input may trip any error in a third-party parser
        what = "OpenMetrics" if openmetrics else "Prometheus text format"
        # The parser quotes the offending line: source text, escaped and cut here.
        raise SourceError(sanitize(f"cannot parse the {what}: {exc}", MAX_LINE)) from None
    return exposition


def _take(family: Family, wanted: frozenset[str], exposition: Exposition) -> None:
    names = {family.name} | {family.name + suffix for suffix in _SUFFIXES}
    relevant = names & wanted
    if not relevant:
        return
    exposition.declared |= relevant
    for name in relevant:
        exposition.help.setdefault(name, family.documentation)
    for sample in family.samples:
        if sample.name in wanted:
            exposition.samples.setdefault(sample.name, []).append(
                (dict(sample.labels), as_number(sample.value))
            )
