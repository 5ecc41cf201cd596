"""Background work gives way to the screen while someone is at the keys: a key read by
the terminal driver asks for the CPU, a source's parse looks between its steps and
sleeps (the GIL free for the screen's loop and the keyboard's reader), within a budget
that keeps its collection's deadline.

Times here are lower bounds of sleeps asked for, or generous upper bounds of a budget
(5x and more); no benchmark figure is asserted.
"""

from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace

import pytest

from oncall_tui.core.sources import courtesy
from oncall_tui.core.sources.courtesy import Courtesy, screen_needs_cpu
from oncall_tui_prometheus import parse
from pipe_driver import driver_on_a_pipe, keys
from waiting import wait_until_async


@pytest.fixture(autouse=True)
def _nobody_at_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(courtesy, "_wanted_until", 0.0)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sleeps a `Courtesy` asks for, slept all the same: what it gives up is judged
    by what it asked, which a loaded machine (a late wake) or a full collection of the
    test worker's heap cannot stretch."""
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(courtesy, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    return asked


def test_nothing_asked_no_wait(slept: list[float]) -> None:
    polite = Courtesy(deadline=time.monotonic() + 10)
    for _ in range(1000):
        polite()
    assert slept == []


def test_it_waits_while_the_screen_wants_the_cpu_then_not_again() -> None:
    polite = Courtesy(deadline=time.monotonic() + 10)
    screen_needs_cpu(0.05)
    started = time.monotonic()
    polite()
    assert time.monotonic() - started >= 0.045
    left = polite.left
    polite()  # the key was answered: on with the work
    # Its budget, not the wall clock: a loaded machine may keep this thread off the CPU.
    assert polite.left == left


def test_a_typist_never_holds_the_work_past_its_share_of_the_deadline(
    slept: list[float],
) -> None:
    """A key every moment for as long as the work runs: it gives way a quarter of its
    time to the deadline in all (here 0.1 s of 0.4 s), then works on regardless."""
    polite = Courtesy(deadline=time.monotonic() + 0.4)
    for _ in range(200):
        screen_needs_cpu(0.05)
        polite()
    assert 0.095 <= sum(slept) <= 0.1, slept
    assert polite.left == 0


async def test_a_key_read_by_the_driver_asks_for_the_cpu() -> None:
    with driver_on_a_pipe() as (writing, got):
        assert courtesy._wanted_until == 0.0
        os.write(writing, b"j")
        await wait_until_async(lambda: "j" in keys(got), what="the key handed over")
        assert courtesy._wanted_until > 0.0


def test_a_prometheus_answer_is_read_with_a_look_every_few_series(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looks: list[float | None] = []

    class Counted(Courtesy):
        def __call__(self) -> None:
            looks.append(self.left)

    monkeypatch.setattr(parse, "Courtesy", Counted)
    result = [{"metric": {"s": str(i)}, "value": [1.5, "1"]} for i in range(1000)]
    body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}})
    response = parse.parse_response(body.encode(), cap=100, deadline=time.monotonic() + 10)
    assert len(response.series) == 100
    assert len(looks) == 1000 // parse.GIVE_WAY_EVERY
