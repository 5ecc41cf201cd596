"""A real Alertmanager, fed and read through its API v2 as Prometheus and amtool do.

Tests share one Alertmanager per module: each tags what it posts with a `case` label of
its own (the `case` fixture), and reads back only what carries it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import httpx

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from servers import ServerProcess

FOREVER = "2031-01-01T00:00:00Z"


def _client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=5)


def _case_matcher(case: str) -> dict[str, Any]:
    return {"name": "case", "value": case, "isRegex": False, "isEqual": True}


def post_alerts(server: ServerProcess, case: str | None, *alerts: Mapping[str, Any]) -> None:
    """POST alerts (each `{"labels": ..., "annotations": ...}`) tagged with `case`
    (None: as they are)."""
    tag = {"case": case} if case is not None else {}
    body = [{**alert, "labels": {**alert["labels"], **tag}} for alert in alerts]
    with _client() as client:
        client.post(f"{server.url}/api/v2/alerts", json=body).raise_for_status()


def post_silence(
    server: ServerProcess,
    case: str,
    *,
    matchers: Mapping[str, str] | None = None,
    by: str = "bob",
    comment: str = "made outside the board",
    ends: str = FOREVER,
) -> str:
    """A silence of `case`'s alerts (narrowed by exact `matchers`), active since 2020;
    its id."""
    body = {
        "matchers": [
            _case_matcher(case),
            *(
                {"name": name, "value": value, "isRegex": False, "isEqual": True}
                for name, value in (matchers or {}).items()
            ),
        ],
        "startsAt": "2020-01-01T00:00:00Z",
        "endsAt": ends,
        "createdBy": by,
        "comment": comment,
    }
    with _client() as client:
        response = client.post(f"{server.url}/api/v2/silences", json=body)
        response.raise_for_status()
        return cast(str, response.json()["silenceID"])


def silences(server: ServerProcess, case: str, state: str | None = None) -> list[dict[str, Any]]:
    """The silences whose matchers name `case` (in `state`, if given)."""
    with _client() as client:
        found = client.get(f"{server.url}/api/v2/silences").json()
    return [
        item
        for item in found
        if any(m["name"] == "case" and m["value"] == case for m in item["matchers"])
        and (state is None or item["status"]["state"] == state)
    ]


def alerts(server: ServerProcess, case: str | None = None) -> list[dict[str, Any]]:
    """The alerts Alertmanager holds (of `case`, if given)."""
    params = {"filter": f'case="{case}"'} if case is not None else {}
    with _client() as client:
        return cast(
            list[dict[str, Any]], client.get(f"{server.url}/api/v2/alerts", params=params).json()
        )


def engine_for(
    url: str | list[str], case: str, *, read_only: bool = False, extra: str = ""
) -> Engine:
    """An engine with one alertmanager source at `url` (a list: HA peers) showing only
    `case`'s alerts, collected every second."""
    text = (
        "[sources.alerts]\n"
        'plugin = "alertmanager"\n'
        f"url = {json.dumps(url)}\n"
        'interval = "1s"\n'
        'timeout = "3s"\n'
        'component = "{service}"\n'
        f"filter = [{json.dumps(f'case={json.dumps(case)}')}]\n" + extra
    )
    config = parse_config(text, Path("."))
    assert not config.load_errors, config.load_errors
    return Engine(config, read_only=read_only)
