"""The plugin kit as a third party meets it: README's example plugin, run for real."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Status
from oncall_tui.core.sources.registry import PluginRegistry

README = Path(__file__).parent.parent / "README.md"


def _readme_plugin() -> types.ModuleType:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Write your own plugin", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "README's plugin section has no python block"
    lines = code.group(1).strip().splitlines()
    assert len(lines) < 40, f"the example plugin grew to {len(lines)} lines"
    module = types.ModuleType("spool_plugin")
    exec(compile(code.group(1), str(README), "exec"), module.__dict__)
    return module


async def test_the_readme_plugin_runs_in_the_engine(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    for index in range(5):
        (spool / f"m{index}").write_text("x")
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "spool.md").write_text("# Spool\\n")
    registry = PluginRegistry()
    registry.register("spool", _readme_plugin().SpoolPlugin)
    text = f"""
[sources.outbox]
plugin = "spool"
path = "{spool}"
warning = 3
critical = 10
runbook = "runbooks/spool.md"
"""
    config = parse_config(text, tmp_path, registry=registry)
    engine = Engine(config, registry=registry)
    await engine.collect_once()
    await engine.stop()
    signal = engine.store.signals["outbox/backlog"]
    assert (signal.value, signal.status) == (5.0, Status.WARNING)
    assert signal.runbook is not None and signal.runbook.is_file
    assert signal.runbook.target == str(tmp_path / "runbooks" / "spool.md")


def test_the_readme_plugin_options_are_checked(tmp_path: Path) -> None:
    registry = PluginRegistry()
    registry.register("spool", _readme_plugin().SpoolPlugin)
    text = '[sources.outbox]\nplugin = "spool"\npath = "/x"\nwarning = 10\ncritical = 3\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path, registry=registry)
    assert caught.value.problems == [
        "sources.outbox: warning (10) must not be above critical (3) when high values are "
        "bad; set below = true if low values are bad"
    ]
