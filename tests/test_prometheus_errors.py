"""What goes wrong between the prometheus plugin and a real Prometheus: PromQL errors
that name their query, runbook paths that cannot climb out, secrets scrubbed from
errors, the wrong kind of answer or server, and a server that is not there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.core.signals.model import Status
from oncall_tui.core.sources.errors import SourceError
from prometheus_plugin_support import RISK_QUERY, by_name, plugin_for, prom_url
from quiet_handler import QuietHandler
from servers import closed_port, no_proxy
from servers_http import serve_http
from servers_platform import Platform


@pytest.mark.servers
async def test_promql_syntax_error_names_the_query(platform: Platform) -> None:
    queries = [RISK_QUERY, {"kind": "health", "name": "broken", "query": "sum(rate(up[1m]"}]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[1] (broken): bad_data: ")
    assert "parse error" in message
    assert len(message) <= 300
    # The good query's signals are kept; only the broken one's turn unknown.
    assert caught.value.readings is not None
    assert len(caught.value.readings) == 4
    assert {r.key[:3] for r in caught.value.readings} == {"q0{"}


@pytest.mark.servers
async def test_runtime_error_in_one_query_keeps_the_others(platform: Platform) -> None:
    # Valid PromQL that fails while it runs: three paylater rules on the "one" side.
    broken = {
        "kind": "risk_rule",
        "name": "joined",
        "query": "risk_decisions_total / on(product) group_left risk_rule_hits_total",
    }
    healthy = {"kind": "health", "name": "{service}", "query": "service_up"}
    async with plugin_for(prom_url(platform), broken, healthy) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[0] (joined): execution: ")
    assert "found duplicate series for the match group" in message
    assert caught.value.readings is not None
    readings = by_name(list(caught.value.readings))
    assert set(readings) == {"risk-engine", "payment-api", "ledger"}
    assert readings["ledger"].value == 0.0


@pytest.mark.servers
async def test_two_failing_queries(platform: Platform) -> None:
    queries = [
        {"kind": "health", "name": "a", "query": "up{"},
        {"kind": "health", "name": "b", "query": "up)"},
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value).startswith("queries[0] (a): bad_data: ")
    assert str(caught.value).endswith("(and 1 more of 2 failed)")
    assert caught.value.readings is None, "nothing worked: a plain failure"


@pytest.mark.servers
async def test_label_values_cannot_leave_the_runbook_folder(platform: Platform) -> None:
    def relabelled(name: str, value: str, runbook: str) -> dict[str, Any]:
        return {
            "kind": "health",
            "name": name,
            "query": f'label_replace(vector(1), "service", "{value}", "", "")',
            "runbook": runbook,
        }

    queries = [
        relabelled("climb", "../../etc/passwd", "runbooks/{service}.md"),
        relabelled("dots", "..", "runbooks/{service}/index.md"),
        relabelled("backslash", "..\\\\secrets", "runbooks/{service}.md"),
        relabelled("plain", "payment-api", "runbooks/{service}.md"),
        relabelled("url", "../../admin?x=1", "https://runbooks.example.com/{service}"),
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    here = Path.cwd()

    def runbook(name: str) -> str:
        found = readings[name].runbook
        assert found is not None
        return str(found)

    assert runbook("climb") == str(here / "runbooks/.._.._etc_passwd.md")
    assert runbook("dots") == str(here / "runbooks/__/index.md")
    assert runbook("backslash") == str(here / "runbooks/.._secrets.md")
    assert runbook("plain") == str(here / "runbooks/payment-api.md")
    assert runbook("url") == "https://runbooks.example.com/..%2F..%2Fadmin%3Fx%3D1"
    assert all(readings[name].runbook.is_file for name in ("climb", "dots", "plain"))  # type: ignore[union-attr]


async def test_error_body_is_scrubbed_of_secrets() -> None:
    class EchoingProxy(QuietHandler):
        """A gateway in front of Prometheus that quotes the request in its error."""

        def do_GET(self) -> None:
            body = json.dumps(
                {
                    "status": "error",
                    "errorType": "bad_data",
                    "error": (
                        f"rejected Authorization={self.headers.get('Authorization')} "
                        f"X-Api-Key={self.headers.get('X-Api-Key')} "
                        "for http://oncall:hunter22@prom:9090/api/v1/query"
                    ),
                }
            ).encode()
            self.send_body(400, body)

    headers = {"X-Api-Key": "key-0123456789abcdef"}
    with serve_http(EchoingProxy) as server, no_proxy():
        url = server.url.replace("http://", "http://oncall:hunter22@")
        async with plugin_for(url, RISK_QUERY, headers=headers) as plugin:
            with pytest.raises(SourceError) as caught:
                await plugin.collect()
    message = str(caught.value)
    assert message.startswith("queries[0] (")
    assert "rejected Authorization=***" in message
    assert "X-Api-Key=***" in message
    assert "hunter22" not in message
    assert "key-0123456789abcdef" not in message
    assert "b25jYWxsOmh1bnRlcjIy" not in message, "base64 of oncall:hunter22"


@pytest.mark.servers
async def test_range_vector_is_explained(platform: Platform) -> None:
    query = {"kind": "health", "name": "raw", "query": "risk_decisions_total[1m]"}
    async with plugin_for(prom_url(platform), query) as plugin:
        with pytest.raises(SourceError, match=r"^queries\[0\] \(raw\): returned a range vector"):
            await plugin.collect()


@pytest.mark.servers
async def test_empty_result_is_one_unknown_signal_by_default(platform: Platform) -> None:
    # Not nothing: a query that stopped matching (a renamed metric, a wrong label) must
    # be seen, not silently leave the board.
    query = {"kind": "health", "name": "{service} up", "query": 'service_up{service="nope"}'}
    async with plugin_for(prom_url(platform), query) as plugin:
        (reading,) = await plugin.collect()
    assert (reading.key, reading.name, reading.value) == ("q0{}", "up", None)
    assert reading.status is Status.UNKNOWN
    assert reading.summary == "no series: the query returned nothing"


@pytest.mark.servers
async def test_max_series_caps_and_says_so(platform: Platform) -> None:
    query = {
        "kind": "risk_rule",
        "name": "{product}/{rule}",
        "query": "risk_rule_hits_total",
        "max_series": 2,
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        first = await plugin.collect()
        second = await plugin.collect()
    assert len(first) == 2
    assert [r.key for r in first] == [r.key for r in second], "the same series every time"
    assert all("only 2 of 4 series shown" in r.summary for r in first)


@pytest.mark.servers
async def test_wrong_path_is_an_http_error(platform: Platform) -> None:
    async with plugin_for(f"{prom_url(platform)}/no/such/prefix", RISK_QUERY) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "HTTP 404 Not Found"


@pytest.mark.servers
async def test_exporter_is_not_a_prometheus_api(platform: Platform) -> None:
    # A /metrics endpoint answers any path with text: the message points at the URL.
    async with plugin_for(platform.exporter.url, RISK_QUERY) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "invalid JSON in response (got text/plain; is the URL right?)"


@pytest.mark.servers
async def test_basic_auth_in_url_works(platform: Platform) -> None:
    url = prom_url(platform).replace("http://", "http://oncall:hunter22@")
    async with plugin_for(url, RISK_QUERY, headers={"X-Scope-OrgID": "payments"}) as plugin:
        assert len(await plugin.collect()) == 4


async def test_unreachable_server_said_once_without_secrets() -> None:
    port = closed_port()
    url = f"http://oncall:hunter22@127.0.0.1:{port}"
    headers = {"Authorization": "Bearer tok-123456789"}
    with no_proxy():
        async with plugin_for(url, RISK_QUERY, RISK_QUERY, headers=headers) as plugin:
            with pytest.raises(SourceError) as caught:
                await plugin.collect()
    message = str(caught.value)
    assert message == f"cannot connect to 127.0.0.1:{port} (connection refused)"
    assert "hunter22" not in message and "tok-123456789" not in message
