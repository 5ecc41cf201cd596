"""Where the runbooks shipped with the demo live, so readings can point at real files."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.plugin import Runbook

RUNBOOK_DIR = Path(__file__).resolve().parent / "runbooks"
"""Inside the package, so the runbooks travel with the wheel and an installed demo finds
them without a config file."""


def runbook(name: str) -> Runbook:
    """The packaged runbook `name` (without `.md`)."""
    return Runbook.file(RUNBOOK_DIR / f"{name}.md")
