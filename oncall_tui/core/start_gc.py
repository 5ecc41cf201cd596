"""The garbage collector held off while the process starts, then kept off what start-up
built.

Start-up imports Textual, pydantic, the plugins and our own modules, then takes in a
first collection: about 130,000 objects, nearly all kept for the life of the process.
CPython's collector meanwhile runs ~300 times, some of them full passes over everything
made so far: 120-190 ms of CPU before the board's first frame, 15-20% of it (measured
through a pty on the 1k demo). Held off until start-up is done (`hold`), then `release`
freezes what exists (`gc.freeze`: the collector never walks it again, so its later
passes look only at what was made since) and turns the collector back on.

What start-up leaves as cyclic garbage is frozen with the rest and never freed: ~800
objects on the 1k demo (a full collection at that point finds 795), a bounded one-off
rather than the 58 ms that collection costs.
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


def release() -> None:
    """Freeze what start-up built and collect automatically again. Undoes `hold` only: a
    process that did not hold (a test, an embedding) keeps its collector as it was."""
    global _held
    if not _held:
        return
    _held = False
    gc.freeze()
    gc.enable()
