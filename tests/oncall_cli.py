"""Running `python -m oncall_tui ...` as a user would, for the tests that need the real
command line: one way to run it, to read `oncall-tui plugins`, and to start `serve`.

The child runs without the developer's proxy settings (they would catch its loopback
traffic) unless a test passes an `env` of its own.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from oncall_tui.core.config.field_docs import field_docs
from servers import free_port
from waiting import wait_until

ONCALL = [sys.executable, "-m", "oncall_tui"]


def proxy_free_env(**extra: str) -> dict[str, str]:
    """This process's environment without any *_proxy variable, plus `extra`: the
    child talks to loopback servers, never through a developer's proxy."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra)
    return env


def run_oncall(*args: str, timeout: float = 60, **options: Any) -> subprocess.CompletedProcess[str]:
    """`oncall-tui ARGS`, to its end; output captured as text; by default in
    `proxy_free_env()`."""
    options.setdefault("env", proxy_free_env())
    return subprocess.run(
        [*ONCALL, *args], capture_output=True, text=True, timeout=timeout, **options
    )


def check_json(config: Path, **options: Any) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`oncall-tui check --config CONFIG --format json`: the run and its document."""
    result = run_oncall("check", "--config", str(config), "--format", "json", **options)
    assert result.stdout, result.stderr
    return result, json.loads(result.stdout)


@functools.cache
def _plugins_listing() -> str:
    result = run_oncall("plugins")
    assert result.returncode == 0, result.stderr
    return result.stdout


def plugin_section(plugin: str) -> str:
    """`plugin`'s part of `oncall-tui plugins` (run once per session: it never changes
    while the tests run)."""
    return ("\n" + _plugins_listing()).split(f"\n{plugin}  (", 1)[1].split("\n\n", 1)[0]


def assert_options_listed(plugin: str, *models: type[BaseModel]) -> None:
    """Every field of `models` has a docstring and appears in `plugin`'s listing."""
    section = plugin_section(plugin)
    for model in models:
        docs = field_docs(model)
        for name, info in model.model_fields.items():
            assert docs.get(name), f"{model.__name__}.{name} has no docstring"
            key = f"    {info.alias or name}: "
            assert key in section, f"{name} missing from `plugins`"
            first_line = docs[name].splitlines()[0].strip()
            assert first_line in section.split(key, 1)[1], f"{name}'s docstring not listed"


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    page: httpx.Response
    """The first answer to GET /."""


@contextmanager
def serving(config: Path, **options: Any) -> Iterator[Served]:
    """`oncall-tui serve` on a free loopback port, once it answers; stopped after
    (SIGTERM to its session, SIGKILL if it lingers). `options` go to Popen. Skipped,
    saying why, where the optional `serve` extra is not installed."""
    import pytest

    pytest.importorskip(
        "textual_serve", reason="`oncall-tui serve` needs the serve extra: pip install '.[serve]'"
    )
    port = free_port()
    options.setdefault("stdout", subprocess.DEVNULL)
    options.setdefault("stderr", subprocess.STDOUT)
    options.setdefault("env", proxy_free_env())
    process = subprocess.Popen(
        [*ONCALL, "serve", "--config", str(config), "--port", str(port)],
        start_new_session=True,
        **options,
    )

    def answer() -> httpx.Response:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=2, trust_env=False)

    try:
        page = wait_until(answer, what="serve to answer", ignore=(httpx.TransportError,))
        yield Served(port, process, page)
    finally:
        stop_session(process)


def stop_session(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the session of `process` (started with `start_new_session=True`),
    SIGKILL if it is still there 10 s later."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
