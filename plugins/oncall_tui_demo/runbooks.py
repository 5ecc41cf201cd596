"""Where the runbooks shipped with the demo live, so readings can point at real files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from oncall_tui.plugin import Runbook

RUNBOOK_DIR = Path(__file__).resolve().parent / "runbooks"
"""Inside the package, so the runbooks travel with the wheel and an installed demo finds
them without a config file."""


@cache
def runbook(name: str) -> Runbook:
    """The packaged runbook `name` (without `.md`): one object per name, shared by every
    reading that points at it (a Runbook is frozen), not a path string per reading
    (15,000 readings at the 10k demo: ~2 MB)."""
    return Runbook.file(RUNBOOK_DIR / f"{name}.md")
