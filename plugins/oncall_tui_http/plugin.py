"""The http source: one health check of one endpoint per source, like gatus.

A check that ran and failed (503, a timeout, an expired certificate, a name that does
not resolve) is an observation: the signal is critical and says why, and the source
stays ok. The source fails only when the check cannot be made at all (an unreadable
token or CA file), which is the config's problem, not the checked system's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from oncall_tui.plugin import (
    Kind,
    Plugin,
    ProbeResult,
    Reading,
    Runbook,
    SourceContext,
    probe,
)

from . import clients
from .config import HTTPCheckConfig
from .judge import judge

_MIN_DEADLINE = 0.1


def deadline_for(timeout: float) -> float:
    """The check's own deadline: a little inside the engine's, so a hanging server is
    reported as a timed-out check (an observation) rather than the engine cancelling
    the whole collection (a source error). The same rule as the command source's."""
    return max(timeout - min(0.5, timeout / 10), _MIN_DEADLINE)


class HTTPPlugin(Plugin[HTTPCheckConfig]):
    """Checks one HTTP(S) endpoint per collection."""

    Config = HTTPCheckConfig
    description = "One HTTP(S) health check: status, latency, body, JSON field, TLS expiry"

    def __init__(self, config: HTTPCheckConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._name = config.name or context.name
        self._runbook = Runbook.from_config(config.runbook, context.config_dir)
        self._thresholds = config.latency_thresholds()
        self._deadline = deadline_for(context.timeout)
        self._lease: clients.Lease | None = None

    def kinds(self) -> frozenset[Kind]:
        return frozenset({self.config.kind})

    def _client_lease(self) -> clients.Lease:
        lease = self._lease
        if lease is None or lease.client.is_closed:
            # Built (or shared) on first use, inside the running event loop; registers
            # the token, headers and URL credentials with the redactor.
            self._lease = lease = clients.acquire(self.config, self.context, self._deadline)
        return lease

    async def aclose(self) -> None:
        if self._lease is not None:
            lease, self._lease = self._lease, None
            await clients.release(lease)

    async def collect(self) -> Sequence[Reading]:
        client = self._client_lease().client
        result = await probe(client, self.config.url, self.config.method, deadline=self._deadline)
        return [self._reading(result, datetime.now(UTC))]

    def _reading(self, result: ProbeResult, now: datetime) -> Reading:
        verdict = judge(result, self.config, now)
        labels: dict[str, str] = {}
        if result.status_code is not None:
            labels["status_code"] = str(result.status_code)
        if result.cert_not_after is not None:
            labels["cert_expires"] = result.cert_not_after.strftime("%Y-%m-%d %H:%M UTC")
        return Reading(
            key="check",
            kind=self.config.kind,
            name=self._name,
            # How long the check took, body included; none when no whole answer arrived
            # (a timeout's "latency" would only be the deadline).
            value=result.elapsed if result.answered else None,
            unit="seconds",
            labels=labels,
            summary=verdict.summary,
            runbook=self._runbook,
            status=verdict.status,
            thresholds=self._thresholds,
            query=f"{self.config.method} {result.url}",
            component=self.config.component,
        )
