"""The demo source's options and what it ships: defaults, bad values refused, every
option documented, and runbooks packaged as markdown reachable from some signal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from demo_plugin_support import (
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    make,
)
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.signals.model import Reading
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.runbooks import RUNBOOK_DIR


def test_defaults_match_the_config_contract() -> None:
    config = DemoPlugin.Config()
    assert (config.services, config.rules, config.dependencies) == (6, 12, 4)
    assert config.incident == "cycle"
    assert config.change_rate == 1.0
    assert config.seed == 1


@pytest.mark.parametrize(
    "options",
    [
        {"services": -1},
        {"rules": -3},
        {"dependencies": -1},
        {"services": 5001},
        {"rules": "12"},
        {"services": 2.5},
        {"incident": "meltdown"},
        {"change_rate": 1.5},
        {"change_rate": -0.1},
        {"seed": "one"},
        {"sevices": 6},
    ],
)
def test_config_rejects_bad_values(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        DemoPlugin.Config(**options)
    assert caught.value.errors()[0]["loc"] == (next(iter(options)),)


def test_config_accepts_an_integer_change_rate_and_every_incident() -> None:
    assert DemoPlugin.Config(change_rate=1).change_rate == 1.0
    for incident in ("none", "overload", "risk_rule", "dependency", "cascade", "cycle"):
        assert DemoPlugin.Config(incident=incident).incident == incident


def test_every_option_is_documented() -> None:
    docs = field_docs(DemoPlugin.Config)
    for name in DemoPlugin.Config.model_fields:
        assert len(docs.get(name, "")) > 30, name


async def test_runbooks_are_packaged_markdown() -> None:
    readings: list[Reading] = []
    for incident in ("none", "dependency"):
        readings += await make(incident=incident, services=12, rules=20, dependencies=8).collect()
    assert all(r.runbook is not None and r.runbook.is_file for r in readings)
    used = {Path(str(r.runbook)) for r in readings}
    for path in used:
        assert path.is_absolute() and path.suffix == ".md"
        assert path.parent == RUNBOOK_DIR
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ")
        assert len(text) > 1500, path
        for section in ("## First five minutes", "## Mitigations", "## Escalation"):
            assert section in text, (path, section)
        assert "## When to declare an incident" in text
    # Every shipped runbook is reachable from some signal: none rots unseen.
    assert used == set(RUNBOOK_DIR.glob("*.md"))
    assert len(used) >= 5
