"""What the prometheus plugin's tests share: DESIGN.md's risk-rule query, and the
plugin built from a config as the engine would, closed after use."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from oncall_tui.core.signals.model import Reading
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_prometheus import PrometheusConfig, PrometheusPlugin
from servers_platform import RATIO, Platform

RISK_QUERY: dict[str, Any] = {
    "kind": "risk_rule",
    "name": "{product}/{rule}",
    "query": RATIO,
    "unit": "ratio",
    "warning": 0.05,
    "critical": 0.2,
    "for": "30s",
    "runbook": "https://runbooks.example.com/risk/{rule}",
    "summary": "{rule} refuses {product} payments",
}


def prom_url(platform: Platform) -> str:
    return platform.prometheus.url


def make_config(url: str, *queries: Mapping[str, Any], **options: Any) -> PrometheusConfig:
    return PrometheusConfig.model_validate({"url": url, "queries": list(queries), **options})


@asynccontextmanager
async def plugin_for(
    url: str,
    *queries: Mapping[str, Any],
    interval: float = 5.0,
    deadline: float = 3.0,
    **options: Any,
) -> AsyncIterator[PrometheusPlugin]:
    context = SourceContext(name="prom", config_dir=Path("."), interval=interval, timeout=deadline)
    plugin = PrometheusPlugin(make_config(url, *queries, **options), context)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def by_name(readings: list[Reading] | tuple[Reading, ...]) -> dict[str, Reading]:
    named = {reading.name: reading for reading in readings}
    assert len(named) == len(readings), "names should be unique here"
    return named
