"""First-party `alertmanager` source: firing alerts from Alertmanager's API v2."""

from .config import AlertmanagerConfig
from .plugin import AlertmanagerPlugin

__all__ = ["AlertmanagerConfig", "AlertmanagerPlugin"]
