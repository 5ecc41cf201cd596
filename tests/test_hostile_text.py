"""Hostile text end to end, for every plugin that reads text from somewhere else.

Anyone who can push a metric, fire an alert or print from a check can put text on the
on-call engineer's screen. Here each plugin is fed one payload of each kind, each
tagged with a unique marker so it can be found in the output:

    OSC 52 (writes the clipboard), OSC 8 (a hidden link), CSI (clears the screen),
    C1 CSI (the same in one byte), BEL, a bidi override, a zero-width space

from real servers where the plugin needs one: Prometheus scraping an exporter whose
label values carry them (prometheus), an Alertmanager holding alerts whose labels and
annotations do (alertmanager), the same exporter scraped directly with them in label
values and HELP text (openmetrics), and checks printing them (command). Then the raw
bytes of `check --format text`, `check --format json`, and of the running dashboard in
a 120x40 pseudo-terminal must hold none of the payloads, while their escaped, visible
form (`\\x1b]52;c;…`) is there to see. Textual writes escape sequences of its own, so
the raw check looks for each payload's exact bytes (its marker included), and for the
characters Textual never writes (C1, BEL, bidi, zero-width) anywhere at all.

The same dashboard then loses its Prometheus (killed): it stays up and its panel says
which source failed and since when.

The http plugin's health endpoints answer JSON whose checked field is the payload: its
value reaches the summary of the failed check ("json status = '…' (expected 'UP')").
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from alertmanager_api import alerts, post_alerts
from pty_app import PtyApp
from quiet_handler import QuietHandler
from servers import ServerProcess, no_proxy, wait_until
from servers_alertmanager import start_alertmanager
from servers_http import serve_http
from servers_platform import Exporter, start_exporter
from servers_prometheus import start_prometheus, wait_for_query

pytestmark = pytest.mark.servers

KINDS = ("osc52", "osc8", "csi", "c1", "bel", "bidi", "zw")


def payload(kind: str, tag: str) -> str:
    """One hostile string; `tag` makes it unique to the plugin and field it went into."""
    return {
        "osc52": f"\x1b]52;c;{tag}CLIP\x07",
        "osc8": f"\x1b]8;;//{tag}\x1b\\{tag}LINK",
        "csi": f"\x1b[2J{tag}CSI",
        "c1": f"\x9b2J{tag}CONE",
        "bel": f"\x07{tag}BEL",
        "bidi": f"\u202e{tag}BIDI",
        "zw": f"\u200b{tag}ZW",
    }[kind]


def visible(kind: str, tag: str) -> str:
    """How the sanitiser shows `payload(kind, tag)`: every control made visible."""
    return {
        "osc52": rf"\x1b]52;c;{tag}CLIP\x07",
        "osc8": rf"\x1b]8;;//{tag}\x1b\{tag}LINK",
        "csi": rf"\x1b[2J{tag}CSI",
        "c1": rf"\x9b2J{tag}CONE",
        "bel": rf"\x07{tag}BEL",
        "bidi": rf"\u202e{tag}BIDI",
        "zw": rf"\u200b{tag}ZW",
    }[kind]


PROM, ALERT, ALERT_SUMMARY, OPENMETRICS, COMMAND, HTTP = "PQ", "AM", "AS", "OM", "CM", "HT"
HELP = f"depth {payload('osc52', 'OH')}"
"""The openmetrics family's HELP text: the default summary of its signals."""
HELP_VISIBLE = f"depth {visible('osc52', 'OH')}"

# Characters Textual itself never writes: any of them in the output came from a source.
NEVER_FROM_TEXTUAL = re.compile(
    "[\x07\x80-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]"
)
"""BEL, C1, zero-width, bidi, BOM; and U+FFFD, which a lone 8-bit C1 byte (not UTF-8)
decodes to."""
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


class HostileCollector(Collector):
    """Two gauges whose label values (and HELP text) are the payloads: one for
    Prometheus to scrape, one for the openmetrics plugin to read directly."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        prom = GaugeMetricFamily("hostile_prom", "scraped by Prometheus", labels=["payload"])
        om = GaugeMetricFamily("hostile_om", HELP, labels=["payload"])
        for kind in KINDS:
            prom.add_metric([payload(kind, PROM)], 1.0)
            om.add_metric([payload(kind, OPENMETRICS)], 1.0)
        yield prom
        yield om


class HostileHealth(QuietHandler):
    """`/health/<kind>` answers `{"status": <payload>}`: a health check gone hostile."""

    def do_GET(self) -> None:
        kind = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"status": payload(kind, HTTP)}).encode()
        self.send_body(200, body)


@dataclass
class Stack:
    exporter: Exporter
    prometheus: ServerProcess
    alertmanager: ServerProcess
    config: Path
    env: dict[str, str]


def config_text(stack_urls: dict[str, str]) -> str:
    text = f"""\
title = "hostile text"
refresh = "1s"

[sources.prom]
plugin = "prometheus"
url = "{stack_urls["prometheus"]}"
timeout = "5s"
  [[sources.prom.queries]]
  kind = "risk_rule"
  name = "{{payload}}"
  query = "hostile_prom"

[sources.alerts]
plugin = "alertmanager"
url = "{stack_urls["alertmanager"]}"
name = "{{payload}}"
timeout = "5s"

[sources.om]
plugin = "openmetrics"
url = "{stack_urls["exporter"]}/metrics"
  [[sources.om.metrics]]
  kind = "dependency"
  metric = "hostile_om"
  name = "{{payload}}"
"""
    for kind in KINDS:
        text += (
            f'\n[sources.http_{kind}]\nplugin = "http"\nname = "http {kind}"\n'
            f'url = "{stack_urls["health"]}/health/{kind}"\n'
            'json_path = "status"\njson_equals = "UP"\n'
            # Generous, as every source here: on a loaded machine twenty sources at once
            # timed this out at its default (the interval's 1 s), and the test is about
            # text, not time.
            'timeout = "5s"\n'
        )
    for kind in KINDS:
        # JSON string syntax is TOML's basic string syntax for these characters.
        text += (
            f'\n[sources.cmd_{kind}]\nplugin = "command"\nname = "cmd {kind}"\n'
            f'argv = ["printf", "%s\\n", {json.dumps(payload(kind, COMMAND))}]\n'
            'timeout = "5s"\n'  # as the http sources': at load 7, 1 s timed printf out
        )
    return text


def _post_alerts(manager: ServerProcess) -> None:
    body = [
        {
            "labels": {
                "alertname": "Hostile",
                "severity": "warning",
                "payload": payload(kind, ALERT),
            },
            "annotations": {
                "summary": payload(kind, ALERT_SUMMARY),
                "runbook_url": f"https://runbooks.example.com/{payload(kind, 'AR')}",
            },
        }
        for kind in KINDS
    ]
    post_alerts(manager, None, *body)

    def held() -> bool:
        return len(alerts(manager)) == len(KINDS)

    wait_until(held, timeout=10, what="the hostile alerts in Alertmanager")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Exporter -> Prometheus (its own: one test kills it), an Alertmanager of its own
    holding the hostile alerts, and a config with every plugin."""
    home = tmp_path_factory.mktemp("hostile")
    with contextlib.ExitStack() as stack:
        stack.enter_context(no_proxy())
        exporter = stack.enter_context(start_exporter(HostileCollector()))
        manager = stack.enter_context(start_alertmanager())
        prometheus = stack.enter_context(start_prometheus([exporter.target]))
        health = stack.enter_context(serve_http(HostileHealth))
        _post_alerts(manager)
        config = home / "config.toml"
        config.write_text(
            config_text(
                {
                    "prometheus": prometheus.url,
                    "alertmanager": manager.url,
                    "exporter": exporter.url,
                    "health": health.url,
                }
            )
        )
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "xdg"),
            TERM="xterm-256color",
            COLORTERM="truecolor",
            LANG="C.UTF-8",
        )
        env.pop("NO_COLOR", None)
        # Prometheus hands a new target to its scraper ~5 s after start.
        wait_for_query(prometheus, "hostile_prom", min_series=len(KINDS))
        yield Stack(exporter, prometheus, manager, config, env)


def _raw_payloads() -> list[tuple[str, bytes]]:
    tags = (PROM, ALERT, ALERT_SUMMARY, OPENMETRICS, COMMAND, HTTP, "AR")
    found = [(f"{kind}/{tag}", payload(kind, tag).encode()) for kind in KINDS for tag in tags]
    return [*found, ("help", HELP.encode())]


def assert_no_source_controls(raw: bytes, where: str) -> None:
    """No payload's bytes, and none of the characters only a source could have put
    there, anywhere in `raw`."""
    for name, data in _raw_payloads():
        assert data not in raw, f"{where}: raw payload {name} reached the output"
    # Textual ends its own OSC sequences (pointer shape, OSC 22) with BEL: look at the
    # rest. A source's OSC with its BEL is caught above, by its exact bytes.
    text = OSC.sub(b"", raw).decode("utf-8", errors="replace")
    stray = sorted({f"U+{ord(c):04X}" for c in NEVER_FROM_TEXTUAL.findall(text)})
    assert not stray, f"{where}: source-only control characters in the output: {stray}"


# The escaped text each plugin must show for each payload (names; summaries where the
# plugin takes them from the source).
SHOWN = {
    "prometheus": [visible(kind, PROM) for kind in KINDS],
    "alertmanager": [visible(kind, ALERT) for kind in KINDS],
    "openmetrics": [visible(kind, OPENMETRICS) for kind in KINDS],
    "command": [visible(kind, COMMAND) for kind in KINDS],
}


def _check(stack: Stack, fmt: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "check",
            "--config",
            str(stack.config),
            "--format",
            fmt,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**stack.env, "COLUMNS": "200"},
    )


def test_check_text_and_json_carry_no_source_controls(stack: Stack) -> None:
    runs = {fmt: _check(stack, fmt) for fmt in ("text", "json")}
    out: dict[str, bytes] = {}
    for fmt, process in runs.items():
        stdout, stderr = process.communicate(timeout=60)
        # 2: the http checks failed (their field is not "UP"): critical observations.
        assert process.returncode == 2, (fmt, process.returncode, stderr.decode())
        assert stdout, (fmt, stderr.decode())
        assert_no_source_controls(stdout + stderr, f"check --format {fmt}")
        out[fmt] = stdout
    text = out["text"].decode()
    for plugin, shown in SHOWN.items():
        for item in shown:
            assert item in text, f"check text: {plugin} {item!r} not shown"
    document = json.loads(out["json"])
    strings = json.dumps(document, ensure_ascii=False)
    assert not NEVER_FROM_TEXTUAL.search(strings) and "\x1b" not in strings
    names = {s["name"] for s in document["signals"]}
    for plugin, shown in SHOWN.items():
        if plugin != "command":  # a command's signal has the name the config gives it
            assert set(shown) <= names, f"check json: {plugin} names"
    summaries = {s["name"]: s["summary"] for s in document["signals"]}
    for kind in KINDS:
        assert summaries[visible(kind, ALERT)] == visible(kind, ALERT_SUMMARY)
        assert summaries[visible(kind, OPENMETRICS)] == HELP_VISIBLE
        assert summaries[f"cmd {kind}"] == visible(kind, COMMAND)
        assert visible(kind, HTTP) in summaries[f"http {kind}"]
    runbooks = {s["name"]: s["runbook"] for s in document["signals"]}
    for kind in KINDS:
        # A link whose text carries controls is not a link: it stays text, escaped.
        runbook = runbooks[visible(kind, ALERT)]
        assert runbook is None or "\x1b" not in runbook


def test_running_dashboard_writes_no_source_controls_and_survives_losing_prometheus(
    stack: Stack,
) -> None:
    app = PtyApp([sys.executable, "-m", "oncall_tui", "--config", str(stack.config)], stack.env)
    try:
        # Every plugin's signals on screen, escaped: read off the emulated screen, since
        # a row repainted only up to its last changed cell (PQ -> AM) leaves the
        # written stream with half a name.
        expected = {item for shown in SHOWN.values() for item in shown}
        seen: set[str] = set()

        def all_seen(_: str) -> bool:
            screen = app.screen
            seen.update(item for item in expected if item in screen)
            return seen == expected

        try:
            app.wait_for(all_seen, timeout=30, what="every hostile signal on screen")
        except AssertionError:
            raise AssertionError(
                f"never on screen: {sorted(expected - seen)}\n{app.screen}"
            ) from None
        # A few more repaints (collections every second) written out.
        for _ in range(2):
            written = len(app.raw)
            app.wait_for(lambda _, n=written: len(app.raw) > n, timeout=30, what="a repaint")
        assert_no_source_controls(app.raw, "the running dashboard")
        text = app.text
        # Summaries from the source too, escaped. Which rows have room for their summary
        # depends on the layout (the failed http checks are critical and come first), so
        # each payload must show escaped in some source's summary.
        for kind in ("c1", "bel", "bidi", "zw", "csi"):
            shown = (visible(kind, tag) for tag in (ALERT_SUMMARY, HTTP))
            assert any(item in text for item in shown), kind

        # Prometheus dies. The board stays up and says which source, and since when.
        killed = time.time()
        os.killpg(stack.prometheus.process.pid, signal.SIGKILL)
        stack.prometheus.process.wait(timeout=10)
        # (The risk-rule panel is half the width: the address is cut to "127…".)
        banner = re.compile(r"⚠ source prom failing since (\d\d:\d\d:\d\d): cannot connect to 127")
        text = app.wait_for(banner.search, timeout=15, what="the prom failure banner")
        since = banner.findall(text)[-1]
        window = {
            time.strftime("%H:%M:%S", time.localtime(t))
            for t in range(int(killed), int(time.time()) + 1)
        }
        assert since in window, (since, sorted(window))
        assert "1 source failing" in text
        assert app.process.poll() is None, "the dashboard is still running"
        # its signals are unknown with the reason, not silently gone or ok
        row = r"UNKN " + re.escape(visible("osc52", PROM)) + r" +\S* +source error"
        assert re.search(row, app.text), "the prom signals say why they are unknown"
        assert_no_source_controls(app.raw, "the dashboard after losing Prometheus")

        app.send(b"\x11")  # ctrl+q
        assert app.wait_exit(10) == 0
        assert "Traceback" not in app.text
    finally:
        app.close()
