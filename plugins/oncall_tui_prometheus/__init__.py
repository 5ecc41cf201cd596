"""First-party `prometheus` source: PromQL queries against any Prometheus-API server."""

from .config import PrometheusConfig, Query
from .plugin import PrometheusPlugin

__all__ = ["PrometheusConfig", "PrometheusPlugin", "Query"]
