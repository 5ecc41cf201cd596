"""The `/` filter (core/signals/filter.py): substring or regex over names and labels."""

from __future__ import annotations

from oncall_tui.core.signals.filter import SignalFilter
from test_ui_support import make_store


def test_filter_matches_names_and_labels_text_or_regex_and_negates() -> None:
    store = make_store("critical")
    signal = store.signals["demo/loan-api/errors"]
    assert SignalFilter.parse("LOAN-API")(signal)
    assert SignalFilter.parse("team=lending")(signal)
    assert SignalFilter.parse(r"loan.*ratio$")(signal)
    assert not SignalFilter.parse("!loan")(signal)
    assert SignalFilter.parse("!pay-api")(signal)
    assert SignalFilter.parse("[unclosed")(store.signals["demo/pay-api/errors"]) is False
    assert SignalFilter.parse("")(signal) and not SignalFilter.parse("").active
