"""Trends for the rows: a sparkline per row drawn against the signal's limits (no Textual).

Not auto-scaled to the data: the warning and critical limits sit at fixed heights, so a
breach easing from 30x to 25x its baseline still draws full bars in critical colour
instead of being rescaled into a picture of recovery. Low-is-bad signals (availability)
draw healthy values tall and an outage as a dip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import Reason, Signal, Status, Thresholds

SparkCells = list[tuple[str, Status | None]]

SPARK_STEP = 60.0
"""Seconds of history per sparkline cell (8 cells: the last 8 minutes). Cells are
aligned to the clock; the last one is the bucket now is in, drawn as far as it goes, so
the trend reaches the value beside it instead of lagging up to a minute behind. The
complete buckets move one cell a minute for every row at once and never in between;
the partial one changes only with a new sample, that is when the row's value repaints
anyway. A signal with no current data (source error, stale, gone) draws that bucket
blank: its samples from before it turned unknown are not data for now (see `live`)."""
SPARK_BARS = "▁▂▃▄▅▆▇█"


def spark_width(panel_width: int) -> int:
    """Cells of trend a row of this width gets (0: none)."""
    if panel_width >= 160:
        return 16
    if panel_width >= 100:
        return 12
    if panel_width >= 56:
        return 8
    return 0


def _scale(thresholds: Thresholds | None, peak: float) -> Callable[[float], float]:
    """value -> bar height in [0, 8): the thresholds sit at fixed heights, so a series
    that falls but stays far above critical still draws full bars (no auto-scaling to
    the data: a 25x breach easing to 20x is not a recovery)."""
    warning = thresholds.warning if thresholds else None
    critical = thresholds.critical if thresholds else None
    if (
        thresholds is not None
        and thresholds.below
        and (warning is not None or critical is not None)
    ):
        # Low is bad: healthy values draw tall, a dip draws low.
        hi_limit = warning if warning is not None else critical
        lo_limit = critical if critical is not None else hi_limit
        assert hi_limit is not None and lo_limit is not None
        span = max(hi_limit - lo_limit, abs(hi_limit) * 0.05, 1e-9)

        def below(value: float) -> float:
            if value >= hi_limit:
                return 5 + min(2.99, (value - hi_limit) / span * 3)
            if value >= lo_limit:
                return 2 + (value - lo_limit) / span * 3
            return max(0.0, 2 - (lo_limit - value) / span * 2)

        return below
    if warning is not None and critical is not None and critical > warning:
        w, c = warning, critical

        def both(value: float) -> float:
            if value < w:
                return max(0.0, value / w * 3) if w > 0 else 0.0
            if value < c:
                return 3 + (value - w) / (c - w) * 3
            return min(7.99, 6 + (value - c) / max(c - w, 1e-9) * 2)

        return both
    limit = critical if critical is not None else warning
    if limit is not None and limit > 0:
        mark = 6.0 if critical is not None else 4.0

        def one(value: float) -> float:
            if value < limit:
                return max(0.0, value / limit * mark)
            return min(7.99, mark + (value - limit) / limit * (8 - mark))

        return one
    top = peak if peak > 0 else 1.0
    return lambda value: max(0.0, min(7.99, value / top * 7.99))


def live(signal: Signal) -> bool:
    """Whether the signal's bucket now may be drawn: not while it is unknown because no
    current data arrives (its source failing, its data stale, or no longer reported).
    Its value beside the trend is then the last one known, muted; a bar for the bucket
    now (samples from before the source failed, or the bucket before standing in) would
    draw it as current data."""
    if signal.missing_since is not None:
        return False
    return not (
        signal.status is Status.UNKNOWN and signal.reason in (Reason.SOURCE_ERROR, Reason.STALE)
    )


def spark_cells(
    history: History,
    thresholds: Thresholds | None,
    now: float,
    cells: int,
    step: float = SPARK_STEP,
    *,
    current: bool = True,
) -> list[tuple[str, Status | None]]:
    """The last `cells` time buckets of `history` as (bar, bucket status): the complete
    ones and, last, the one `now` is in (blank unless `current`: see `live`).

    Each bucket shows its worst value (highest, or lowest when low is bad), so a spike
    inside a bucket is not averaged away; an empty bucket is a blank, never a zero.
    """
    if cells <= 0:
        return []
    complete = complete_buckets(history, thresholds, now, cells - 1, step)
    last = current_bucket(history, thresholds, now, complete, step) if current else None
    return draw([*complete, last], thresholds)


def complete_buckets(
    history: History, thresholds: Thresholds | None, now: float, cells: int, step: float
) -> list[float | None]:
    """The worst value of each of the `cells` complete buckets before the one `now` is
    in, oldest first (None: no data); a single empty bucket between two full ones is
    carried over (see `_carry`)."""
    end_bucket = math.floor(now / step) - 1
    first_bucket = end_bucket - cells + 1
    start = first_bucket * step
    worst: list[float | None] = [None] * cells
    end = (end_bucket + 1) * step
    for at, value in _tail(history, start):
        if value is None or at >= end:
            continue
        index = math.floor(at / step) - first_bucket
        if 0 <= index < cells:
            worst[index] = _worse(worst[index], value, thresholds)
    _carry(worst)
    return worst


def current_bucket(
    history: History,
    thresholds: Thresholds | None,
    now: float,
    before: list[float | None],
    step: float = SPARK_STEP,
) -> float | None:
    """The worst value so far in the bucket `now` is in. Before its first sample the
    bucket before it stands in (the newest value is still what it was), so a minute
    turning does not blank the end of every trend; a sample of no data stays a gap."""
    start = math.floor(now / step) * step
    worst: float | None = None
    seen = False
    for at, value in history.newest_since(start):
        if at > now:
            continue
        seen = True
        if value is not None:
            worst = _worse(worst, value, thresholds)
    if not seen and before:
        return before[-1]
    return worst


def draw(worst: list[float | None], thresholds: Thresholds | None) -> SparkCells:
    """Bars for worst values, against the limits (see `_scale`)."""
    peak = max((abs(v) for v in worst if v is not None), default=0.0)
    scale = _scale(thresholds, peak)
    out: SparkCells = []
    for value in worst:
        if value is None:
            out.append((" ", None))
            continue
        level = int(scale(value))
        status = thresholds.level(value) if thresholds is not None else None
        out.append((SPARK_BARS[max(0, min(7, level))], status))
    return out


def _worse(current: float | None, value: float, thresholds: Thresholds | None) -> float:
    below = bool(thresholds and thresholds.below)
    if current is None or (value < current if below else value > current):
        return value
    return current


def _carry(worst: list[float | None]) -> None:
    """Fill a single empty bucket between two full ones with the one before it: a source
    polled less often than once a bucket is a line, not a comb. Longer gaps stay blank: no
    data is never drawn as data."""
    for index in range(1, len(worst) - 1):
        before = worst[index - 1]
        if worst[index] is None and before is not None and worst[index + 1] is not None:
            worst[index] = before


def _tail(history: History, start: float) -> Iterator[tuple[float, float | None]]:
    """Samples at or after `start` (a ring of at most a few hundred samples: walking
    it whole for the few visible rows that changed is cheaper than keeping an index)."""
    for at, value in history:
        if at >= start:
            yield at, value


class SparkCache:
    """The complete buckets of the rows' trends, kept for the minute they stay the same
    (computed once a minute per row, not on every repaint of its value); only the
    current bucket is read afresh, from the newest few samples."""

    def __init__(self) -> None:
        self._bucket = -1
        self._cells: dict[tuple[str, int], tuple[Thresholds | None, list[float | None]]] = {}

    def get(self, signal: Signal, now: float, cells: int) -> SparkCells:
        if cells <= 0:
            return []
        bucket = math.floor(now / SPARK_STEP)
        if bucket != self._bucket:
            self._bucket = bucket
            self._cells.clear()
        key = (signal.key, cells)
        cached = self._cells.get(key)
        if cached is not None and cached[0] is signal.thresholds:
            complete = cached[1]
        else:
            complete = complete_buckets(
                signal.history, signal.thresholds, now, cells - 1, SPARK_STEP
            )
            self._cells[key] = (signal.thresholds, complete)
        current = (
            current_bucket(signal.history, signal.thresholds, now, complete)
            if live(signal)
            else None
        )
        return draw([*complete, current], signal.thresholds)
