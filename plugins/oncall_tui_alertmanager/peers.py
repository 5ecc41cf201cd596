"""An HA Alertmanager cluster: every peer asked, the answers united.

The peers of a cluster gossip alerts and silences to each other, so each answers with
(nearly) the same alerts under the same fingerprints. Asking all of them and keeping
each fingerprint once means a peer that is down loses no alert, and the board still
counts each alert once. Writes go to the first peer that answers: the cluster
gossips a silence made on one peer to the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from oncall_tui.plugin import HTTPStatusError, ReadOnlyError, SourceError

from .alerts import Alert

T = TypeVar("T")

NOT_ALERTMANAGER = "not an Alertmanager API v2 response (is the URL right?)"


@dataclass(slots=True)
class United:
    """What the peers said together."""

    alerts: list[Alert] = field(default_factory=list)
    bad: int = 0
    """Items of the answers that were not alerts (the first answering peer's)."""
    answered: list[str] = field(default_factory=list)
    """Peers that answered, in the configured order."""
    down: list[tuple[str, str]] = field(default_factory=list)
    """(peer, why) of each peer that did not answer."""

    @property
    def note(self) -> str:
        """ "peer am2:9093 down (connection refused)", or "" when all answered."""
        return "; ".join(f"peer {peer_name(peer)} down ({why})" for peer, why in self.down)


def peer_name(url: str) -> str:
    """host:port of a peer, never its credentials or path."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


async def unite(
    peers: Sequence[str], fetch: Callable[[str], Awaitable[tuple[list[Alert], int] | None]]
) -> United:
    """Ask every peer at once (`fetch(peer)` returns its alerts read by `parse_alerts`,
    None for an answer that is not an alert list, or raises SourceError); the union of
    the alerts by fingerprint, the first peer's copy kept. Raises SourceError, naming
    each peer's failure, only when no peer answered."""
    answers = await asyncio.gather(*(fetch(peer) for peer in peers), return_exceptions=True)
    united = United()
    seen: set[str] = set()
    for peer, answer in zip(peers, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, SourceError):
                raise answer
            united.down.append((peer, str(answer)))
            continue
        parsed = answer
        if parsed is None:
            united.down.append((peer, NOT_ALERTMANAGER))
            continue
        alerts, bad = parsed
        if not united.answered:
            united.bad = bad
        united.answered.append(peer)
        for alert in alerts:
            if alert.key not in seen:
                seen.add(alert.key)
                united.alerts.append(alert)
    if not united.answered:
        if len(peers) == 1:
            raise SourceError(united.down[0][1])
        raise SourceError(
            "every peer failed: "
            + "; ".join(f"{peer_name(peer)}: {why}" for peer, why in united.down)
        )
    return united


async def first_answering(
    peers: Sequence[str], attempt: Callable[[str], Awaitable[T]]
) -> tuple[str, T]:
    """`attempt(peer)` on each peer in turn until one answers: a peer that cannot be
    reached is skipped; one that answers with an error (a 400) or a read-only refusal
    ends the tries, since another peer would say the same."""
    failures: list[str] = []
    for peer in peers:
        try:
            return peer, await attempt(peer)
        except (HTTPStatusError, ReadOnlyError):
            raise
        except SourceError as exc:
            if len(peers) == 1:
                raise
            failures.append(f"{peer_name(peer)}: {exc}")
    raise SourceError("no peer answered: " + "; ".join(failures))
