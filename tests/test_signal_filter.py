"""The `/` filter (core/signals/filter.py): substring or regex over names and labels."""

from __future__ import annotations

from oncall_tui.core.signals.filter import SignalFilter
from ui_support import make_store


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


def test_a_plain_text_query_finds_what_its_regex_and_text_together_found() -> None:
    """A query without regex syntax skips its regex (it cost most of a letter typed on
    a 10,000-signal board): over names and labels it finds exactly what the text and
    the regex found together."""
    import re

    from oncall_tui.core.signals.model import Signal
    from ui_support import reading

    store = make_store("critical")
    store.apply(
        "demo",
        [
            reading("u1", "health", "Straße-API latency", 0.1),
            reading("u2", "health", "KELVIN-K gauge", 0.1),
            reading("u3", "health", "disk /mnt full", 0.1),
        ],
        at=0,
    )

    def both(query: str, signal: Signal) -> bool:
        body = query.removeprefix("!").strip()
        pattern = re.compile(body, re.IGNORECASE)
        texts = [signal.name, *(f"{k}={v}" for k, v in signal.labels.items())]
        found = any(body.casefold() in t.casefold() or pattern.search(t) for t in texts)
        return found != query.startswith("!")

    for query in ("pay-api", "LOAN", "team=lend", "strasse", "straße", "k gauge", "!api", "/mnt"):
        parsed = SignalFilter.parse(query)
        assert parsed.literal
        for signal in store.signals.values():
            assert parsed(signal) == both(query, signal), (query, signal.name)
    assert not SignalFilter.parse("pay.*api").literal
