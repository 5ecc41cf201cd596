"""Installed like a tool: `uv tool install` and `pipx install` from the built wheel, a
third-party plugin added into the same environment, and the installed command naming
both in `--version` and `info`, and running the plugin's source in `check`.

Offline-safe and fast. uv: the tool environment gets the wheel without its
dependencies (uv `--excludes`) and sees the test environment's packages through a .pth
file instead of downloading them again. pipx reads every dependency's metadata from
its own environment after installing, so it gets them whole: from a wheelhouse of the
test environment's own packages (`_wheelhouse`), as a bastion without internet gets
them from wheels copied over. pipx runs with its uv backend (its default when uv is
installed): its pip backend first upgrades its shared pip from the index (pipx 1.18
wants pip >= 26.1), which an offline test cannot do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEPENDENCIES = tuple(
    Requirement(line).name
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
)
"""What the wheel depends on, read from pyproject.toml so a new dependency is excluded too."""
PLUGIN = '''
from oncall_tui.plugin import Kind, Plugin, PluginConfig, Reading


class HelloConfig(PluginConfig):
    greeting: str = "hello"
    """What the one signal is called."""


class HelloPlugin(Plugin[HelloConfig]):
    Config = HelloConfig
    description = "One signal, always ok"

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})

    async def collect(self) -> list[Reading]:
        return [Reading(key="hello", kind="health", name=self.config.greeting, value=1)]
'''


def _run(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists() and shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (the test extra installs it)")
    return str(path) if path.exists() else str(shutil.which(name))


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The oncall-tui wheel, and a third party's plugin wheel."""
    out = tmp_path_factory.mktemp("wheels")
    env = _env()
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    _run([*pip, "-w", str(out), str(ROOT)], env)
    plugin = tmp_path_factory.mktemp("plugin")
    (plugin / "oncall_tui_hello").mkdir()
    (plugin / "oncall_tui_hello" / "__init__.py").write_text(PLUGIN)
    (plugin / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "oncall-tui-hello"\nversion = "0.3.0"\n'
        '[project.entry-points."oncall_tui.plugins"]\nhello = "oncall_tui_hello:HelloPlugin"\n'
    )
    _run([*pip, "-w", str(out), str(plugin)], env)
    (tui,) = out.glob("oncall_tui-*.whl")
    (hello,) = out.glob("oncall_tui_hello-*.whl")
    yield tui, hello


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(extra)
    return env


def _borrow_dependencies(tool_venv: Path) -> None:
    """The test environment's packages, visible to the tool's environment after its own."""
    (site,) = tool_venv.glob("lib/python3*/site-packages")
    (site / "zz_test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def _check_installed(command: Path, tmp_path: Path) -> None:
    env = _env(XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    version = _run([str(command), "--version"], env)
    assert "hello 0.3.0" in version and "prometheus 0.1.0" in version
    document = json.loads(_run([str(command), "info", "--format", "json"], env))
    paths = {p["name"]: p["path"] for p in document["plugins"]}
    assert str(tmp_path) in paths["prometheus"]  # the tool's own copy, not the checkout's
    assert "oncall_tui_hello" in paths["hello"]
    config = tmp_path / "c.toml"
    config.write_text('[sources.hi]\nplugin = "hello"\ngreeting = "hi there"\n')
    assert "hi there" in _run([str(command), "check", "--config", str(config)], env)


def test_uv_tool_install_from_the_wheel(wheels: tuple[Path, Path], tmp_path: Path) -> None:
    tui, hello = wheels
    uv = _tool("uv")
    excludes = tmp_path / "excludes.txt"
    excludes.write_text("\n".join(DEPENDENCIES) + "\n")
    env = _env(
        UV_TOOL_DIR=str(tmp_path / "tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "bin"),
        UV_CACHE_DIR=str(tmp_path / "cache"),
    )
    _run(
        [uv, "tool", "install", "--offline", "--no-index", "--excludes", str(excludes),
         "--python", sys.executable, str(tui), "--with", str(hello)],
        env,
    )  # fmt: skip
    _borrow_dependencies(tmp_path / "tools" / "oncall-tui")
    _check_installed(tmp_path / "bin" / "oncall-tui", tmp_path)


def _closure(root: str) -> dict[str, metadata.Distribution]:
    """The installed distributions `root` needs, extras of its requirements included."""
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(root, "")]
    while todo:
        raw, extra = todo.pop()
        name = canonicalize_name(raw)
        if (name, extra) in done:
            continue
        done.add((name, extra))
        dist = found.setdefault(name, metadata.distribution(name))
        for text in dist.requires or ():
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not marker.evaluate({"extra": extra}):
                continue
            if extra and (marker is None or "extra" not in str(marker)):
                continue  # its plain requirements were followed with extra ""
            todo.append((requirement.name, ""))
            todo.extend((requirement.name, wanted) for wanted in requirement.extras)
    del found[canonicalize_name(root)]
    return found


def _wheelhouse(out: Path) -> Path:
    """A wheel of each dependency, packed from what the test environment has installed
    (its files and metadata as installed; console scripts are made again from the
    entry points), so an install from it needs no index."""
    out.mkdir()
    for dist in _closure("oncall-tui").values():
        info = Path(dist._path)  # type: ignore[attr-defined]  # its .dist-info folder
        site = info.parent
        wheel_meta = (info / "WHEEL").read_text().splitlines()
        tag = next(line.split(":", 1)[1].strip() for line in wheel_meta if line.startswith("Tag:"))
        name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
        record = f"{info.name}/RECORD"
        lines = []
        with zipfile.ZipFile(out / f"{name}-{dist.version}-{tag}.whl", "w") as wheel:
            for file in dist.files or ():
                path = str(file)
                skipped = path.startswith("..") or "__pycache__" in path or path == record
                if skipped or path.endswith(("/INSTALLER", "/REQUESTED", "/direct_url.json")):
                    continue
                wheel.write(site / path, path)
                lines.append(f"{path},,")
            wheel.writestr(record, "\n".join([*lines, f"{record},,"]) + "\n")
    return out


def test_pipx_install_from_the_wheel(wheels: tuple[Path, Path], tmp_path: Path) -> None:
    tui, hello = wheels
    pipx = _tool("pipx")
    _tool("uv")
    started = time.monotonic()
    found = f"--no-index --find-links {_wheelhouse(tmp_path / 'wheelhouse')}"
    env = _env(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        UV_CACHE_DIR=str(tmp_path / "cache"),
        UV_OFFLINE="1",
        PIP_NO_INDEX="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    _run(
        [pipx, "install", "--backend", "uv", "--python", sys.executable, "--pip-args", found,
         str(tui)],
        env,
    )  # fmt: skip
    _run([pipx, "inject", "--pip-args", found, "oncall-tui", str(hello)], env)
    installed = json.loads(_run([pipx, "list", "--json"], env))["venvs"]
    assert set(installed) == {"oncall-tui"}, installed
    _check_installed(tmp_path / "bin" / "oncall-tui", tmp_path)
    # Measured on the loaded 2-core machine: ~15 s (install ~5 s, inject ~3 s).
    print(f"pipx install, inject and checks: {time.monotonic() - started:.1f} s")
