"""Shared fixtures: in-process plugins that misbehave on purpose, for engine tests;
loopback HTTP fixtures (a module opts in by naming them); the pinned time zone."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from faults import FaultServer, serve_faults
from oncall_tui.core.signals.model import Kind, Reading, Thresholds
from oncall_tui.core.sources.contract import Plugin, PluginConfig
from oncall_tui.core.sources.registry import PluginRegistry
from pki import PKI, private_ca
from pty_app import pty_apps  # noqa: F401  (a fixture: every test module may ask for it)
from scenario_monitoring import scenario_platform  # noqa: F401  (a fixture, as above)
from servers import ServerProcess, no_proxy
from servers_alertmanager import start_alertmanager
from servers_platform import RATIO, Platform, start_platform
from servers_prometheus import wait_for_query


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist's workers run with LINES=24 and COLUMNS=80 in their environment;
    Textual takes those over a terminal's real size, so a dashboard started in a
    120x40 pty by a test drew itself at 24 rows. The pty's size is the one to use.

    Both are unset in the C environment too: pytest imports readline before this
    hook, readline writes them there (80 and 24 without a terminal), and a child
    started without `env=` inherits that environment, not `os.environ`."""
    for name in ("LINES", "COLUMNS"):
        os.environ.pop(name, None)
        os.unsetenv(name)


class CountConfig(PluginConfig):
    count: int = 3
    """Readings per collection."""
    value: float = 0.1
    """Value of every reading."""


class _Base(Plugin[CountConfig]):
    Config = CountConfig
    calls: ClassVar[int] = 0

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})


class SteadyPlugin(_Base):
    """Always answers; counts its own collections so cadence can be checked."""

    def __init__(self, config: CountConfig, context: object) -> None:
        super().__init__(config, context)  # type: ignore[arg-type]
        self.collections = 0

    async def collect(self) -> Sequence[Reading]:
        self.collections += 1
        return [
            Reading(
                key=f"r{i}",
                kind="health",
                name=f"steady-{i}",
                value=self.config.value,
                unit="ratio",
                thresholds=Thresholds(warning=0.5, critical=0.9),
            )
            for i in range(self.config.count)
        ]


class RaisingPlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        raise RuntimeError("boom")


class HangingPlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        await asyncio.Event().wait()
        return []


class StubbornPlugin(_Base):
    """Swallows cancellation (twice: forever would also hang the test's event loop at
    shutdown, which no engine can prevent without threads)."""

    async def collect(self) -> Sequence[Reading]:
        for _ in range(3):
            try:
                await asyncio.sleep(1.0)  # busy for a second: the plugin's work, not a wait
            except asyncio.CancelledError:
                continue
        return []


class GarbagePlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        return 42  # type: ignore[return-value]


class GarbageItemsPlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        return [Reading(key="a", kind="health", name="a", value=1.0), "not a reading"]  # type: ignore[list-item]


class BrokenInitPlugin(RaisingPlugin):
    def __init__(self, config: CountConfig, context: object) -> None:
        raise ValueError("cannot start")


def readme_example(heading: str) -> str:
    """The first TOML block under `heading` in the README (a test checks it is valid)."""
    text = (Path(__file__).parent.parent / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """Exporter, real Prometheus and Alertmanager, with enough samples for rate().
    Session-wide: Prometheus's first target discovery costs ~6 s."""
    with start_platform() as running:
        # rate() needs two samples inside the window: wait for finite values.
        wait_for_query(running.prometheus, RATIO, min_series=4)
        yield running


@pytest.fixture
def registry() -> PluginRegistry:
    reg = PluginRegistry(group="oncall_tui.tests.none")
    for name, cls in {
        "steady": SteadyPlugin,
        "raising": RaisingPlugin,
        "hanging": HangingPlugin,
        "stubborn": StubbornPlugin,
        "garbage": GarbagePlugin,
        "garbage_items": GarbageItemsPlugin,
        "broken_init": BrokenInitPlugin,
        "exiting": ExitingPlugin,
        "generator_exit": GeneratorExitPlugin,
        "bad_fields": BadFieldsPlugin,
    }.items():
        reg.register(name, cls)  # type: ignore[arg-type]
    return reg


class ExitingPlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        raise SystemExit(3)


class GeneratorExitPlugin(_Base):
    async def collect(self) -> Sequence[Reading]:
        raise GeneratorExit


class BadFieldsPlugin(_Base):
    """Readings whose fields have the wrong types: the dataclass does not check them."""

    async def collect(self) -> Sequence[Reading]:
        return [Reading(key="a", kind="health", name="a", value=1.0, labels=None)]  # type: ignore[arg-type]


class ForeverStubbornPlugin(_Base):
    """Ignores cancellation for good."""

    async def collect(self) -> Sequence[Reading]:
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                continue


@pytest.fixture(scope="module")
def direct() -> Iterator[None]:
    """Loopback traffic must not go to a proxy from the developer's environment. A
    module opts in: `pytestmark = pytest.mark.usefixtures("direct")`."""
    with no_proxy():
        yield


@pytest.fixture(scope="module")
def module_server() -> Iterator[FaultServer]:
    """The misbehaving HTTP server of tests/faults.py, one per module."""
    with serve_faults() as running:
        yield running


@pytest.fixture
def server(module_server: FaultServer) -> FaultServer:
    """The module's fault server, its counters and switches reset for each test."""
    module_server.reset()
    return module_server


@pytest.fixture(scope="module")
def pki() -> Iterator[PKI]:
    """A private CA with server and client certificates, one per module."""
    with private_ca() as made:
        yield made


@pytest.fixture(scope="module")
def manager() -> Iterator[ServerProcess]:
    """A real Alertmanager, one per module (tests keep apart by their `case`)."""
    with no_proxy(), start_alertmanager() as server:
        yield server


@pytest.fixture
def case() -> str:
    """A label value of this test's own, for what it posts to a shared server."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clocks on screen are local time; pin it so pictures match on any machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _secrets_per_test() -> Iterator[None]:
    """Secrets a test registers (a client's header values, a config's ${VAR}s) are
    forgotten after it: the process-wide redactor would otherwise turn a later test's
    "payments" into "***"."""
    from oncall_tui.core.sanitize import redactor

    with redactor.scope():
        yield
