"""The headless core and the plugins never import Textual: `check` runs without a
terminal, and a plugin author can test without one."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "config"


def test_no_textual_import_in_core_or_plugins_source() -> None:
    offenders = []
    paths: list[Path] = []
    for folder in (ROOT / "oncall_tui" / "core", ROOT / "oncall_tui" / "plugin", ROOT / "plugins"):
        paths += folder.rglob("*.py")
    for path in paths:
        if True:
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n == "textual" or n.startswith(("textual.", "rich")) for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


PUBLIC_CONTRACT = (
    "oncall_tui.plugin",
    "oncall_tui.plugin.http",
    "oncall_tui.plugin.judges",
    "oncall_tui.plugin.testing",
)


def test_first_party_plugins_import_only_the_public_contract() -> None:
    """The first-party plugins are written as a third party's would be: reaching past
    `oncall_tui.plugin` into the core would let them depend on what a third party cannot
    rely on, and the contract would stop being tested by its own plugins."""
    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                if name.split(".")[0] == "oncall_tui" and name not in PUBLIC_CONTRACT:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


def test_the_contract_keeps_the_names_third_parties_imported_before_the_split() -> None:
    import oncall_tui.plugin as contract
    import oncall_tui.plugin.http as http

    for name in ("HTTPOptions", "client_for", "get_json", "send_json", "ReadOnlyError"):
        assert getattr(contract, name) is getattr(http, name)
        assert name not in contract.__all__


def test_check_runs_without_loading_textual() -> None:
    code = (
        "import sys\n"
        "from oncall_tui.cli import main\n"
        f"rc = main(['check', '--config', {str(DATA / 'valid.toml')!r}, '--format', 'json'])\n"
        "import oncall_tui_prometheus, oncall_tui_host, oncall_tui_demo, oncall_tui_alertmanager\n"
        "loaded = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "assert not loaded, loaded\n"
        "sys.exit(0 if rc in (0, 1, 2, 3) else 9)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_wheel_has_no_generic_top_level_package(tmp_path: Path) -> None:
    """`pip install .` must put `oncall_tui_prometheus`, not `plugins`, in site-packages,
    and ship the non-Python files (demo config, runbooks, stylesheets)."""
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("oncall_tui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if "dist-info" not in name}
    assert all(top.startswith("oncall_tui") for top in tops), tops
    assert {
        "oncall_tui",
        "oncall_tui_alertmanager",
        "oncall_tui_command",
        "oncall_tui_demo",
        "oncall_tui_host",
        "oncall_tui_openmetrics",
        "oncall_tui_prometheus",
    } <= tops
    assert "oncall_tui/core/demo_config.toml" in names
    assert any(name.startswith("oncall_tui_demo/runbooks/") for name in names)
    assert any(name.endswith(".tcss") for name in names)
    assert "oncall_tui/web/templates/app_index.html" in names
    themes = sorted(p.name for p in (ROOT / "themes").glob("*.toml"))
    assert sorted(n.removeprefix("oncall_tui/themes/") for n in names
                  if n.startswith("oncall_tui/themes/")) == themes  # fmt: skip

    # Installed from the wheel (not from this checkout), the themes load.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    code = (
        "from oncall_tui.core.config.theme_files import load_catalog, shipped_theme_dir\n"
        "catalog = load_catalog()\n"
        "print(shipped_theme_dir())\n"
        "print(' '.join(catalog.names()), len(catalog.problems))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(  # not from the checkout's folder: `-c` imports from the cwd
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    where, loaded = result.stdout.splitlines()
    assert Path(where).is_relative_to(target)
    assert loaded == " ".join(t.removesuffix(".toml") for t in themes) + " 0"
