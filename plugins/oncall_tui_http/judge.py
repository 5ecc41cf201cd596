"""What one probe's answer means: healthy, slow, or failed, and why in a few words.

Kept apart from the plugin so every rule (expected status, body, JSON field, TLS
expiry, latency) is a pure function of the probe's result and the options, testable
without a server, and the summary an engineer reads is decided in one place.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from oncall_tui.plugin import Status, Thresholds, format_duration
from oncall_tui.plugin.http import ProbeResult

from .config import HTTPCheckConfig, is_index, path_segments

MAX_SHOWN = 60
"""Longest piece of the server's data (a JSON value) quoted in a summary."""

_CONNECT = re.compile(r"cannot connect to (?P<where>\S+) \((?P<reason>.*)\)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The signal's status and summary. `status` None: the latency thresholds decide
    (the store applies them to the value), as for any threshold-judged signal."""

    status: Status | None
    summary: str


def judge(result: ProbeResult, config: HTTPCheckConfig, now: datetime) -> Verdict:
    """The verdict on one check: the first failure in the order an engineer would look
    (reached the server, status, body, JSON), else the certificate and the latency."""
    if result.error:
        return Verdict(Status.CRITICAL, failure_words(result.error))
    failed = _status_failure(result, config) or _body_failure(result, config)
    if failed:
        return Verdict(Status.CRITICAL, failed)
    cert_status, cert_words = _certificate(result, config, now)
    latency_status, latency_words = _latency(result, config.latency_thresholds())
    words = [f"status {result.status_code}", latency_words, cert_words]
    summary = ", ".join(word for word in words if word)
    if cert_status is Status.OK:
        return Verdict(None, summary)
    worst = Status.worst([cert_status, latency_status])
    return Verdict(worst, summary)


def failure_words(error: str) -> str:
    """The probe's error with TLS and DNS failures named first ("TLS: certificate has
    expired", "DNS: host name not found"): on a dependency's row, the kind of failure
    matters more than the host and port, which the row's URL already shows."""
    match = _CONNECT.fullmatch(error)
    if match is None:
        return error
    reason = match["reason"]
    for prefix, label in (
        ("TLS certificate not trusted: ", "TLS: "),
        ("TLS handshake failed: ", "TLS: handshake failed: "),
        ("DNS lookup failed", "DNS: lookup failed"),
    ):
        if reason.startswith(prefix):
            return label + reason.removeprefix(prefix)
    if reason == "host name not found":
        return "DNS: host name not found"
    return error


def expected_words(expected: frozenset[int] | None) -> str:
    if expected is None:
        return "2xx"
    shown = [str(status) for status in sorted(expected)]
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} or {shown[-1]}"


def _status_failure(result: ProbeResult, config: HTTPCheckConfig) -> str:
    code = result.status_code
    assert code is not None  # answered
    expected = config.expected
    if (200 <= code < 300) if expected is None else code in expected:
        return ""
    wanted = f"(expected {expected_words(expected)})"
    if result.redirect:
        return (
            f"status {code}: redirect to {result.redirect}, not followed {wanted}; "
            "configure the final URL"
        )
    return f"status {code} {wanted}"


def _body_failure(result: ProbeResult, config: HTTPCheckConfig) -> str:
    if not (config.body_contains or config.json_path):
        return ""
    body = result.body or b""
    cap = _size(len(body))
    if config.body_contains and config.body_contains not in _text(body, result.content_type):
        where = f" in its first {cap}" if result.body_truncated else ""
        return f"body does not contain {_quote(config.body_contains)}{where}"
    if not config.json_path:
        return ""
    if result.body_truncated:
        return f"body is larger than {cap}: too large to read {config.json_path} from"
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return "body is not JSON"
    found, value = lookup(document, config.json_path)
    if not found:
        return f"json {config.json_path} not found"
    if config.json_equals is not None and not same(value, config.json_equals):
        return f"json {config.json_path} = {_shown(value)} (expected {_shown(config.json_equals)})"
    return ""


def lookup(document: object, path: str) -> tuple[bool, object]:
    """(found, value) of a dotted path: a name looks into an object, a number into a
    list (or an object with that key)."""
    current = document
    for segment in path_segments(path):
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and is_index(segment) and int(segment) < len(current):
            current = current[int(segment)]
        else:
            return False, None
    return True, current


def same(value: object, expected: str | bool | int | float) -> bool:
    """JSON equality without Python's coercions: true is not 1, "1" is not 1."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if isinstance(expected, int | float):
        return isinstance(value, int | float) and value == expected
    return isinstance(value, str) and value == expected


def _certificate(result: ProbeResult, config: HTTPCheckConfig, now: datetime) -> tuple[Status, str]:
    days = result.cert_days_left(now)
    warning, critical = config.cert_expiry_warning_days, config.cert_expiry_critical_days
    if days is None or (warning is None and critical is None):
        return Status.OK, ""
    if critical is not None and days <= critical:
        status = Status.CRITICAL
    elif warning is not None and days <= warning:
        status = Status.WARNING
    else:
        return Status.OK, ""
    if days < 0:
        return status, f"TLS: certificate expired {_days(-days)} ago"
    return status, f"TLS: certificate expires in {_days(days)}"


def _latency(result: ProbeResult, thresholds: Thresholds | None) -> tuple[Status, str]:
    if thresholds is None:
        return Status.OK, ""
    level = thresholds.level(result.elapsed)
    if level is Status.OK:
        return Status.OK, ""
    limit = thresholds.critical if level is Status.CRITICAL else thresholds.warning
    assert limit is not None
    return level, f"slow: {format_duration(result.elapsed)} (≥ {format_duration(limit)})"


def _days(days: float) -> str:
    if days < 1:
        hours = days * 24
        return f"{hours:.0f} hour" + ("" if round(hours) == 1 else "s")
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


def _text(body: bytes, content_type: str) -> str:
    """The body as text, in its declared charset (UTF-8 when none or unknown)."""
    message = Message()
    message["content-type"] = content_type
    charset = message.get_content_charset() or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, errors="replace")


def _quote(text: str) -> str:
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1] + "…"
    return f"'{text}'"


def _shown(value: object) -> str:
    """A JSON value as a summary quotes it: 'DOWN', 3, true, null, an object."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value)


def _size(size: int) -> str:
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"
