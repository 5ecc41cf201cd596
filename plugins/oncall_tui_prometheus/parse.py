"""Reading a Prometheus API response in small steps, meant to run off the event loop.

`json.loads` of a 6 MB body (100,000 series) holds the GIL for half a second or more,
in a thread as much as on the loop, and the screen freezes meanwhile. Here the
`result` array is walked one series at a time (`raw_decode` per element), so the GIL
changes hands between steps and the screen's loop keeps running; `max_series`
applies as the series go by (the cap and one more are held at most), series nobody
asked for (a baseline's unmatched ones) are dropped at once, and a deadline stops the
work instead of letting it outlive the collection that wanted it.
"""

from __future__ import annotations

import bisect
import json
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from oncall_tui.plugin import Courtesy, SourceError, as_number

LabelKey = tuple[tuple[str, str], ...]
"""A series' labels, sorted: hashable, and the order max_series keeps series in."""

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SPACE = frozenset(" \t\n\r")
_STR = {str}
_DECODER = json.JSONDecoder()
CHECK_EVERY = 512
"""Series handled between two looks at the clock."""
GIVE_WAY_EVERY = 64
"""Series handled between two looks whether the screen wants the CPU (a key came):
~0.5 ms of this thread's work."""


class BadResponse(Exception):
    """The body is not the JSON a Prometheus API sends; the message is fit to show."""


class Malformed(BadResponse):
    """Valid JSON, but not the shape of a Prometheus answer."""


class TooSlow(SourceError):
    """The deadline passed while the body was being read."""

    def __init__(self) -> None:
        super().__init__("timed out while reading the response")


@dataclass(slots=True)
class Series:
    labels: dict[str, str]
    value: float | None = None
    """An instant sample's value (NaN, ±Inf, histograms: None)."""
    at: float | None = None
    """An instant sample's timestamp, unix seconds."""
    points: list[tuple[float, float | None]] = field(default_factory=list)
    """A range result's samples, oldest first."""


@dataclass(slots=True)
class Response:
    """What a Prometheus API answered: the envelope, and the kept series."""

    status: str = ""
    error_type: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    is_partial: bool = False
    """VictoriaMetrics' `isPartial`: some storage nodes did not answer."""
    has_data: bool = False
    result_type: str = ""
    series: list[Series] = field(default_factory=list)
    """Kept series (at most the cap: then the first by labels), or the one series of
    a scalar."""
    total: int = 0
    """Series in the result before the cap and the filter."""


def label_key(labels: dict[str, str], *, without_name: bool = False) -> LabelKey:
    items = ((k, v) for k, v in labels.items() if not (without_name and k == "__name__"))
    return tuple(sorted(items))


def parse_response(
    body: bytes,
    *,
    cap: int,
    content_type: str = "",
    wanted: Collection[LabelKey] | None = None,
    match_without_name: bool = False,
    deadline: float | None = None,
) -> Response:
    """Parse `body`, keeping the first `cap` series by label order.

    `wanted`: only series whose label key is in it are kept (matched without the
    metric name when `match_without_name`). `deadline`: a `time.monotonic()` after
    which `TooSlow` is raised.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadResponse(_invalid("not UTF-8", content_type)) from None
    walk = _Walk(text, cap, wanted, match_without_name, deadline)
    try:
        end = walk.top()
        if walk.skip(end) != len(text):
            raise walk.error("extra data after the JSON document", end)
    except Malformed:
        raise
    except BadResponse as exc:
        raise BadResponse(_invalid(str(exc), content_type)) from None
    except json.JSONDecodeError as exc:
        raise BadResponse(_invalid(f"{exc.msg} at position {exc.pos}", content_type)) from None
    except RecursionError:
        raise BadResponse(_invalid("nested too deeply", content_type)) from None
    return walk.finish()


def _invalid(detail: str, content_type: str) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and "json" not in media_type:
        # The usual cause: the URL points at a web page or a /metrics endpoint.
        return f"invalid JSON in response (got {media_type[:60]}; is the URL right?)"
    return f"invalid JSON in response ({detail})"


class _Walk:
    """The two levels of the envelope walked by hand, everything below by the C
    decoder one value at a time."""

    def __init__(
        self,
        text: str,
        cap: int,
        wanted: Collection[LabelKey] | None,
        without_name: bool,
        deadline: float | None,
    ) -> None:
        self.text = text
        self.cap = cap
        self.wanted = wanted
        self.without_name = without_name
        self.deadline = deadline
        self.courtesy = Courtesy(deadline)
        self.response = Response()
        self.candidates: list[dict[str, object]] = []
        """Series kept while they fit under the cap, in the order they came."""
        self.kept: list[tuple[LabelKey, int, dict[str, object]]] | None = None
        """Past the cap: the first `cap` series by labels (then arrival), in order."""
        self.scalar: list[object] = []

    def error(self, what: str, pos: int) -> BadResponse:
        return BadResponse(f"{what} at position {pos}")

    def skip(self, pos: int) -> int:
        text = self.text
        if pos >= len(text) or text[pos] not in _SPACE:  # the usual case: compact JSON
            return pos
        match = _WHITESPACE.match(text, pos)
        return match.end() if match else pos

    def top(self) -> int:
        return self._object(self.skip(0), self._top_member)

    def _object(self, pos: int, on_member: Callable[[str, int], int]) -> int:
        text = self.text
        if not text.startswith("{", pos):
            raise self.error("expected an object", pos)
        pos = self.skip(pos + 1)
        if text.startswith("}", pos):
            return pos + 1
        while True:
            key, pos = self._value(pos) if text.startswith('"', pos) else (None, pos)
            if not isinstance(key, str):
                raise self.error("expected a key", pos)
            pos = self.skip(pos)
            if not text.startswith(":", pos):
                raise self.error("expected ':'", pos)
            pos = self.skip(on_member(key, self.skip(pos + 1)))
            if text.startswith(",", pos):
                pos = self.skip(pos + 1)
            elif text.startswith("}", pos):
                return pos + 1
            else:
                raise self.error("expected ',' or '}'", pos)

    def _value(self, pos: int) -> tuple[object, int]:
        value, end = _DECODER.raw_decode(self.text, pos)
        return value, end

    def _top_member(self, key: str, pos: int) -> int:
        if key == "data" and self.text.startswith("{", pos):
            self.response.has_data = True
            return self._object(pos, self._data_member)
        value, end = self._value(pos)
        response = self.response
        if key == "status":
            response.status = str(value)
        elif key == "errorType":
            response.error_type = str(value or "")
        elif key == "error":
            response.error = str(value or "")
        elif key == "warnings" and isinstance(value, list):
            response.warnings = [str(item) for item in value[:100]]
        elif key == "isPartial":
            response.is_partial = value is True
        return end

    def _data_member(self, key: str, pos: int) -> int:
        if key == "result" and self.text.startswith("[", pos):
            return self._result(pos)
        value, end = self._value(pos)
        if key == "resultType":
            self.response.result_type = str(value)
        return end

    def _result(self, pos: int) -> int:
        text = self.text
        pos = self.skip(pos + 1)
        if text.startswith("]", pos):
            return pos + 1
        count = 0
        while True:
            item, pos = self._value(pos)
            count += 1
            if isinstance(item, dict):
                self._series(item)
            else:
                # A scalar or string result: [timestamp, "value"].
                if len(self.scalar) >= 2:
                    raise Malformed("malformed series in response")
                self.scalar.append(item)
            if count % GIVE_WAY_EVERY == 0:
                self.courtesy()
            if (
                count % CHECK_EVERY == 0
                and self.deadline is not None
                and time.monotonic() > self.deadline
            ):
                raise TooSlow
            pos = self.skip(pos)
            if text.startswith(",", pos):
                pos = self.skip(pos + 1)
            elif text.startswith("]", pos):
                return pos + 1
            else:
                raise self.error("expected ',' or ']'", pos)

    def _series(self, item: dict[str, object]) -> None:
        metric = item.get("metric")
        if not isinstance(metric, dict):
            metric = {}
        elif not set(map(type, metric.values())) <= _STR:
            metric = {key: str(value) for key, value in metric.items()}
        item["metric"] = metric
        self.response.total += 1
        wanted = self.wanted
        if wanted is not None and label_key(metric, without_name=self.without_name) not in wanted:
            return
        if self.kept is None:
            self.candidates.append(item)
            if len(self.candidates) > self.cap:
                self.kept = []
                for arrived, earlier in enumerate(self.candidates):
                    self._keep(arrived, earlier)
                self.candidates = []
            return
        self._keep(self.response.total, item)

    def _keep(self, arrived: int, item: dict[str, object]) -> None:
        """Keep the first `cap` series by labels: the same series every time, or
        signals would flap in and out as the server's order changes. One series at a
        time into a sorted list (a comparison with the last kept drops most at once):
        sorting thousands of label tuples in one call held the GIL 50-80 ms, and every
        other thread (the screen's, the keyboard's) waited that long."""
        kept = self.kept
        assert kept is not None
        entry = (_labels_order(item), arrived, item)
        if kept and len(kept) >= self.cap and entry >= kept[-1]:
            return
        bisect.insort(kept, entry)
        if len(kept) > self.cap:
            kept.pop()

    def finish(self) -> Response:
        response = self.response
        if self.scalar:
            if self.candidates or self.kept or response.result_type in ("vector", "matrix"):
                raise Malformed("malformed series in response")
            value, at = _sample(self.scalar)
            response.series = [Series({}, value, at)]
            return response
        if self.kept is not None:
            response.series = [_to_series(item) for _, _, item in self.kept]
        else:
            response.series = [_to_series(item) for item in self.candidates]
        return response


def _labels_order(item: dict[str, object]) -> LabelKey:
    labels = item["metric"]
    assert isinstance(labels, dict)
    return label_key(labels)


def _to_series(item: dict[str, object]) -> Series:
    labels = item["metric"]
    assert isinstance(labels, dict)
    value, at = _sample(item.get("value"))
    points: list[tuple[float, float | None]] = []
    values = item.get("values")
    if isinstance(values, list):
        for sample in values:
            number, when = _sample(sample)
            if when is not None:
                points.append((when, number))
    # A native histogram sample has "histogram" instead of "value": no number.
    return Series(labels, value, at, points)


def _sample(sample: object) -> tuple[float | None, float | None]:
    """(value, timestamp) of a [timestamp, "value"] pair; anything odd is None. A JSON
    true or false is odd too: `as_number` reads booleans as 1 and 0 (for a plugin's own
    bool signals), and a broken server's `false` must not show as 0."""
    if isinstance(sample, list) and len(sample) == 2:
        return _number(sample[1]), _number(sample[0])
    return None, None


def _number(value: object) -> float | None:
    return None if isinstance(value, bool) else as_number(value)
