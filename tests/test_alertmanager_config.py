"""The alertmanager plugin's options: what is refused and why, every option documented,
and automatic names for alerts without an alertname."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from oncall_cli import assert_options_listed
from oncall_tui_alertmanager import AlertmanagerConfig, AlertmanagerPlugin
from oncall_tui_alertmanager.alerts import Alert, auto_names

pytestmark = pytest.mark.servers


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"url": "ftp://am"}, "must start with http:// or https://"),
        ({"url": "http://am?x=1"}, "must not contain ?query"),
        ({"filter": ["severity"]}, "is not a label matcher"),
        ({"filter": ['a="b"\nc="d"']}, "is not a label matcher"),
        ({"filter": ["severity=~crit"]}, None),
        ({"name": "{0}"}, "is not a label name"),
        ({"component": "{a.b}"}, "is not a label name"),
        ({"severity_map": {"major": "unknown"}}, "'ok', 'warning' or 'critical'"),
        ({"severity_default": "page"}, "'ok', 'warning' or 'critical'"),
        ({"severity_label": ""}, "at least 1"),
        ({"extra": 1}, "Extra inputs are not permitted"),
        ({"headers": {"Authorization": "a\nb-secret"}}, "line break"),
    ],
)
def test_config_errors(options: dict[str, Any], expected: str | None) -> None:
    data = {"url": "http://127.0.0.1:9093", **options}
    if expected is None:
        AlertmanagerConfig.model_validate(data)
        return
    with pytest.raises(ValidationError) as caught:
        AlertmanagerConfig.model_validate(data)
    assert expected in str(caught.value)
    assert "b-secret" not in str(caught.value), "header values are secrets"


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("alertmanager", AlertmanagerConfig)
    assert AlertmanagerPlugin.transient


def test_automatic_names_without_alertname_or_with_one_alert() -> None:
    def alert(key: str, **labels: str) -> Alert:
        return Alert(key, labels, {}, None, (), (), False)

    names = auto_names(
        [alert("a", service="x"), alert("b", service="y"), alert("c", alertname="Solo", x="1")],
        "severity",
    )
    assert names == {"a": "unnamed alert x", "b": "unnamed alert y", "c": "Solo"}
