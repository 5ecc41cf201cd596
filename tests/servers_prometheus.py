"""A real Prometheus for plugin tests, and queries straight to its API."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

from servers import (
    STARTUP_TIMEOUT,
    ServerProcess,
    direct_client,
    require_binary,
    run_server,
    wait_until,
)


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

    def write(directory: Path) -> None:
        config = [
            "global:",
            f"  scrape_interval: {scrape_interval}",
            f"  evaluation_interval: {scrape_interval}",
        ]
        if rules is not None:
            (directory / "rules.yml").write_text(rules)
            config += ["rule_files:", f"  - {directory / 'rules.yml'}"]
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
        (directory / "prometheus.yml").write_text("\n".join(config) + "\n")

    def args(port: int, directory: Path) -> list[str]:
        return [
            binary,
            f"--config.file={directory / 'prometheus.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={directory / 'data'}",
            "--log.level=warn",
        ]

    with run_server("prometheus", write, args) as server:
        yield server


# --------------------------------------------------------------------------- queries


def query(url: str, promql: str) -> dict[str, object]:
    """The `data` of an instant query, straight from the API (no plugin code involved,
    so a plugin bug cannot make a readiness check pass)."""
    with direct_client() as client:
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
