"""First-party `openmetrics` source: a /metrics endpoint scraped directly."""

from .config import Metric, OpenMetricsConfig, RatioOf
from .plugin import OpenMetricsPlugin

__all__ = ["Metric", "OpenMetricsConfig", "OpenMetricsPlugin", "RatioOf"]
