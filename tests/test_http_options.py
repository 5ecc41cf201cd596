"""HTTPOptions (the config every HTTP source shares), client_for and the read-only
guard, against real loopback HTTP(S) servers; the URL message through `oncall-tui
validate` in a subprocess."""

from __future__ import annotations

import base64
import os
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from faults import PKI, FaultServer, serve_faults
from oncall_cli import plugin_section, run_oncall
from oncall_tui.core.config.loader import ConfigError, parse_config
from oncall_tui.core.http import (
    HTTPOptions,
    ReadOnlyError,
    build_client,
    client_for,
    get_json,
    shared_tls_context,
)
from oncall_tui.core.sanitize import redactor
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui_prometheus import PrometheusPlugin
from oncall_tui_prometheus.config import PrometheusConfig
from servers_http import self_signed_cert

TOKEN = "tok-4f9a1c77e2d84b03"
PASSWORD = "pw-91ce7a55d0"


pytestmark = pytest.mark.usefixtures("direct")


def options(url: str, **extra: Any) -> HTTPOptions:
    return HTTPOptions.model_validate({"url": url, **extra})


def context(config_dir: Path = Path("."), *, read_only: bool = False) -> SourceContext:
    return SourceContext(
        name="web", config_dir=config_dir, interval=5.0, timeout=2.0, read_only=read_only
    )


async def echoed_headers(client: httpx.AsyncClient, server: FaultServer) -> dict[str, str]:
    body = await get_json(client, f"{server.url}/echo")
    assert isinstance(body, dict)
    return {name.lower(): value for name, value in body["headers"].items()}


# --------------------------------------------------------------------------- auth


async def test_headers_are_sent(server: FaultServer) -> None:
    opts = options(server.url, headers={"X-Scope-OrgID": "tenant-a1"})
    async with client_for(opts, context()) as client:
        assert (await echoed_headers(client, server))["x-scope-orgid"] == "tenant-a1"


async def test_bearer_token_is_sent_and_never_shown(server: FaultServer) -> None:
    opts = options(server.url, bearer_token=TOKEN)
    async with client_for(opts, context()) as client:
        assert (await echoed_headers(client, server))["authorization"] == f"Bearer {TOKEN}"
        # A gateway reflecting the token into a redirect: the message shows ***.
        with pytest.raises(SourceError) as caught:
            await get_json(client, f"{server.url}/redirect-echo")
    assert TOKEN not in str(caught.value)
    assert "/login/Bearer/***" in str(caught.value)


async def test_bearer_token_file_is_read_relative_to_the_config(
    server: FaultServer, tmp_path: Path
) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text(f"{TOKEN}\n")
    opts = options(server.url, bearer_token_file="secrets/token")
    async with client_for(opts, context(tmp_path)) as client:
        assert (await echoed_headers(client, server))["authorization"] == f"Bearer {TOKEN}"
    assert redactor.redact(f"echo {TOKEN}") == "echo ***"


def test_missing_token_file_is_a_start_error(tmp_path: Path) -> None:
    opts = options("http://127.0.0.1:9", bearer_token_file="nope/token")
    with pytest.raises(SourceError) as caught:
        client_for(opts, context(tmp_path))
    assert str(caught.value) == (
        f"bearer_token_file: cannot read {tmp_path / 'nope/token'} (no such file or directory)"
    )


def test_token_file_must_hold_one_line(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("one\ntwo\n")
    opts = options("http://127.0.0.1:9", bearer_token_file="token")
    with pytest.raises(SourceError, match="must hold one token on one line"):
        client_for(opts, context(tmp_path))


async def test_basic_auth_is_sent_and_its_password_never_shown(server: FaultServer) -> None:
    opts = options(server.url, basic_auth={"username": "oncall", "password": PASSWORD})
    async with client_for(opts, context()) as client:
        sent = (await echoed_headers(client, server))["authorization"]
    assert sent == "Basic " + base64.b64encode(f"oncall:{PASSWORD}".encode()).decode()
    assert redactor.redact(f"{PASSWORD} / {sent}") == "*** / ***"


async def test_the_prometheus_source_sends_what_its_options_say(server: FaultServer) -> None:
    config = PrometheusConfig.model_validate(
        {
            "url": server.url,
            "basic_auth": {"username": "oncall", "password": PASSWORD},
            "queries": [{"kind": "health", "name": "up", "query": "up"}],
        }
    )
    plugin = PrometheusPlugin(config, context())
    try:
        with pytest.raises(SourceError, match="HTTP 404"):
            await plugin.collect()
    finally:
        await plugin.aclose()
    token = base64.b64encode(f"oncall:{PASSWORD}".encode()).decode()
    assert server.state.headers[0]["Authorization"] == f"Basic {token}"


def test_one_way_to_authenticate() -> None:
    with pytest.raises(ValidationError) as caught:
        options(
            "http://127.0.0.1:9",
            bearer_token=TOKEN,
            basic_auth={"username": "u", "password": PASSWORD},
        )
    assert "give one way to authenticate, not bearer_token and basic_auth" in str(caught.value)
    assert TOKEN not in str(caught.value) and PASSWORD not in str(caught.value)
    with pytest.raises(ValidationError, match="not bearer_token and an Authorization header"):
        options("http://127.0.0.1:9", bearer_token=TOKEN, headers={"Authorization": "x"})
    with pytest.raises(ValidationError, match="basic_auth and user:password@ in url"):
        options("http://u:p@127.0.0.1:9", basic_auth={"username": "u", "password": "p"})


def test_literal_tokens_in_a_config_are_secrets_from_load() -> None:
    parse_config(
        '[sources.p]\nplugin = "prometheus"\nurl = "http://127.0.0.1:9"\n'
        'basic_auth = { username = "oncall", password = "literal-pw-7731" }\n'
        '[[sources.p.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n',
        Path("."),
    )
    assert redactor.redact("echo literal-pw-7731") == "echo ***"


# --------------------------------------------------------------------------- TLS


async def test_ca_file_trusts_a_private_ca(pki: PKI, tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_bytes(pki.ca.read_bytes())
    with serve_faults(pki.context(pki.valid)) as tls:
        async with build_client(timeout=2.0) as plain:
            with pytest.raises(SourceError) as caught:
                await get_json(plain, f"{tls.url}/json")
        assert str(caught.value) == (
            f"cannot connect to 127.0.0.1:{tls.port} "
            "(TLS certificate not trusted: unable to get local issuer certificate)"
        )
        opts = options(tls.url, ca_file="ca.pem")
        async with client_for(opts, context(tmp_path)) as client:
            assert await get_json(client, f"{tls.url}/json") == {"ok": True}


async def test_a_self_signed_certificate_passes_as_its_own_ca_file() -> None:
    with self_signed_cert() as cert, serve_faults(cert.server_context()) as tls:
        async with client_for(options(tls.url), context()) as client:
            with pytest.raises(SourceError, match="self-signed certificate"):
                await get_json(client, f"{tls.url}/json")
        async with client_for(options(tls.url, ca_file=str(cert.cert)), context()) as client:
            assert await get_json(client, f"{tls.url}/json") == {"ok": True}


async def test_expired_certificate_fails_even_with_its_ca(pki: PKI) -> None:
    with serve_faults(pki.context(pki.expired)) as tls:
        opts = options(tls.url, ca_file=str(pki.ca))
        async with client_for(opts, context()) as client:
            with pytest.raises(SourceError) as caught:
                await get_json(client, f"{tls.url}/json")
    assert str(caught.value) == (
        f"cannot connect to 127.0.0.1:{tls.port} "
        "(TLS certificate not trusted: certificate has expired)"
    )


async def test_verify_tls_false_connects_and_marks_the_source(pki: PKI) -> None:
    with serve_faults(pki.context(pki.expired)) as tls:
        opts = options(tls.url, verify_tls=False)
        async with client_for(opts, context()) as client:
            assert await get_json(client, f"{tls.url}/json") == {"ok": True}
    assert opts.source_note == "TLS unverified"
    assert options(tls.url).source_note == ""


def test_bad_ca_file_is_a_start_error(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    with pytest.raises(SourceError) as caught:
        client_for(options("https://127.0.0.1:9", ca_file="ca.pem"), context(tmp_path))
    assert str(caught.value) == f"ca_file: {tmp_path / 'ca.pem'} holds no PEM CA certificate"
    with pytest.raises(ValidationError, match="ca_file has no effect with verify_tls = false"):
        options("https://127.0.0.1:9", ca_file="ca.pem", verify_tls=False)


def test_clients_trusting_the_same_cas_share_one_tls_context(pki: PKI, tmp_path: Path) -> None:
    """Loading a trust store costs ~0.8 MB per context: fifty sources must not hold
    fifty copies (bench/http_checks.py)."""
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.ca.read_bytes())
    assert shared_tls_context() is shared_tls_context()
    first = shared_tls_context(ca)
    assert shared_tls_context(tmp_path / "." / "ca.pem") is first
    assert first is not shared_tls_context()
    # A replaced file is read again.
    ca.write_bytes(pki.ca.read_bytes() + b"\n")
    assert shared_tls_context(ca) is not first
    # What client_for builds uses them.
    pool_context = client_for(options("https://127.0.0.1:9"), context())._transport._pool  # type: ignore[attr-defined]
    assert pool_context._ssl_context is shared_tls_context()
    # Errors are not remembered: a fixed file works at the next start.
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate\n")
    with pytest.raises(ssl.SSLError):
        shared_tls_context(broken)
    broken.write_bytes(pki.ca.read_bytes())
    assert isinstance(shared_tls_context(broken), ssl.SSLContext)


def test_missing_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            '[sources.p]\nplugin = "prometheus"\nurl = "https://127.0.0.1:9"\n'
            'ca_file = "certs/corp.pem"\nbearer_token_file = "token"\n'
            '[[sources.p.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n',
            tmp_path,
        )
    assert caught.value.problems == [
        f"sources.p.bearer_token_file: file not found: {tmp_path / 'token'}",
        f"sources.p.ca_file: file not found: {tmp_path / 'certs/corp.pem'}",
    ]


# --------------------------------------------------------------------------- read-only


async def test_read_only_client_refuses_writes_before_any_io(server: FaultServer) -> None:
    async with build_client(timeout=2.0) as client:  # read-only by default
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            with pytest.raises(ReadOnlyError) as caught:
                await client.request(method, f"{server.url}/echo", content=b"{}")
            assert str(caught.value) == (
                f"{method} {server.url}/echo refused before sending: read-only "
                "(only GET and HEAD are sent)"
            )
    assert server.state.requests == []
    assert server.state.connections == 0, "not even a TCP connection"


async def test_read_only_holds_through_a_proxy(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Proxied requests take another transport; the guard sits in front of all of them.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    async with build_client(timeout=2.0) as client:
        with pytest.raises(ReadOnlyError):
            await client.post("http://alertmanager.internal.example/api/v2/silences")
    assert server.state.connections == 0
    # The control: a writable client's POST does reach the proxy.
    async with build_client(timeout=2.0, read_only=False) as client:
        await client.post("http://alertmanager.internal.example/api/v2/silences")
    assert server.state.requests == [
        ("POST", "http://alertmanager.internal.example/api/v2/silences")
    ]


async def test_writes_need_asking_and_a_writable_app(server: FaultServer) -> None:
    opts = options(server.url)
    async with client_for(opts, context(read_only=True), writes=True) as client:
        with pytest.raises(ReadOnlyError):
            await client.post(f"{server.url}/echo")
    async with client_for(opts, context(), writes=False) as client:
        with pytest.raises(ReadOnlyError):
            await client.post(f"{server.url}/echo")
    assert server.state.connections == 0
    async with client_for(opts, context(), writes=True) as client:
        response = await client.post(f"{server.url}/echo", content=b"{}")
    assert response.json()["method"] == "POST"
    assert server.state.requests == [("POST", "/echo")]


# --------------------------------------------------------------------------- URL


@pytest.mark.parametrize("password", ["Kq8vv7/s3cr3t", "Kq8vv7#s3cr3t", "Kq8vv7?s3cr3t"])
def test_url_error_never_quotes_the_password(password: str) -> None:
    with pytest.raises(ValidationError) as caught:
        options(f"http://alice:{password}@127.0.0.1:9090")
    message = str(caught.value)
    assert "Kq8vv7" not in message and "s3cr3t" not in message
    assert "percent-encode a password" in message


def test_prometheus_url_keeps_its_own_rules() -> None:
    query = [{"kind": "health", "name": "up", "query": "up"}]
    config = PrometheusConfig.model_validate({"url": "http://h:9090/prom/", "queries": query})
    assert config.url == "http://h:9090/prom"
    with pytest.raises(ValidationError, match="must not contain"):
        PrometheusConfig.model_validate({"url": "http://h:9090/?x=1", "queries": query})
    with pytest.raises(ValidationError, match="percent-encode"):
        PrometheusConfig.model_validate({"url": "http://a:b/c@h:9090", "queries": query})


_SOURCES = {
    "prometheus": (
        '[sources.prom]\nplugin = "prometheus"\n'
        'url = "http://alice:${PROMPASS}@127.0.0.1:9090"\n'
        '[[sources.prom.queries]]\nkind = "health"\nname = "up"\nquery = "up"\n'
    ),
    "alertmanager": (
        '[sources.prom]\nplugin = "alertmanager"\nurl = "http://alice:${PROMPASS}@127.0.0.1:9093"\n'
    ),
    "openmetrics": (
        '[sources.prom]\nplugin = "openmetrics"\n'
        'url = "http://alice:${PROMPASS}@127.0.0.1:9100/metrics"\n'
        '[[sources.prom.metrics]]\nname = "up"\nmetric = "up"\n'
    ),
    "http": '[sources.prom]\nplugin = "http"\nurl = "http://alice:${PROMPASS}@127.0.0.1:9/health"\n',
}


@pytest.mark.parametrize("plugin", sorted(_SOURCES))
@pytest.mark.parametrize("command", ["validate", "check"])
def test_validate_and_check_do_not_print_a_mangled_password(
    tmp_path: Path, command: str, plugin: str
) -> None:
    # This used to print "Port could not be cast to integer value as 'Kq8vv7'".
    config = tmp_path / "config.toml"
    config.write_text(_SOURCES[plugin])
    env = {**os.environ, "PROMPASS": "Kq8vv7/x#y?z-secret"}
    result = run_oncall(command, "--config", str(config), env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "sources.prom.url: not a valid URL" in output
    assert "percent-encode a password" in output
    assert "Kq8vv7" not in output and "secret" not in output
    assert "Traceback" not in output


@pytest.mark.parametrize("plugin", sorted(_SOURCES))
def test_every_http_option_is_documented(plugin: str) -> None:
    section = plugin_section(plugin)
    for option in HTTPOptions.model_fields:
        assert f"\n    {option}:" in section, option
    assert "username: str (required)" in section
