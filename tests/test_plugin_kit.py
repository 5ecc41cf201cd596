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


def test_the_readme_plugin_builds_and_installs_from_a_fresh_venv(tmp_path: Path) -> None:
    """README's package (its pyproject.toml and its plugin) built by hatchling and
    installed by pip into a new virtual environment, then found through its entry point
    by `oncall-tui check`. The new environment sees this one's packages (oncall-tui and
    its dependencies) through a .pth file, so only the plugin is built and installed:
    offline-safe and about 20 s (build isolation installs hatchling from the local
    package index)."""
    import os
    import subprocess
    import sys
    import sysconfig
    import time

    section = README.read_text(encoding="utf-8").split("## Write your own plugin", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    pyproject = re.search(r"```toml\n(\[build-system\].*?)```", section, re.S)
    assert code and pyproject, "README's plugin section lost its code or its pyproject.toml"
    project = tmp_path / "project"
    (project / "oncall_tui_spool").mkdir(parents=True)
    (project / "oncall_tui_spool" / "__init__.py").write_text(code.group(1))
    (project / "pyproject.toml").write_text(pyproject.group(1))

    started = time.monotonic()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site_dir = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    # addsitedir, not a plain path line: the outer environment's own .pth files (the
    # editable install of this checkout) must be read too.
    outer = sysconfig.get_paths()["purelib"]
    (Path(site_dir) / "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    built = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(project)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]

    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "m1").write_text("x")
    config = tmp_path / "c.toml"
    config.write_text(f'[sources.outbox]\nplugin = "spool"\npath = "{spool}"\nwarning = 1\n')
    result = subprocess.run(
        [str(python), "-m", "oncall_tui", "check", "--config", str(config)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # 1: warning
    assert "spool spool" in result.stdout, result.stdout + result.stderr
    assert time.monotonic() - started < 120
