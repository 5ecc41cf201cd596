"""What the openmetrics plugin's tests share: a real prometheus_client exporter on
loopback per module (the platform's metrics plus hostile help and label text), and the
plugin built from a config as the engine would, closed after use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from oncall_tui.core.signals.model import Reading
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_openmetrics import OpenMetricsConfig, OpenMetricsPlugin
from oncall_tui_openmetrics.plugin import FIRST_SCRAPE
from servers import no_proxy
from servers_platform import EVIL_RULE, Exporter, PlatformCollector, start_exporter

RISK: dict[str, Any] = {
    "kind": "risk_rule",
    "name": "{product}/{rule}",
    "rate": True,
    "ratio_of": {
        "numerator": "risk_rule_hits_total",
        "denominator": "risk_decisions_total",
        "by": ["product"],
    },
    "warning": 0.05,
    "critical": 0.2,
}

EXPECTED_RATIOS = {
    "paylater/velocity_check": 0.01,
    "paylater/credit_limit": 0.08,
    f"paylater/{EVIL_RULE}": 0.005,
    "cashloan/device_fingerprint": 0.30,
}

HOSTILE_HELP = "queue depth \x1b]52;c;aGk=\x07 \x1b[2J\u202egnol"

HOSTILE_VALUE = "worker\x1b[31m\u2066red"


class HostileCollector(Collector):
    """The platform's metrics plus a gauge whose HELP text and label value carry
    escape sequences and bidi controls, as anyone who can deploy an exporter can."""

    def __init__(self) -> None:
        self.platform = PlatformCollector()

    def collect(self) -> Iterator[Metric]:
        yield from self.platform.collect()
        gauge = GaugeMetricFamily("queue_depth", HOSTILE_HELP, labels=["worker"])
        gauge.add_metric([HOSTILE_VALUE], 3.0)
        yield gauge
        # Declared, never incremented: HELP and TYPE, no samples.
        yield CounterMetricFamily("payment_errors", "Failed payments", labels=["code"])


@pytest.fixture(scope="module", name="exporter")
def hostile_exporter() -> Iterator[Exporter]:
    """The fixture `exporter` of a module that imports this one."""
    with no_proxy(), start_exporter(HostileCollector()) as running:
        yield running


def config_for(url: str, *metrics: Mapping[str, Any], **options: Any) -> OpenMetricsConfig:
    return OpenMetricsConfig.model_validate({"url": url, "metrics": list(metrics), **options})


@asynccontextmanager
async def plugin_for(
    url: str, *metrics: Mapping[str, Any], config_dir: Path = Path("."), **options: Any
) -> AsyncIterator[OpenMetricsPlugin]:
    context = SourceContext(name="om", config_dir=config_dir, interval=1.0, timeout=3.0)
    plugin = OpenMetricsPlugin(config_for(url, *metrics, **options), context)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def by_name(readings: object) -> dict[str, Reading]:
    assert isinstance(readings, list | tuple)
    named = {reading.name: reading for reading in readings}
    assert len(named) == len(readings), "names should be unique here"
    return named


async def twice(plugin: OpenMetricsPlugin, gap: float = 0.3) -> dict[str, Reading]:
    first = by_name(await plugin.collect())
    assert first and all(r.value is None and r.summary == FIRST_SCRAPE for r in first.values())
    await asyncio.sleep(gap)  # a rate needs time between the scrapes: time is the test
    return by_name(await plugin.collect())


UP = {"name": "bank", "metric": "bank_up"}
