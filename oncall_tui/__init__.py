"""oncall-tui: a terminal dashboard for on-call engineers of a credit payment platform."""

__version__ = "0.1.0"
