"""A steady http check imports nothing: every module it needs is loaded by its first
probe. An import that fails is never cached, so one attempted on every request walks
sys.path each time (httpcore's `import sniffio`, while sniffio was missing, was ~20% of
the CPU of 500 checks)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

from http_plugin_support import (
    health_server,  # noqa: F401  (the fixture `health`)
    make,
)
from servers_http import HTTPTestServer


class ImportRecorder(MetaPathFinder):
    """First on sys.meta_path: sees every import that sys.modules did not answer."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        self.names.append(fullname)
        return None


@pytest.fixture
def recorder() -> Iterator[ImportRecorder]:
    recording = ImportRecorder()
    sys.meta_path.insert(0, recording)
    try:
        yield recording
    finally:
        sys.meta_path.remove(recording)


async def test_a_steady_http_check_attempts_no_import(
    health: HTTPTestServer,
    recorder: ImportRecorder,
) -> None:
    plugin = make(f"{health.url}/health")
    try:
        await plugin.collect()  # the first probe may load what it needs
        recorder.names.clear()
        for _ in range(3):
            [reading] = await plugin.collect()
            assert reading.summary == "status 200"
    finally:
        await plugin.aclose()
    assert recorder.names == [], "imports attempted on every request"
