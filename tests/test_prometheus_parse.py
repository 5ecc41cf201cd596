"""The step-by-step reader of Prometheus API bodies: odd but valid JSON, broken JSON,
the cap, the filter and the deadline. Pure functions on bytes: no server needed (the
real Prometheus answers are covered by the plugin tests)."""

from __future__ import annotations

import gc
import json
import random
import time

import pytest

from oncall_tui_prometheus import parse
from oncall_tui_prometheus.parse import BadResponse, TooSlow, label_key, parse_response
from oncall_tui_prometheus.plugin import without_cycle_collector


def vector(*labels: dict[str, str], **envelope: object) -> bytes:
    result = [{"metric": m, "value": [1700000000.5, str(i)]} for i, m in enumerate(labels)]
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": result}, **envelope}
    ).encode()


def test_vector_envelope_and_samples() -> None:
    body = vector({"rule": "b"}, {"rule": "a"}, warnings=["partial response"])
    response = parse_response(body, cap=10)
    assert (response.status, response.result_type, response.total) == ("success", "vector", 2)
    assert response.warnings == ["partial response"]
    assert [(s.labels, s.value, s.at) for s in response.series] == [
        ({"rule": "b"}, 0.0, 1700000000.5),
        ({"rule": "a"}, 1.0, 1700000000.5),
    ], "under the cap: the server's order, nothing sorted"


def test_the_cap_keeps_the_first_by_labels_whatever_the_order() -> None:
    labels = [{"s": f"{i:04d}"} for i in range(1000)]
    forward = parse_response(vector(*labels), cap=3)
    backward = parse_response(vector(*reversed(labels)), cap=3)
    assert [s.labels["s"] for s in forward.series] == ["0000", "0001", "0002"]
    assert [s.labels["s"] for s in backward.series] == ["0000", "0001", "0002"]
    assert forward.total == backward.total == 1000


def test_past_the_cap_the_first_by_labels_then_by_arrival_whatever_the_order() -> None:
    """Shuffled answers with repeated label sets (a broken server), cut at caps below,
    at and past the sizes where work is done: the kept series are always the first
    `cap` by labels, ties in the order they came, as a stable sort of all would say."""
    rng = random.Random(7)
    for total, cap in [(50, 7), (300, 100), (301, 150), (1000, 999), (40, 40), (41, 40)]:
        labels = [{"b": str(rng.randrange(9)), "a": str(rng.randrange(5))} for _ in range(total)]
        rng.shuffle(labels)
        response = parse_response(vector(*labels), cap=cap)
        expected = sorted(range(total), key=lambda i: label_key(labels[i]))[:cap]
        if total <= cap:
            expected = list(range(total))  # under the cap: the server's order
        assert [s.value for s in response.series] == [float(i) for i in expected]


def test_past_the_cap_no_more_than_the_cap_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap applies one series at a time: at most `cap` + 1 are held while the answer
    is read. Before, up to twice the cap were gathered and then sorted in one call, which
    held the GIL (every other thread, the screen's and the keyboard's, waited) for
    50-80 ms each time at a 10,000 cap."""
    held: list[int] = []
    original = parse._Walk._series

    def series(self: parse._Walk, item: dict[str, object]) -> None:
        original(self, item)
        held.append(len(self.candidates) + len(self.kept or ()))

    monkeypatch.setattr(parse._Walk, "_series", series)
    labels = [{"s": f"{(i * 7919) % 1000:04d}"} for i in range(1000)]
    response = parse_response(vector(*labels), cap=50)
    assert len(response.series) == 50 and response.total == 1000
    assert max(held) <= 51


def test_key_order_whitespace_and_unknown_keys() -> None:
    # Other servers order keys differently, pretty-print, and add fields.
    body = b"""
    { "data" : { "result" : [ { "value" : [ 1, "7" ], "metric" : { "a" : "x" } } ] ,
                 "resultType" : "vector", "stats": {"x": [1, 2, {"y": null}]} } ,
      "status" : "success", "infos": ["PromQL info: something"] }
    """
    response = parse_response(body, cap=5)
    assert (response.status, response.result_type) == ("success", "vector")
    assert [(s.labels, s.value) for s in response.series] == [({"a": "x"}, 7.0)]


def test_scalar_string_matrix_and_error_envelopes() -> None:
    scalar = parse_response(
        b'{"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]}}', cap=1
    )
    assert [(s.labels, s.value, s.at) for s in scalar.series] == [({}, 2.0, 1.5)]
    matrix = parse_response(
        b'{"status":"success","data":{"resultType":"matrix","result":'
        b'[{"metric":{"a":"1"},"values":[[1,"1"],[2,"NaN"],["x","3"],[4,"4"]]}]}}',
        cap=1,
    )
    assert matrix.series[0].points == [(1.0, 1.0), (2.0, None), (4.0, 4.0)]
    error = parse_response(
        b'{"status":"error","errorType":"bad_data","error":"parse error"}', cap=1
    )
    assert (error.status, error.error_type, error.error, error.has_data) == (
        "error", "bad_data", "parse error", False,
    )  # fmt: skip
    null = parse_response(b'{"status":"success","data":null}', cap=1)
    assert (null.has_data, null.series) == (False, [])


def test_odd_series_values() -> None:
    body = json.dumps({
        "status": "success",
        "data": {"resultType": "vector", "result": [
            {"metric": {"a": 1, "b": None}, "value": [1, "NaN"]},
            {"metric": "not a dict", "value": [1, "+Inf"]},
            {"metric": {}, "histogram": [1, {"count": "3"}]},
            {"metric": {"c": "x"}, "value": [1, "1e309"]},
            {"metric": {"d": "x"}, "value": [1, "0x10"]},
        ]},
    }).encode()  # fmt: skip
    series = parse_response(body, cap=10).series
    assert [s.labels for s in series] == [{"a": "1", "b": "None"}, {}, {}, {"c": "x"}, {"d": "x"}]
    assert [s.value for s in series] == [None] * 5


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "expected an object at position 0"),
        (b"[1]", "expected an object at position 0"),
        (b'{"status":"success"', "expected ',' or '}' at position 19"),
        (b'{"status":"success"} x', "extra data after the JSON document at position 20"),
        (b'{"data":{"result":[{"metric":{}},]}}', "Expecting value at position 33"),
        (b'{"data":{"result":[1,2,3]}}', "malformed series in response"),
        (b"{1: 2}", "expected a key at position 1"),
        (b'{"a" 1}', "expected ':' at position 5"),
        (b'\xff{"a": 1}', "not UTF-8"),
        (b'{"data":{"result":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}}", "nested too deeply"),
    ],
)
def test_broken_json_is_said_plainly(body: bytes, detail: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_response(body, cap=5)
    assert str(caught.value) in (f"invalid JSON in response ({detail})", detail)


def test_vector_with_a_non_series_is_malformed() -> None:
    with pytest.raises(BadResponse, match=r"^malformed series in response$"):
        parse_response(
            b'{"status":"success","data":{"resultType":"vector","result":[null]}}', cap=5
        )


def test_not_json_names_the_content_type() -> None:
    with pytest.raises(BadResponse, match=r"got text/html; is the URL right\?"):
        parse_response(b"<html>", cap=5, content_type="text/html; charset=utf-8")


def test_wanted_series_only_matched_without_the_metric_name() -> None:
    body = vector({"__name__": "hits", "rule": "a"}, {"rule": "b"}, {"rule": "c"})
    wanted = {label_key({"rule": "a"}), label_key({"rule": "c"})}
    response = parse_response(body, cap=10, wanted=wanted, match_without_name=True)
    assert [s.labels.get("rule") for s in response.series] == ["a", "c"]
    assert response.total == 3
    exact = parse_response(body, cap=10, wanted=wanted)
    assert [s.labels.get("rule") for s in exact.series] == ["c"], "with the name, a differs"


def test_a_passed_deadline_stops_the_walk() -> None:
    body = vector(*({"s": str(i)} for i in range(2000)))
    with pytest.raises(TooSlow, match="timed out while reading the response"):
        parse_response(body, cap=10, deadline=time.monotonic() - 1)
    assert len(parse_response(body, cap=10, deadline=time.monotonic() + 60).series) == 10


def test_the_cycle_collector_is_paused_while_reading_and_resumed_after() -> None:
    assert gc.isenabled()
    seen: list[bool] = []

    def inner() -> None:
        seen.append(gc.isenabled())
        without_cycle_collector(lambda: seen.append(gc.isenabled()))
        seen.append(gc.isenabled())  # still paused: the outer reader is not done

    without_cycle_collector(inner)
    assert seen == [False, False, False] and gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        without_cycle_collector(lambda: 1 / 0)
    assert gc.isenabled(), "resumed after a failure too"
    gc.disable()
    try:
        without_cycle_collector(lambda: None)
        assert not gc.isenabled(), "left as it was found"
    finally:
        gc.enable()
