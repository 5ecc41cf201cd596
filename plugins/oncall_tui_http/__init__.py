"""First-party `http` source: one health check of one endpoint per source."""

from .config import HTTPCheckConfig
from .plugin import HTTPPlugin

__all__ = ["HTTPCheckConfig", "HTTPPlugin"]
