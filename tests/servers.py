"""Real servers for plugin tests: Prometheus, Alertmanager and an in-process exporter.

Plugins are tested against the real thing because the interesting failures (PromQL
errors, NaN from 0/0, label values with escape sequences, a server that is down) are
exactly what a mock gets wrong. Each starter is a context manager:

    with start_exporter() as exporter, start_prometheus([exporter.target]) as prom:
        wait_for_query(prom.url, 'risk_decisions_total', min_series=2)

Ports come from the OS (bind to port 0), servers run in their own process group and
are killed with it, temp directories are removed, and every wait polls with a deadline
and fails with the server's stderr tail. A missing binary skips the test locally and
fails it under CI (env CI set), so CI cannot go green by testing nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar, cast
from wsgiref.simple_server import WSGIServer

import httpx
import pytest
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

T = TypeVar("T")

STARTUP_TIMEOUT = 30.0
"""Seconds a server gets to become ready; generous for a loaded CI machine."""

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)

EVIL_RULE = "evil\x1b[31m\u202erule"
"""A rule label carrying an ESC colour sequence and a bidi override. Prometheus stores
any UTF-8, so this reaches the plugins exactly as an attacker would send it."""

DECISIONS_PER_SECOND = {"paylater": 100.0, "cashloan": 50.0}
"""Rate of risk_decisions_total per product."""

RULE_HITS_PER_SECOND = {
    ("paylater", "velocity_check"): 1.0,  # ratio 0.01: ok
    ("paylater", "credit_limit"): 8.0,  # ratio 0.08: warning at 0.05
    ("paylater", EVIL_RULE): 0.5,  # ratio 0.005: ok
    ("cashloan", "device_fingerprint"): 15.0,  # ratio 0.30: critical at 0.2
}
"""Rate of risk_rule_hits_total per (product, rule); ratios to decisions in comments."""

SERVICE_UP = {"risk-engine": 1.0, "payment-api": 1.0, "ledger": 0.0}

DEPLOYED_AGO = {"payment-api": 600.0, "risk-engine": 7200.0}
"""Seconds before the exporter started that each service was last deployed: the
`deploy_timestamp_seconds` gauge (a change marker) is start time minus this."""


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A loopback port that was free a moment ago. A server that loses the race fails
    to bind and is retried by the starters."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return cast(int, sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on, for "connection refused" tests."""
    return free_port()


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    detail: Callable[[], str] = lambda: "",
    interval: float = 0.1,
) -> T:
    """Poll `probe` until it returns something other than None (or False), else fail.

    Polling with a deadline instead of sleeping a fixed time: fast on a fast machine,
    still correct on a slow one, and the failure says what was awaited.
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            result = probe()
        except Exception as exc:  # the server may not be up yet
            result, last_error = None, f"{type(exc).__name__}: {exc}"
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            extra = detail()
            message = f"timed out after {timeout:g}s waiting for {what}"
            if last_error:
                message += f"\nlast error: {last_error}"
            if extra:
                message += f"\n{extra}"
            pytest.fail(message)
        time.sleep(interval)


def require_binary(name: str, package: str) -> str:
    """Path of `name`; skip the test (fail under CI) when it is not installed."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed: sudo apt-get update && sudo apt-get install -y {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def no_proxy() -> Iterator[None]:
    """Remove proxy variables for the duration: clients built with trust_env=True would
    otherwise send loopback test traffic to the developer's corporate proxy."""
    saved = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _direct_client(timeout: float = 2.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, trust_env=False)


# --------------------------------------------------------------------------- processes


@dataclass
class ServerProcess:
    """A running server started by this module."""

    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path

    @property
    def target(self) -> str:
        """ "127.0.0.1:PORT", as Prometheus configs name targets."""
        return f"127.0.0.1:{self.port}"

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"({self.name} log unavailable)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"{self.name} output (last {lines} lines):\n{tail}"

    def stop(self) -> None:
        """Kill the whole process group (the server and anything it spawned)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _launch(
    name: str,
    build_args: Callable[[int, Path], list[str]],
    workdir: Path,
    ready_path: str,
    attempts: int = 3,
) -> ServerProcess:
    """Start a server on a free port and wait for `ready_path` to answer 200.

    Retries with a new port when the server exits early, which is what losing the
    free-port race looks like.
    """
    for attempt in range(1, attempts + 1):
        port = free_port()
        log_path = workdir / f"{name}-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                build_args(port, workdir),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=workdir,
            )
        server = ServerProcess(name, f"http://127.0.0.1:{port}", port, process, workdir, log_path)
        exited_early = False

        def ready(server: ServerProcess = server) -> bool | None:
            nonlocal exited_early
            if server.process.poll() is not None:
                exited_early = True
                return True  # stop polling; checked below
            with _direct_client() as client:
                return client.get(server.url + ready_path).status_code == 200 or None

        try:
            wait_until(
                ready,
                timeout=STARTUP_TIMEOUT,
                what=f"{name} to become ready on port {port}",
                detail=server.stderr_tail,
            )
        except BaseException:
            server.stop()
            raise
        if not exited_early:
            return server
        in_use = "address already in use" in server.stderr_tail().lower()
        if not in_use or attempt == attempts:
            pytest.fail(
                f"{name} exited with code {process.returncode} at startup\n" + server.stderr_tail()
            )
    raise AssertionError("unreachable")


@contextlib.contextmanager
def start_prometheus(
    targets: Sequence[str] = (),
    *,
    rules: str | None = None,
    alertmanager: str | None = None,
    scrape_interval: str = "1s",
    remote_read: str | None = None,
) -> Iterator[ServerProcess]:
    """A real Prometheus scraping `targets` ("127.0.0.1:PORT") every second.

    Ready in well under a second, but Prometheus hands discovered targets to the
    scraper only every 5 s, so the first samples arrive ~5-6 s after start: start it
    once per module (or session), not per test.

    `rules` is the text of a rule file (alerting or recording rules), `alertmanager` a
    "127.0.0.1:PORT" to send alerts to: enough for the alertmanager plugin's tests too.
    `remote_read` is a URL to read recent data from as well: pointed at a closed port,
    every query with a selector succeeds with a `warnings` entry, as the API says.
    """
    binary = require_binary("prometheus", "prometheus")
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-prometheus-"))
    try:
        config = [
            "global:",
            f"  scrape_interval: {scrape_interval}",
            f"  evaluation_interval: {scrape_interval}",
        ]
        if rules is not None:
            (workdir / "rules.yml").write_text(rules)
            config += ["rule_files:", f"  - {workdir / 'rules.yml'}"]
        if alertmanager is not None:
            config += [
                "alerting:",
                "  alertmanagers:",
                "    - static_configs:",
                f"        - targets: ['{alertmanager}']",
            ]
        if remote_read is not None:
            config += ["remote_read:", f"  - url: {remote_read}", "    read_recent: true"]
        config += ["scrape_configs:", "  - job_name: platform", "    static_configs:"]
        config.append(f"      - targets: [{', '.join(repr(t) for t in targets)}]")
        (workdir / "prometheus.yml").write_text("\n".join(config) + "\n")

        def args(port: int, directory: Path) -> list[str]:
            return [
                binary,
                f"--config.file={directory / 'prometheus.yml'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--storage.tsdb.path={directory / 'data'}",
                "--log.level=warn",
            ]

        server = _launch("prometheus", args, workdir, "/-/ready")
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


ALERTMANAGER_CONFIG = """\
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
"""


@contextlib.contextmanager
def start_alertmanager(
    config: str = ALERTMANAGER_CONFIG,
    *,
    cluster: str = "",
    peers: Sequence[str] = (),
) -> Iterator[ServerProcess]:
    """A real Alertmanager with a receiver that sends nothing; gossip off unless
    `cluster` ("127.0.0.1:PORT") gives it a cluster address, with `peers` to join."""
    binary = require_binary("prometheus-alertmanager", "prometheus-alertmanager")
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-alertmanager-"))
    try:
        (workdir / "alertmanager.yml").write_text(config)
        gossip = [f"--cluster.listen-address={cluster}"]
        if cluster:
            gossip += [f"--cluster.peer={peer}" for peer in peers]
            # Quick gossip, so a silence made on one peer shows on the other in ~1 s.
            gossip += ["--cluster.pushpull-interval=1s", "--cluster.settle-timeout=2s"]

        def args(port: int, directory: Path) -> list[str]:
            return [
                binary,
                f"--config.file={directory / 'alertmanager.yml'}",
                f"--web.listen-address=127.0.0.1:{port}",
                *gossip,
                f"--storage.path={directory / 'data'}",
                "--log.level=warn",
            ]

        server = _launch("alertmanager", args, workdir, "/-/ready")
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def start_alertmanager_pair() -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two real Alertmanagers gossiping as an HA pair (`--cluster.peer`): a silence
    made on one is on the other within a second or two. Alerts are not gossiped:
    post each to both, as Prometheus does with every Alertmanager it is given."""
    first, second = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    with (
        start_alertmanager(cluster=first, peers=[second]) as one,
        start_alertmanager(cluster=second, peers=[first]) as two,
    ):
        yield one, two


# --------------------------------------------------------------------------- queries


def query(url: str, promql: str) -> dict[str, object]:
    """The `data` of an instant query, straight from the API (no plugin code involved,
    so a plugin bug cannot make a readiness check pass)."""
    with _direct_client() as client:
        response = client.get(f"{url}/api/v1/query", params={"query": promql})
        response.raise_for_status()
        body = response.json()
    assert body["status"] == "success", body
    return cast(dict[str, object], body["data"])


def wait_for_query(
    server: ServerProcess,
    promql: str,
    *,
    min_series: int = 1,
    numeric: bool = True,
    timeout: float = STARTUP_TIMEOUT,
) -> list[dict[str, object]]:
    """Poll until `promql` returns at least `min_series` series (with finite values when
    `numeric`): how a test waits for scrapes, and for rate() to have enough samples."""

    def probe() -> list[dict[str, object]] | None:
        data = query(server.url, promql)
        result = cast(list[dict[str, object]], data["result"])
        if len(result) < min_series:
            return None
        if numeric:
            for item in result:
                value = cast(list[object], item["value"])[1]
                if value in ("NaN", "+Inf", "-Inf"):
                    return None
        return result

    return wait_until(
        probe,
        timeout=timeout,
        what=f"{min_series} series from {promql!r}",
        detail=server.stderr_tail,
    )


# --------------------------------------------------------------------------- exporter


class PlatformCollector(Collector):
    """Metrics of a small credit-payment platform, computed at scrape time.

    Counters grow linearly with wall time at fixed rates, so rate()-based ratios are
    known exactly (both counters are read in the same scrape): tests can assert which
    rule is ok, warning or critical without racing a background thread.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.service_up = dict(SERVICE_UP)
        self.extra_gauges: dict[str, float] = {}
        now = time.time()
        self.deployed_at = {service: now - ago for service, ago in DEPLOYED_AGO.items()}
        """Unix time of each service's last deploy; a test sets one to "deploy" it."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        elapsed = time.monotonic() - self.started
        decisions = CounterMetricFamily("risk_decisions", "Risk decisions made", labels=["product"])
        for product, per_second in DECISIONS_PER_SECOND.items():
            decisions.add_metric([product], per_second * elapsed)
        yield decisions

        hits = CounterMetricFamily(
            "risk_rule_hits", "Decisions refused by a risk rule", labels=["product", "rule"]
        )
        for (product, rule), per_second in RULE_HITS_PER_SECOND.items():
            hits.add_metric([product, rule], per_second * elapsed)
        yield hits

        refunds = CounterMetricFamily("payments_refunded", "Refunds (always 0)", labels=[])
        refunds.add_metric([], 0.0)
        yield refunds

        up = GaugeMetricFamily("service_up", "1 when the service is healthy", labels=["service"])
        for service, value in self.service_up.items():
            up.add_metric([service], value)
        yield up

        deploys = GaugeMetricFamily(
            "deploy_timestamp_seconds", "Unix time of the last deploy", labels=["service"]
        )
        for service, at in self.deployed_at.items():
            deploys.add_metric([service], at)
        yield deploys

        for name, value in self.extra_gauges.items():
            yield GaugeMetricFamily(name, "test gauge", value=value)

        latency = HistogramMetricFamily(
            "http_request_duration_seconds", "Request latency", labels=["service"]
        )
        for service, slow in (("payment-api", 0.05), ("risk-engine", 0.4)):
            count = 100.0 * elapsed
            buckets = [
                ("0.1", count * (0.9 if slow < 0.1 else 0.2)),
                ("0.5", count * (0.99 if slow < 0.1 else 0.9)),
                ("+Inf", count),
            ]
            latency.add_metric([service], buckets, sum_value=count * slow)
        yield latency


@dataclass
class Exporter:
    """A prometheus_client HTTP server in this process."""

    server: WSGIServer
    thread: threading.Thread
    collector: PlatformCollector
    registry: CollectorRegistry
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.port = int(self.server.server_port)

    @property
    def target(self) -> str:
        """The scrape target, "127.0.0.1:PORT"."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.target}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def start_exporter(collector: Collector | None = None) -> Iterator[Exporter]:
    """Serve `collector` (a PlatformCollector by default) on a free loopback port.

    Port 0 is handed to the server itself, so unlike a subprocess there is no race.
    """
    platform = collector if isinstance(collector, PlatformCollector) else PlatformCollector()
    registry = CollectorRegistry()
    registry.register(collector or platform)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    exporter = Exporter(server, thread, platform, registry)
    try:
        yield exporter
    finally:
        exporter.stop()


# --------------------------------------------------------------------------- platform


PLATFORM_RULES = """\
groups:
  - name: platform
    rules:
      - alert: ServiceDown
        expr: service_up == 0
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }} is down"
          runbook_url: "https://runbooks.example.com/services/{{ $labels.service }}"
      - alert: RiskRuleHitRateHigh
        expr: >-
          sum by (product, rule) (rate(risk_rule_hits_total[15s]))
          / ignoring(rule) group_left sum by (product) (rate(risk_decisions_total[15s]))
          > 0.2
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.rule }} refuses {{ $value | humanizePercentage }}"
"""
"""Alert rules over the exporter's metrics: a critical and a warning alert fire within
seconds of the first scrapes (`for` is 0)."""


RATIO = (
    "sum by (product, rule) (rate(risk_rule_hits_total[15s]))"
    " / ignoring(rule) group_left"
    " sum by (product) (rate(risk_decisions_total[15s]))"
)
"""DESIGN.md's risk-rule hit-rate query, with a window short enough for a test."""


@dataclass
class Platform:
    """The whole monitoring stack of the simulated credit platform."""

    exporter: Exporter
    prometheus: ServerProcess
    alertmanager: ServerProcess | None
    """None when started without one (see `start_platform`)."""


@contextlib.contextmanager
def start_platform(alertmanager: bool | None = None) -> Iterator[Platform]:
    """Exporter -> Prometheus (scraping, evaluating PLATFORM_RULES) -> Alertmanager.

    `alertmanager=None` includes Alertmanager when it is installed (always under CI), so
    Prometheus-only tests still run on a machine without it. Costs ~6 s, almost all of
    it Prometheus's first target discovery: share one per module or session. Proxy
    variables are removed for the duration.
    """
    if alertmanager is None:
        alertmanager = bool(os.environ.get("CI") or shutil.which("prometheus-alertmanager"))
    with contextlib.ExitStack() as stack:
        stack.enter_context(no_proxy())
        exporter = stack.enter_context(start_exporter())
        manager = stack.enter_context(start_alertmanager()) if alertmanager else None
        prometheus = stack.enter_context(
            start_prometheus(
                [exporter.target],
                rules=PLATFORM_RULES,
                alertmanager=manager.target if manager else None,
            )
        )
        yield Platform(exporter, prometheus, manager)


def alerts(server: ServerProcess) -> list[dict[str, object]]:
    """Alerts held by an Alertmanager, straight from its v2 API."""
    with _direct_client() as client:
        response = client.get(f"{server.url}/api/v2/alerts")
        response.raise_for_status()
        return cast(list[dict[str, object]], response.json())


def wait_for_alert(
    server: ServerProcess, alertname: str, timeout: float = STARTUP_TIMEOUT
) -> dict[str, object]:
    """Poll an Alertmanager until an alert named `alertname` is active."""

    def probe() -> dict[str, object] | None:
        for alert in alerts(server):
            labels = cast(dict[str, str], alert.get("labels", {}))
            if labels.get("alertname") == alertname:
                return alert
        return None

    return wait_until(
        probe, timeout=timeout, what=f"alert {alertname} in Alertmanager", detail=server.stderr_tail
    )


# --------------------------------------------------------------------------- plain HTTP


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up (size caps, timeouts, closed pools) are what the tests
        # provoke; anything else is still printed.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass
class HTTPTestServer:
    """A threaded http.server on a free loopback port (https when given a TLS context)."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    scheme: str

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


@contextlib.contextmanager
def serve_http(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[HTTPTestServer]:
    """Serve `handler` until the block ends; for health-check and HTTP-helper tests.

    Handlers should set `protocol_version = "HTTP/1.1"` to exercise keep-alive like a
    real server does.
    """
    server = _QuietHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="test-http", daemon=True
    )
    thread.start()
    try:
        yield HTTPTestServer(server, thread, "https" if tls else "http")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class SelfSignedCert:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@contextlib.contextmanager
def self_signed_cert() -> Iterator[SelfSignedCert]:
    """A throw-away certificate for 127.0.0.1, made with the openssl command line (no
    extra Python dependency)."""
    openssl = require_binary("openssl", "openssl")
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-tls-"))
    try:
        cert, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", str(key), "-out", str(cert), "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )  # fmt: skip
        yield SelfSignedCert(cert, key)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def start_bulk_exporter(series: int, metric: str = "bulk_series") -> Iterator[HTTPTestServer]:
    """A /metrics endpoint exposing `series` series of one gauge (`{s="000042"}`, value
    the index modulo 100), rendered once: a source of 100,000 series for the real
    Prometheus without a Python collector working at every scrape."""
    lines = [f"# TYPE {metric} gauge"]
    lines += [f'{metric}{{s="{index:06d}"}} {index % 100}' for index in range(series)]
    body = ("\n".join(lines) + "\n").encode()
    with serve_body(body, "text/plain; version=0.0.4") as server:
        yield server


@contextlib.contextmanager
def serve_body(body: bytes, content_type: str) -> Iterator[HTTPTestServer]:
    """Every GET answered with `body`, rendered once by the caller: a bulk source
    (100,000 series, 27,000 alerts) without Python work at every request."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_http(Handler) as server:
        yield server
