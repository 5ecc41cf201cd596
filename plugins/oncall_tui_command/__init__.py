"""First-party `command` source: a Nagios-compatible check command."""

from .config import CommandConfig
from .plugin import CommandPlugin

__all__ = ["CommandConfig", "CommandPlugin"]
