"""`init` reading alerting rules: every comparison form through a real Prometheus's
/api/v1/rules, and hostile answers from a loopback server speaking that API, each with
a bound (rules kept, bytes read, time taken) through the real `oncall-tui init`.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.commands.init_discover import MAX_RULES, TIMEOUT
from oncall_tui.commands.init_rules import NotAThreshold, split_rule
from oncall_tui.core.config.loader import load_config
from scenario_monitoring import run_cli
from servers import no_proxy
from servers_http import HTTPTestServer, serve_http
from servers_prometheus import query, start_prometheus

RULES = """\
groups:
  - name: forms
    rules:
      - {alert: Above, expr: 'sum by (service) (rate(reqs_total[1m])) > 5', for: 2m,
         labels: {severity: critical}}
      - {alert: AboveWarn, expr: 'sum by (service) (rate(reqs_total[1m])) > 2',
         labels: {severity: warning}}
      - {alert: AtLeast, expr: 'queue_depth >= 100', labels: {severity: page}}
      - {alert: Below, expr: 'avg by (job) (healthy_instances) < 2',
         labels: {severity: critical}}
      - {alert: AtMost, expr: 'free_bytes <= 1e9', labels: {severity: warning}}
      - {alert: NumberFirst, expr: '0.5 > ((success_ratio))', labels: {severity: critical}}
      - {alert: Equal, expr: 'bank_up == 0', labels: {severity: critical}}
      - {alert: NotEqual, expr: 'mode != 1', labels: {severity: warning}}
      - {alert: Bool, expr: 'errors_total > bool 10', labels: {severity: critical}}
      - {alert: Nested, expr: '((sum(rate(a_total[5m])) / (sum(rate(b_total[5m]))))) > 0.1',
         labels: {severity: critical},
         annotations: {runbook_url: 'https://rb.example.com/{{ $labels.job }}/x',
                       summary: 'nested {{ $value }}'}}
      - {alert: VectorVector, expr: 'used_bytes > limit_bytes', labels: {severity: critical}}
      - {alert: WithAnd, expr: 'errors_total > 5 and on() vector(1)',
         labels: {severity: critical}}
      - {alert: WithUnless, expr: 'lag_seconds > 30 unless maintenance',
         labels: {severity: critical}}
      - {alert: Bare, expr: 'absent(up)', labels: {severity: critical}}
  - name: written-differently
    rules:
      - alert: Spaced
        expr: 'sum by (service) (rate(pay_errors_total{code="500",env="prod"}[5m])) > 3'
        labels: {severity: critical}
      - alert: SpacedWarn
        expr: "sum  by(service)(\n  rate(pay_errors_total{ env = 'prod', code='500' }[5m])
          \n) > 1"
        labels: {severity: warning}
      - {alert: Paren, expr: '(sum by (b, a) (queue_len{x="1",y="2"})) >= 50',
         labels: {severity: critical}}
      - {alert: ParenWarn, expr: 'sum by (a, b) ((queue_len{y="2",x="1"})) >= 20',
         labels: {severity: warning}}
      - {alert: OtherQuery, expr: 'sum by (service) (rate(pay_errors_total{code="502"}[5m])) > 1',
         labels: {severity: warning}}
  - name: recording-only
    rules:
      - {record: 'job:reqs:rate1m', expr: 'sum by (job) (rate(reqs_total[1m]))'}
      - {record: 'slo:sli_error:ratio_rate5m', expr: 'vector(0)'}
"""


@pytest.mark.parametrize(
    ("expr", "threshold", "below", "unit"),
    [
        ("x > 1", 1, False, "count"),
        ("x >= 1", 1, False, "count"),
        ("x < 1", 1, True, "count"),
        ("x <= 1", 1, True, "count"),
        ("1 < x", 1, False, "count"),
        ("1 >= x", 1, True, "count"),
        ("-1 > x", -1, True, "count"),
        ("(((x))) > 2", 2, False, "count"),
        ("x == 0", 1, False, "bool"),
        ("x != 3", 1, False, "bool"),
        ("x > bool 3", 1, False, "bool"),
        ("sum(a) / sum(b) > 0.2", 0.2, False, "ratio"),
        ("rate(x_total[5m]) > 3", 3, False, "per_second"),
    ],
)
def test_comparison_forms_split(expr: str, threshold: float, below: bool, unit: str) -> None:
    split = split_rule(expr)
    assert (split.threshold, split.below, split.unit) == (threshold, below, unit)
    assert split.query


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("x > y", "vector with a vector"),
        ("x > 1 and y", "`and`"),
        ("x > 1 or y > 2", "`or`"),
        ("x > 1 unless y", "`unless`"),
        ("absent(x)", "no comparison"),
        ("x + 1", "not a comparison"),
        ("sum(", "does not parse"),
        ("x > scalar(y)", "vector with a vector"),
    ],
)
def test_what_cannot_be_a_threshold_says_why(expr: str, reason: str) -> None:
    with pytest.raises(NotAThreshold, match=reason.replace("`", ".")):
        split_rule(expr)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ('rate(x{a="1",b="2"}[5m]) > 1', "rate( x{ b = '2', a='1' } [5m] )\n > 1"),
        ("(sum by (b, a) (x)) > 1", "sum by (a,b) ((x)) > 1"),
        ("sum(x) by (a) > 1", "sum by (a) (x) > 1"),
        ('{__name__="x", a="1"} > 1', 'x{a="1"} > 1'),
        ("a / on(y, x) group_left(q, p) b > 1", "(a / on(x, y) group_left(p, q) (b)) > 1"),
        ("(x) == 0", "x == 0"),
    ],
)
def test_one_expression_spelled_two_ways_is_one_query(one: str, other: str) -> None:
    # vmalert, Thanos and Mimir rulers hand expressions back as written (Prometheus
    # itself respaces and sorts matchers, but keeps parentheses and label order).
    assert split_rule(one).same == split_rule(other).same


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ('rate(x{a="1"}[5m]) > 1', 'rate(x{a="2"}[5m]) > 1'),
        ('rate(x{a="1"}[5m]) > 1', 'rate(x{a=~"1"}[5m]) > 1'),
        ("a - (b - c) > 1", "(a - b) - c > 1"),
        ("sum by (a) (x) > 1", "sum without (a) (x) > 1"),
        ("rate(x[5m]) > 1", "rate(x[1m]) > 1"),
        ("x offset 5m > 1", "x > 1"),
        ("x == 0", "x == 1"),
        ("a / on(x) b > 1", "a / ignoring(x) b > 1"),
    ],
)
def test_different_expressions_stay_apart(one: str, other: str) -> None:
    assert split_rule(one).same != split_rule(other).same


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    with no_proxy(), start_prometheus([], rules=RULES) as server:
        yield server.url


def test_every_form_from_a_real_prometheus(prometheus: str, tmp_path: Path) -> None:
    out = tmp_path / "c.toml"
    result = run_cli(["init", "--prometheus", prometheus, "--out", str(out)])
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    config = tomllib.loads(text)
    queries = {q["name"].split()[0]: q for q in config["sources"]["prom"]["queries"]}
    # Two severities on one expression: one signal, warning + critical, the shortest for.
    assert (queries["Above"]["warning"], queries["Above"]["critical"]) == (2, 5)
    assert queries["Above"]["for"] == "120s"
    assert "AboveWarn" not in queries
    assert queries["AtLeast"]["critical"] == 100
    assert (queries["Below"]["critical"], queries["Below"]["below"]) == (2, True)
    assert queries["Below"]["component"] == "{job}"
    assert (queries["AtMost"]["warning"], queries["AtMost"]["below"]) == (1e9, True)
    assert (queries["NumberFirst"]["critical"], queries["NumberFirst"]["below"]) == (0.5, True)
    assert "== bool 0" in queries["Equal"]["query"]
    assert "!= bool 1" in queries["NotEqual"]["query"]
    assert "> bool 10" in queries["Bool"]["query"]
    assert queries["Nested"]["runbook"] == "https://rb.example.com/{job}/x"
    assert queries["Nested"]["unit"] == "ratio"
    for name in ("VectorVector", "WithAnd", "WithUnless", "Bare"):
        assert name not in queries
        assert f"# {name} stays an alert: " in text
    # The same PromQL written differently (spacing, matcher order, redundant
    # parentheses, `by` label order) is one expression: merged as well.
    assert (queries["Spaced"]["warning"], queries["Spaced"]["critical"]) == (1, 3)
    assert "SpacedWarn" not in queries
    assert (queries["Paren"]["warning"], queries["Paren"]["critical"]) == (20, 50)
    assert "ParenWarn" not in queries
    # A different matcher value is another expression: not merged.
    assert queries["OtherQuery"]["warning"] == 1
    assert "critical" not in queries["OtherQuery"]
    assert 'slo_rules = "sloth"' in text  # commented out or not: this plugin's choice
    assert run_cli(["validate", "--config", str(out)]).returncode == 0
    # Every written query is PromQL the real Prometheus accepts.
    for spec in config["sources"]["prom"]["queries"]:
        query(prometheus, spec["query"])


# -- hostile answers -------------------------------------------------------------------


def _api(data: object) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


def _rules_server(body: Callable[[], bytes] | bytes, *, drip: bool = False) -> Any:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/api/v1/rules":
                payload = body() if callable(body) else body
            elif path == "/api/v1/query":
                payload = _api({"resultType": "vector", "result": []})
            else:
                payload = _api([])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if drip:
                for byte in payload:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)  # a server dripping its answer: the scenario
            else:
                self.wfile.write(payload)

    return serve_http(Handler)


def _rule(name: str, expr: str = "x > 1", **annotations: str) -> dict[str, object]:
    return {
        "type": "alerting", "name": name, "query": expr, "duration": 0,
        "labels": {"severity": "critical"}, "annotations": annotations,
    }  # fmt: skip


def _init(server: HTTPTestServer, out: Path) -> tuple[Any, float]:
    started = time.monotonic()
    result = run_cli(["init", "--prometheus", server.url, "--out", str(out)], timeout=120)
    return result, time.monotonic() - started


def test_hostile_strings_stay_data(tmp_path: Path) -> None:
    evil = "Evil\"\n\x1b[31m${HOME}{0.__class__}\u202e'''"
    rules = [
        _rule(evil, f'x{{a="{"}"}"}} > 1', runbook_url="javascript:alert(1)", summary=evil),
        _rule("Braces", "x > 1", runbook_url="https://r.example/{{ $labels.a }}/{x}/${HOME}"),
        _rule("Deep", "(" * 5000 + "x" + ")" * 5000 + " > 1"),
        _rule("NotPromQL", "}}}{{{ > > 1"),
        _rule("DeepUnary", "-" * 4000 + "x > 1"),
        _rule("DeepSum", "x" + " + x" * 1000 + " > 1"),
        {"type": "alerting", "name": 7, "query": None, "labels": "no", "duration": "1m"},
        "not a rule",
    ]
    body = _api({"groups": [{"name": "g", "rules": rules}, {"rules": "x"}, 3]})
    out = tmp_path / "c.toml"
    with no_proxy(), _rules_server(body) as server:
        result, _ = _init(server, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    text = out.read_text()
    assert "\x1b" not in text and "\u202e" not in text
    config = load_config(out)  # ${HOME} is written as $${HOME}: never filled in
    prom = next(s.options for s in config.sources if s.name == "prom")
    queries = [q.model_dump() for q in getattr(prom, "queries", [])]
    # Templates: "${{HOME}}" is the literal text ${HOME}, a {0.__class__} is no field.
    assert any("${{HOME}}{{0.__class__}}" in q["name"] for q in queries)
    assert any(q["runbook"] == "https://r.example/{a}/{{x}}/${{HOME}}" for q in queries)
    assert "DeepUnary stays an alert: its expression is nested too deeply" in text
    assert os.environ.get("HOME", "/nonexistent") not in json.dumps(queries, default=str)
    assert "# runbook left out: its runbook_url is not an http(s) link" in text
    assert run_cli(["validate", "--config", str(out)]).returncode == 0


def test_too_many_rules_are_bounded(tmp_path: Path) -> None:
    rules = [_rule(f"R{i}", f"m{i} > {i}") for i in range(MAX_RULES * 5)]
    body = _api({"groups": [{"name": "g", "rules": rules}]})
    out = tmp_path / "c.toml"
    with no_proxy(), _rules_server(body) as server:
        result, seconds = _init(server, out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.count("[[sources.prom.queries]]") <= MAX_RULES + 1
    assert f"{MAX_RULES * 4} more alerting rules were not read" in text
    assert len(text) < 2_000_000
    assert seconds < 60, seconds


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"<html>not json</html>", "invalid JSON"),
        (json.dumps({"status": "error", "error": "forbidden"}).encode(), "forbidden"),
        (_api({"groups": "none"}), "no list of rule groups"),
        (b'{"status": "success", "data": {"groups": ["' + b"x" * (9 << 20) + b'"]}}', "large"),
    ],
    ids=["deep", "html", "refused", "shape", "huge"],
)
def test_a_refusing_or_broken_api_writes_nothing(body: bytes, reason: str, tmp_path: Path) -> None:
    out = tmp_path / "c.toml"
    with no_proxy(), _rules_server(body) as server:
        result, seconds = _init(server, out)
    assert result.returncode == 1, result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert seconds < 30, seconds


def test_a_dripping_server_is_given_up_on_in_time(tmp_path: Path) -> None:
    out = tmp_path / "c.toml"
    with no_proxy(), _rules_server(_api({"groups": []}), drip=True) as server:
        result, seconds = _init(server, out)
    assert result.returncode == 1
    assert "nothing written" in result.stderr
    assert seconds < TIMEOUT * 5, seconds
    assert not out.exists()
