"""The alertmanager source: every firing alert is one `alert` signal."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import unquote, urlencode, urlsplit

import httpx

from oncall_tui.plugin import (
    MAX_LINE,
    ActionFailed,
    ActionResult,
    ActionSpec,
    ActionTarget,
    HTTPStatusError,
    Kind,
    LabelTemplate,
    Plugin,
    Reading,
    Runbook,
    SourceContext,
    SourceError,
    Status,
    client_for,
    get_json,
    sanitize,
    send_json,
)

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
from .silencing import (
    EXPIRE,
    LIST,
    SILENCE,
    SPECS,
    active_rows,
    check_id,
    parse_request,
    silence_body,
    silence_id,
)

_NOT_ALERTMANAGER = "not an Alertmanager API v2 response (is the URL right?)"


class AlertmanagerPlugin(Plugin[AlertmanagerConfig]):
    """Firing alerts from Alertmanager's API v2; silenced and inhibited ones shown as
    suppressed (ok, with who silenced them and until when)."""

    Config = AlertmanagerConfig
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
            # Alertmanager leaves suppressed alerts out itself when asked to.
            ("silenced", str(config.include_suppressed).lower()),
            ("inhibited", str(config.include_suppressed).lower()),
            *(("filter", matcher) for matcher in config.filter),
        ]
        self._alerts_url = f"{config.url}/api/v2/alerts?{urlencode(params)}"
        self._silences_url = f"{config.url}/api/v2/silences"
        self._name = LabelTemplate.parse(config.name) if config.name.strip() else None
        self._component = LabelTemplate.parse(config.component)
        self._query = "{" + ", ".join(config.filter) + "}" if config.filter else ""
        self._wall_clock = wall_clock
        """Alertmanager's times are wall-clock times: how long an alert has fired is
        measured against this, not the engine's monotonic clock."""
        self._client: httpx.AsyncClient | None = None
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

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            # Registers the URL's password, headers and tokens with the redactor.
            self._client = client_for(self.config, self.context)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def collect(self) -> Sequence[Reading]:
        client = self._http()
        parsed = parse_alerts(await self._get(client, self._alerts_url))
        if parsed is None:
            raise SourceError(_NOT_ALERTMANAGER)
        alerts, bad = parsed
        self._labels = {alert.key: alert.labels for alert in alerts}
        silences: dict[str, Silence] | None = {}
        if any(alert.silenced_by for alert in alerts):
            # One request per collection, and only when something is silenced.
            try:
                silences = parse_silences(await self._get(client, self._silences_url))
            except SourceError:
                silences = None  # the alerts are still right; only the words suffer
        readings = self._readings(alerts, silences)
        if bad:
            # The alerts that could be read are kept; the source says what was not.
            raise SourceError(
                f"{bad} item{'s' if bad > 1 else ''} in the response not an alert",
                readings=readings,
            )
        return readings

    async def _get(self, client: httpx.AsyncClient, url: str) -> object:
        try:
            return await get_json(client, url)
        except HTTPStatusError as exc:
            raise SourceError(self._status_message(exc)) from None

    # -- actions: silences ---------------------------------------------------------------

    def actions(self) -> Sequence[ActionSpec]:
        return SPECS

    async def run_action(
        self, name: str, target: ActionTarget, params: Mapping[str, str]
    ) -> ActionResult:
        if name == SILENCE:
            return await self._silence(target, params)
        if name == LIST:
            rows = active_rows(await self._get(self._http(), self._silences_url))
            count = f"{len(rows)} active silence{'s' if len(rows) != 1 else ''}"
            return ActionResult(count, rows=rows)
        if name == EXPIRE:
            return await self._expire(check_id(target.key))
        raise ActionFailed(f"{self.context.name}: no action {name!r}")

    async def _silence(self, target: ActionTarget, params: Mapping[str, str]) -> ActionResult:
        request = parse_request(params)
        labels = self._labels.get(target.key)
        if labels is None:
            raise ActionFailed(f"{target.name or 'the alert'} is no longer firing in Alertmanager")
        body = silence_body(labels, request, self._wall_clock())
        answer = await self._send("POST", self._silences_url, body)
        ends = self._wall_clock() + request.duration
        return ActionResult(
            f"silenced {target.name or 'the alert'} until {format_time(ends)} "
            f"(silence {silence_id(answer)})",
            refresh=True,
        )

    async def _expire(self, ident: str) -> ActionResult:
        await self._send("DELETE", f"{self.config.url}/api/v2/silence/{ident}", None)
        return ActionResult(f"expired silence {ident}", refresh=True)

    async def _send(self, method: str, url: str, body: object) -> object:
        # A client of its own per write, built now: it can write only if the context is
        # not read-only at this moment (client_for decides), and the collection's
        # client stays read-only whatever happens.
        async with client_for(self.config, self.context, writes=True) as client:
            try:
                return await send_json(client, method, url, body=body)
            except HTTPStatusError as exc:
                raise ActionFailed(f"{self.context.name}: {self._status_message(exc)}") from None

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
        automatic = auto_names(alerts, self.config.severity_label)
        now = self._wall_clock()
        readings = []
        for alert in alerts:
            name = self._name.render(alert.labels) if self._name else automatic[alert.key]
            summary = summary_of(alert.annotations)
            if alert.suppressed:
                status = Status.OK
                summary = _joined(self._suppression(alert, silences, automatic), summary)
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
                    component=self._component_of(alert),
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
        self, alert: Alert, silences: dict[str, Silence] | None, names: dict[str, str]
    ) -> str:
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
    password = urlsplit(config.url).password
    if password:
        secrets += [password, unquote(password)]
    return secrets
