"""Silences: the alertmanager source's actions, as pure functions of plain values.

Creating a silence is the one thing the board changes in the world, so everything a
request carries is checked here before the plugin sends it: the duration parsed like a
config duration, a comment and an author required, the matchers exactly the alert's
labels (no regex: a silence made from the board silences that alert, nothing more).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from oncall_tui.plugin import (
    MAX_LINE,
    OperationFailed,
    OperationSpec,
    format_duration,
    parse_duration,
    sanitize,
)

from .alerts import format_time, parse_time

SILENCE = "silence"
LIST = "silences"
EXPIRE = "expire"
ACK = "ack"
UNACK = "unack"

SPECS = (
    OperationSpec(
        SILENCE,
        "Silence this alert in Alertmanager",
        mutates=True,
        kinds=frozenset({"alert"}),
    ),
    OperationSpec(LIST, "List the active silences"),
    OperationSpec(EXPIRE, "Expire a silence in Alertmanager", mutates=True),
    OperationSpec(
        ACK,
        "Acknowledge this alert in Alertmanager",
        mutates=True,
        kinds=frozenset({"alert"}),
    ),
    OperationSpec(
        UNACK,
        "Withdraw the acknowledgement of this alert",
        mutates=True,
        kinds=frozenset({"alert"}),
    ),
)

MAX_SILENCE = 30 * 86400.0
"""Longest silence made from the board: a forgotten silence hides the next outage."""
MAX_COMMENT = 1000
MAX_AUTHOR = 200
MAX_LISTED = 500
"""Active silences listed at most; a screen cannot show more usefully."""

_SILENCE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    duration: float
    comment: str
    author: str


def parse_request(params: Mapping[str, str]) -> SilenceRequest:
    """The user's `duration`, `comment` and `author`, checked; OperationFailed says what
    is wrong."""
    try:
        duration = parse_duration(params.get("duration", "1h"))
    except ValueError as exc:
        raise OperationFailed(f"duration: {exc}") from None
    if duration <= 0:
        raise OperationFailed("duration: must be longer than 0s")
    if duration > MAX_SILENCE:
        raise OperationFailed(f"duration: at most {format_duration(MAX_SILENCE)}")
    comment = " ".join(params.get("comment", "").split())
    if not comment:
        raise OperationFailed("comment: required (why is this alert silenced?)")
    author = params.get("author", "").strip()
    if not author:
        raise OperationFailed("author: required (who silenced it?)")
    if len(comment) > MAX_COMMENT or len(author) > MAX_AUTHOR:
        raise OperationFailed(f"comment or author too long (at most {MAX_COMMENT} characters)")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in comment + author):
        raise OperationFailed("comment and author must be plain text")
    return SilenceRequest(duration, comment, author)


def silence_body(
    labels: Mapping[str, str], request: SilenceRequest, now: float
) -> dict[str, object]:
    """The `postableSilence` for an alert with `labels`, from `now` for its duration:
    one exact matcher per label."""
    if not labels:
        raise OperationFailed("the alert has no labels to match")
    return {
        "matchers": [
            {"name": name, "value": value, "isRegex": False, "isEqual": True}
            for name, value in sorted(labels.items())
        ],
        "startsAt": _rfc3339(now),
        "endsAt": _rfc3339(now + request.duration),
        "createdBy": request.author,
        "comment": request.comment,
    }


def silence_id(answer: object) -> str:
    """The id in Alertmanager's answer to a POST (`{"silenceID": "..."}`)."""
    if isinstance(answer, dict) and isinstance(answer.get("silenceID"), str):
        return sanitize(answer["silenceID"], 64)
    raise OperationFailed("Alertmanager accepted the silence but did not say its id")


def check_id(value: str) -> str:
    if not _SILENCE_ID.fullmatch(value):
        raise OperationFailed(f"{sanitize(value, 80)!r} is not a silence id")
    return value


def active_rows(payload: object) -> tuple[dict[str, str], ...]:
    """The active silences in a `GET /api/v2/silences` answer, the one ending first
    first, as rows of sanitised text: id, matchers, created_by, ends_at, comment."""
    if not isinstance(payload, list):
        raise OperationFailed("not an Alertmanager API v2 answer (is the URL right?)")
    found: list[tuple[float, dict[str, str]]] = []
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        status = item.get("status")
        if not isinstance(status, dict) or status.get("state") != "active":
            continue
        ends = parse_time(item.get("endsAt"))
        found.append(
            (
                ends or 0.0,
                {
                    "id": sanitize(item["id"], 64),
                    "matchers": sanitize(matchers_text(item.get("matchers")), MAX_LINE),
                    "created_by": sanitize(_text(item.get("createdBy")), MAX_AUTHOR),
                    "ends_at": format_time(ends),
                    "comment": sanitize(" ".join(_text(item.get("comment")).split()), MAX_LINE),
                },
            )
        )
    found.sort(key=lambda pair: pair[0])
    return tuple(row for _, row in found[:MAX_LISTED])


def matchers_text(matchers: object) -> str:
    """Matchers as amtool writes them: alertname="X", case=~"a.*"."""
    if not isinstance(matchers, list):
        return ""
    parts = []
    for matcher in matchers:
        if not isinstance(matcher, dict):
            continue
        regex = bool(matcher.get("isRegex"))
        equal = matcher.get("isEqual", True) is not False
        operator = ("=~" if regex else "=") if equal else ("!~" if regex else "!=")
        value = _text(matcher.get("value")).replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'{_text(matcher.get("name"))}{operator}"{value}"')
    return ", ".join(parts)


def _rfc3339(stamp: float) -> str:
    return (
        datetime.fromtimestamp(stamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
