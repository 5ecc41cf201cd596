"""The cycle collector skips what a filled board holds (ui/heap.py): the survivors of
a full collection are frozen once the store has grown, and only then."""

from __future__ import annotations

import gc

from oncall_tui.ui.heap import FULL_EVERY, QUIET, SurvivorFreezer


def test_survivors_are_frozen_after_a_full_collection_once_the_store_has_grown() -> None:
    store = [0]
    freezer = SurvivorFreezer(lambda: store[0])
    freezer.install()
    frozen_before = gc.get_freeze_count()
    try:
        gc.collect()
        assert freezer.freezes == 0, "an empty store: nothing worth freezing yet"
        store[0] = 1_000
        gc.collect(0)
        assert freezer.freezes == 0, "only after a full collection"
        gc.collect()
        assert freezer.freezes == 1 and gc.get_freeze_count() > frozen_before
        assert gc.get_count()[2] == 0
        store[0] = 1_400
        gc.collect()
        assert freezer.freezes == 1, "grown by less than half: not again"
        store[0] = 1_500
        gc.collect()
        assert freezer.freezes == 2
        # What is frozen is still freed when it is dropped (reference counting).
        gone = [[n] for n in range(1000)]
        gc.collect()
        store[0] = 3_000
        gc.collect()
        frozen = gc.get_freeze_count()
        del gone
        assert gc.get_freeze_count() <= frozen - 1000
    finally:
        freezer.uninstall()
        gc.unfreeze()
    assert freezer._collected not in gc.callbacks


def full_collections_while_keeping(count: int) -> int:
    """Full collections Python runs by itself while `count` new objects survive (a
    board's readings and widgets as they come)."""
    fulls = [0]

    def seen(phase: str, info: dict[str, object]) -> None:
        if phase == "stop" and info.get("generation") == 2:
            fulls[0] += 1

    gc.collect()
    gc.callbacks.append(seen)
    try:
        kept = [[n] for n in range(count)]
    finally:
        gc.callbacks.remove(seen)
    del kept
    return fulls[0]


def test_while_keys_are_pressed_full_collections_are_rarer() -> None:
    """Each full collection walks every unfrozen object (40-200 ms at 10k under load)
    and Python ran one every 2-4 s while keys were pressed on the 10k board; once the
    keys are quiet, Python's own pace again (garbage is not held longer than that)."""
    thresholds = gc.get_threshold()
    usual = full_collections_while_keeping(2_000_000)
    now = [0.0]
    freezer = SurvivorFreezer(lambda: 0, clock=lambda: now[0])
    freezer.install()
    try:
        assert gc.get_threshold() == thresholds, "nobody at the keys yet: Python's pace"
        freezer.key_pressed()
        assert gc.get_threshold()[2] == FULL_EVERY
        installed = full_collections_while_keeping(2_000_000)
        now[0] = QUIET - 1
        gc.collect(0)
        assert gc.get_threshold()[2] == FULL_EVERY
        now[0] = QUIET + 1
        gc.collect(0)
        assert gc.get_threshold() == thresholds, "quiet keys: Python's pace again"
        freezer.key_pressed()
    finally:
        freezer.uninstall()
    assert gc.get_threshold() == thresholds
    assert usual >= 3 and installed <= usual // 3, (usual, installed)
