"""`check` samples a source twice when its plugin needs two samples (a rate), so it
answers as the dashboard does after one interval; other sources are collected once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from conftest import CountConfig
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Kind, Reading, Status
from oncall_tui.core.sources.contract import Plugin
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.registry import PluginRegistry


class _Counting(Plugin[CountConfig]):
    Config = CountConfig
    starts: ClassVar[list[float]]

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"health"})

    async def collect(self) -> Sequence[Reading]:
        type(self).starts.append(time.monotonic())
        # Like a rate: no value until the second sample.
        value = None if len(type(self).starts) == 1 else 1.0
        return [Reading(key="rate", kind="health", name=type(self).__name__, value=value)]


class OneSample(_Counting):
    starts: ClassVar[list[float]] = []


class TwoSamples(_Counting):
    starts: ClassVar[list[float]] = []

    def needs_two_samples(self) -> bool:
        return True


class TwoSamplesFailing(TwoSamples):
    starts: ClassVar[list[float]] = []

    async def collect(self) -> Sequence[Reading]:
        type(self).starts.append(time.monotonic())
        raise SourceError("down")


class TwoSamplesPartial(TwoSamples):
    starts: ClassVar[list[float]] = []

    async def collect(self) -> Sequence[Reading]:
        readings = await super().collect()
        raise SourceError("one of two queries failed", readings=readings)


class TwoSamplesBuggy(OneSample):
    starts: ClassVar[list[float]] = []

    def needs_two_samples(self) -> bool:
        raise RuntimeError("bug")


def engine(interval: str) -> Engine:
    registry = PluginRegistry(group="oncall_tui.tests.none")
    plugins: dict[str, type[_Counting]] = {
        "one": OneSample,
        "two": TwoSamples,
        "failing": TwoSamplesFailing,
        "buggy": TwoSamplesBuggy,
        "partial": TwoSamplesPartial,
    }
    text = ""
    for name, cls in plugins.items():
        cls.starts.clear()
        registry.register(name, cls)  # type: ignore[arg-type]
        text += f'[sources.{name}]\nplugin = "{name}"\ninterval = "{interval}"\n'
    return Engine(parse_config(text, Path("."), registry=registry), registry=registry)


async def test_a_source_needing_two_samples_is_collected_twice_an_interval_apart() -> None:
    subject = engine("300ms")
    await subject.collect_settled()
    await subject.stop()
    assert len(OneSample.starts) == 1 and len(TwoSamplesBuggy.starts) == 1
    assert len(TwoSamples.starts) == 2
    assert TwoSamples.starts[1] - TwoSamples.starts[0] >= 0.3
    assert len(TwoSamplesFailing.starts) == 1, "a failed first sample is not repeated"
    assert len(TwoSamplesPartial.starts) == 2, "what partly worked gets its second sample"
    signals = {signal.name: signal for signal in subject.store.signals.values()}
    assert signals["TwoSamples"].status is Status.OK and signals["TwoSamples"].value == 1.0
    assert signals["OneSample"].status is Status.UNKNOWN


async def test_the_wait_for_the_second_sample_is_bounded() -> None:
    subject = engine("1m")
    started = time.monotonic()
    await subject.collect_settled(max_wait=0.2)
    await subject.stop()
    assert len(TwoSamples.starts) == 2
    assert time.monotonic() - started < 30.0, "waited 0.2 s, not the 1 m interval"
