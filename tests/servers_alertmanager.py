"""A real Alertmanager (alone or as a gossiping pair) for plugin tests, and its alerts
read straight from its API."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

from servers import (
    STARTUP_TIMEOUT,
    ServerProcess,
    direct_client,
    free_port,
    require_binary,
    run_server,
    wait_until,
)

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
    gossip = [f"--cluster.listen-address={cluster}"]
    if cluster:
        gossip += [f"--cluster.peer={peer}" for peer in peers]
        # Quick gossip, so a silence made on one peer shows on the other in ~1 s.
        gossip += ["--cluster.pushpull-interval=1s", "--cluster.settle-timeout=2s"]

    def write(directory: Path) -> None:
        (directory / "alertmanager.yml").write_text(config)

    def args(port: int, directory: Path) -> list[str]:
        return [
            binary,
            f"--config.file={directory / 'alertmanager.yml'}",
            f"--web.listen-address=127.0.0.1:{port}",
            *gossip,
            f"--storage.path={directory / 'data'}",
            "--log.level=warn",
        ]

    with run_server("alertmanager", write, args) as server:
        yield server


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


def alerts(server: ServerProcess) -> list[dict[str, object]]:
    """Alerts held by an Alertmanager, straight from its v2 API."""
    with direct_client() as client:
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
