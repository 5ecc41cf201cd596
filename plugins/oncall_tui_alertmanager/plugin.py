"""The alertmanager source: every firing alert is one `alert` signal."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import unquote, urlencode, urlsplit

import httpx

from oncall_tui.plugin import (
    MAX_LINE,
    BlockingRunner,
    Kind,
    LabelTemplate,
    OperationFailed,
    OperationResult,
    OperationSpec,
    OperationTarget,
    Plugin,
    Reading,
    Runbook,
    SourceContext,
    SourceError,
    Status,
    ack_words,
    maintenance_words,
    sanitize,
    without_cycle_collector,
)
from oncall_tui.plugin.http import (
    HTTPClientMixin,
    HTTPStatusError,
    client_for,
    get_bytes,
    get_json,
    json_of,
    send_json,
)

from .acks import ACK_COMMENT, Standing, standing
from .alerts import (
    Alert,
    Silence,
    auto_names,
    format_time,
    inhibition_words,
    parse_alerts,
    parse_silences,
    runbook_of,
    silence_words,
    summary_of,
)
from .config import AlertmanagerConfig
from .peers import first_answering, unite
from .silencing import (
    ACK,
    EXPIRE,
    LIST,
    SILENCE,
    SPECS,
    UNACK,
    SilenceRequest,
    active_rows,
    check_id,
    parse_request,
    silence_body,
    silence_id,
)

log = logging.getLogger(__name__)
_ACCEPT_JSON = {"Accept": "application/json"}


class AlertmanagerPlugin(HTTPClientMixin, Plugin[AlertmanagerConfig]):
    """Firing alerts from Alertmanager's API v2; silenced and inhibited ones shown as
    suppressed (ok, with who silenced them and until when)."""

    description = "Firing alerts from Alertmanager (API v2), silenced ones marked as such"
    transient = True
    """A resolved alert leaves the board; it is not "no data"."""

    def __init__(
        self,
        config: AlertmanagerConfig,
        context: SourceContext,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, context)
        params = [
            ("active", "true"),
            ("unprocessed", "true"),
            # Silenced alerts are always asked for: an acked one is still firing. Other
            # silenced ones are left out here when include_suppressed is off.
            ("silenced", "true"),
            ("inhibited", str(config.include_suppressed).lower()),
            *(("filter", matcher) for matcher in config.filter),
        ]
        self._alerts_path = f"/api/v2/alerts?{urlencode(params)}"
        self._peers = list(dict.fromkeys(config.peers))  # a peer given twice is asked once
        # One thread of each kept across collections (a new runner per call started a
        # thread every time), and one parse per peer, as the peers answer at once.
        self._parsers = {
            peer: BlockingRunner(f"{context.name}-parse{index}")
            for index, peer in enumerate(self._peers)
        }
        self._reader = BlockingRunner(f"{context.name}-readings")
        self._note = ""
        self._acks: dict[str, tuple[str, ...]] = {}
        """Ack silence ids of each alert, by key, as of the last collection."""
        self._own_acks: dict[str, str] = {}
        """Alert key of each ack silence this board made: ended when the alert resolves."""
        self._name = LabelTemplate.parse(config.name) if config.name.strip() else None
        self._component = LabelTemplate.parse(config.component)
        self._query = "{" + ", ".join(config.filter) + "}" if config.filter else ""
        self._wall_clock = wall_clock
        """Alertmanager's times are wall-clock times: how long an alert has fired is
        measured against this, not the engine's monotonic clock."""
        self._secrets = _secrets(config)
        self._labels: dict[str, dict[str, str]] = {}
        """Each alert's labels exactly as Alertmanager sent them, by key, as of the last
        collection: a silence matches these, not the sanitised copy on the board."""

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"alert"})

    def empty_note(self) -> str:
        note = "no alerts firing"
        if self.config.filter:
            note += " that match the filter"
        if not self.config.include_suppressed:
            note += " (silenced and inhibited alerts are not shown)"
        return note

    def collection_note(self) -> str:
        return self._note

    async def collect(self) -> Sequence[Reading]:
        client = self.http()
        united = await unite(self._peers, lambda peer: self._alerts_of(client, peer))
        self._note = united.note
        alerts, bad = united.alerts, united.bad
        self._labels = {alert.key: alert.labels for alert in alerts}
        silences: dict[str, Silence] | None = {}
        if any(alert.silenced_by for alert in alerts):
            # One request per collection, and only when something is silenced.
            try:
                silences = parse_silences(
                    await self._get(client, united.answered[0] + "/api/v2/silences")
                )
            except SourceError:
                silences = None  # the alerts are still right; only the words suffer
        readings = await self._reader(
            lambda: without_cycle_collector(lambda: self._readings(alerts, silences))
        )
        await self._end_resolved_acks()
        if bad:
            # The alerts that could be read are kept; the source says what was not.
            raise SourceError(
                f"{bad} item{'s' if bad > 1 else ''} in the response not an alert",
                readings=readings,
            )
        return readings

    async def _alerts_of(
        self, client: httpx.AsyncClient, peer: str
    ) -> tuple[list[Alert], int] | None:
        """One peer's alerts. Parsed on a thread of its own (peers answer at once), the
        cycle collector paused: 10,000 alerts parsed on the event loop held it (and
        every key) 1-1.7 s per collection, 27,000 2.4-4.1 s, on a loaded 2-core machine."""
        try:
            body = await get_bytes(client, peer + self._alerts_path, headers=_ACCEPT_JSON)
        except HTTPStatusError as exc:
            raise SourceError(self._status_message(exc)) from None
        return await self._parsers[peer](
            lambda: without_cycle_collector(lambda: parse_alerts(json_of(body)))
        )

    async def _get(self, client: httpx.AsyncClient, url: str) -> object:
        try:
            return await get_json(client, url)
        except HTTPStatusError as exc:
            raise SourceError(self._status_message(exc)) from None

    # -- actions: silences ---------------------------------------------------------------

    def operations(self) -> Sequence[OperationSpec]:
        return SPECS

    async def run_operation(
        self, name: str, target: OperationTarget, params: Mapping[str, str]
    ) -> OperationResult:
        if name == SILENCE:
            return await self._silence(target, params)
        if name == ACK:
            return await self._ack(target, params)
        if name == UNACK:
            return await self._unack(target)
        if name == LIST:
            client = self.http()
            _, answer = await first_answering(
                self._peers, lambda peer: self._get(client, peer + "/api/v2/silences")
            )
            rows = active_rows(answer)
            count = f"{len(rows)} active silence{'s' if len(rows) != 1 else ''}"
            return OperationResult(count, rows=rows)
        if name == EXPIRE:
            return await self._expire(check_id(target.key))
        raise OperationFailed(f"{self.context.name}: no action {name!r}")

    async def _silence(self, target: OperationTarget, params: Mapping[str, str]) -> OperationResult:
        request = parse_request(params)
        labels = self._labels.get(target.key)
        if labels is None:
            raise OperationFailed(
                f"{target.name or 'the alert'} is no longer firing in Alertmanager"
            )
        body = silence_body(labels, request, self._wall_clock())
        answer = await self._send("POST", "/api/v2/silences", body)
        ends = self._wall_clock() + request.duration
        return OperationResult(
            f"silenced {target.name or 'the alert'} until {format_time(ends)} "
            f"(silence {silence_id(answer)})",
            refresh=True,
        )

    async def _expire(self, ident: str) -> OperationResult:
        await self._send("DELETE", f"/api/v2/silence/{ident}", None)
        return OperationResult(f"expired silence {ident}", refresh=True)

    async def _ack(self, target: OperationTarget, params: Mapping[str, str]) -> OperationResult:
        labels = self._labels.get(target.key)
        what = target.name or "the alert"
        if labels is None:
            raise OperationFailed(f"{what} is no longer firing in Alertmanager")
        if self._acks.get(target.key):
            raise OperationFailed(f"{what} is already acknowledged")
        author = self.config.ack_author or params.get("author", "").strip()
        request = SilenceRequest(self.config.ack_duration, ACK_COMMENT, author)
        if not author:
            raise OperationFailed("no author for the ack: set ack_author or $USER")
        body = silence_body(labels, request, self._wall_clock())
        ident = silence_id(await self._send("POST", "/api/v2/silences", body))
        self._own_acks[ident] = target.key
        self._acks[target.key] = (ident,)
        return OperationResult(f"acked {what} as {author} (silence {ident})", refresh=True)

    async def _unack(self, target: OperationTarget) -> OperationResult:
        what = target.name or "the alert"
        idents = self._acks.get(target.key, ())
        if not idents:
            raise OperationFailed(f"{what} is not acknowledged")
        for ident in idents:
            await self._send("DELETE", f"/api/v2/silence/{check_id(ident)}", None)
            self._own_acks.pop(ident, None)
        self._acks.pop(target.key, None)
        return OperationResult(f"withdrew the ack of {what}", refresh=True)

    async def _end_resolved_acks(self) -> None:
        """End the acks this board made whose alert is gone (resolved): an ack silence
        left running would acknowledge the next incident with the same labels."""
        resolved = [i for i, key in self._own_acks.items() if key not in self._labels]
        for ident in resolved:
            del self._own_acks[ident]
            try:
                await self._send("DELETE", f"/api/v2/silence/{ident}", None)
            except (OperationFailed, SourceError) as exc:
                log.warning("%s: could not end ack %s: %s", self.context.name, ident, exc)

    async def _send(self, method: str, path: str, body: object) -> object:
        # A client of its own per write, built now: it can write only if the context is
        # not read-only at this moment (client_for decides), and the collection's
        # client stays read-only whatever happens.
        async with client_for(self.config, self.context, writes=True) as client:
            try:
                _, answer = await first_answering(
                    self._peers,
                    lambda peer: send_json(client, method, peer + path, body=body),
                )
                return answer
            except HTTPStatusError as exc:
                raise OperationFailed(f"{self.context.name}: {self._status_message(exc)}") from None

    def _status_message(self, exc: HTTPStatusError) -> str:
        message = str(exc)
        if exc.status_code == 404:
            return f"{message} (is this an Alertmanager with API v2 at that URL?)"
        # Alertmanager explains a 400 ("bad matcher format") in a JSON string. It is the
        # server's text: left out if it echoes a credential.
        # A 422 from the API's schema check says it in {"code": ..., "message": ...}.
        payload = exc.payload
        detail = payload if isinstance(payload, str) else ""
        if isinstance(payload, dict) and isinstance(payload.get("message"), str):
            detail = payload["message"]
        if detail and not any(secret in detail for secret in self._secrets):
            message += f": {sanitize(detail, MAX_LINE)}"
        return message

    def _readings(
        self, alerts: Sequence[Alert], silences: dict[str, Silence] | None
    ) -> list[Reading]:
        now = self._wall_clock()
        readings = []
        self._acks = {}
        kept: list[tuple[Alert, str, Standing]] = []
        for alert in alerts:
            component = self._component_of(alert)
            held = standing(alert, silences, component)
            if held.ack_ids:
                self._acks[alert.key] = held.ack_ids
            if alert.silenced_by and not self.config.include_suppressed and not held.acked_only:
                continue  # hidden as asked; an acked alert is still firing, so stays
            kept.append((alert, component, held))
        automatic = auto_names([alert for alert, _, _ in kept], self.config.severity_label)
        for alert, component, held in kept:
            name = self._name.render(alert.labels) if self._name else automatic[alert.key]
            summary = summary_of(alert.annotations)
            if held.ack is not None:
                status = self._status(alert)
                summary = _joined(ack_words(held.ack, now), summary)
            elif alert.suppressed:
                status = Status.OK
                summary = _joined(self._suppression(alert, silences, automatic, held, now), summary)
            else:
                status = self._status(alert)
            age = None if alert.starts_at is None else max(0.0, now - alert.starts_at)
            readings.append(
                Reading(
                    key=alert.key,
                    kind="alert",
                    name=name,
                    value=age,
                    unit="seconds",
                    labels=alert.labels,
                    summary=summary,
                    runbook=Runbook.from_source(runbook_of(alert.annotations)),
                    status=status,
                    query=self._query,
                    component=component,
                    ack=held.ack,
                    maintenance=held.maintenance,
                    since=alert.starts_at,
                )
            )
        return readings

    def _component_of(self, alert: Alert) -> str:
        # An alert lacking a label the template names is not about a component "?":
        # it is about itself (the store then uses its name).
        if not self._component.labels <= alert.labels.keys():
            return ""
        return self._component.render(alert.labels)

    def _status(self, alert: Alert) -> Status:
        word = alert.labels.get(self.config.severity_label, "").strip().lower()
        return Status(self.config.severity_map.get(word, self.config.severity_default))

    def _suppression(
        self,
        alert: Alert,
        silences: dict[str, Silence] | None,
        names: dict[str, str],
        held: Standing,
        now: float,
    ) -> str:
        if held.maintenance is not None:
            silenced = maintenance_words(held.maintenance, now)
        else:
            silenced = silence_words(alert.silenced_by, silences) if alert.silenced_by else ""
        inhibited = inhibition_words(alert.inhibited_by, names)
        if silenced and inhibited:
            return f"{silenced}; also {inhibited}"
        return silenced or inhibited or "suppressed"


def _joined(first: str, second: str) -> str:
    """Suppression first, so the store's length cap cuts the alert's own words."""
    return f"{first} — {second}" if second else first


def _secrets(config: AlertmanagerConfig) -> list[str]:
    """Configured header values and the URL's password: server text quoting one of
    them is not shown."""
    secrets = [value for value in config.headers.values() if len(value) >= 4]
    secrets += [
        part for value in config.headers.values() for part in value.split() if len(part) >= 8
    ]
    for peer in config.peers:
        password = urlsplit(peer).password
        if password:
            secrets += [password, unquote(password)]
    return secrets
