"""The garbage collector held off while the process loads its modules, then kept off
what they built.

Start-up imports Textual, pydantic, the plugins and our own modules: tens of thousands
of objects, all kept for the life of the process. CPython's collector meanwhile runs
hundreds of times, some of them full passes over everything made so far: with the first
collection and Textual's start, ~300 runs and 120-190 ms of CPU before the board's first
frame (15-20% of it, measured through a pty on the 1k demo). Held off while the modules
load (`hold`); `release` then freezes what exists (`gc.freeze`: the collector never
walks it again, so its later passes look only at what was made since) and turns the
collector back on for the rest of start-up, whose garbage is collected as usual.

What the imports leave as cyclic garbage is frozen with the rest and never freed: ~800
objects (a full collection at that point finds 795 on the 1k demo), a bounded one-off
rather than the ~60 ms that collection costs.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """No automatic collection until `release` (nothing to do if the collector is off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release(*, collect: bool = True) -> None:
    """Collect once, freeze the survivors and collect automatically again. Undoes `hold`
    only: a process that did not hold (a test, an embedding) keeps its collector as it
    was. `collect=False` for a process about to exit (`check`): start-up's garbage then
    stays until it does, and the ~60 ms pass is not paid."""
    global _held
    if not _held:
        return
    _held = False
    if collect:
        gc.collect()
    gc.freeze()
    gc.enable()


def undo() -> None:
    """The collector back on, nothing frozen, if a command stopped between `hold` and
    `release` (a config mistake, no terminal): a process that goes on (a test, an
    embedding) must not be left without automatic collection."""
    global _held
    if _held:
        _held = False
        gc.enable()
