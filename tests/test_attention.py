"""What needs the engineer's attention (core/present/attention.py): toasts for signals turning
critical or recovering, the incident count, and what is no news (the launch state, a
source's first collection, change markers, sources failing: those are on the timeline)."""

from __future__ import annotations

from oncall_tui.core.present.attention import Attention
from oncall_tui.core.signals.model import SourceState
from ui_support import ALL_KINDS, RATIO, T0, demo_readings, make_store, reading


def test_attention_toasts_news_not_the_launch_state_and_counts_incidents() -> None:
    store = make_store("ok")
    attention = Attention(store, bell=True)
    assert attention.update(T0) == []  # the board as it was at launch is no news
    store.apply("demo", demo_readings("critical"), at=T0 + 10)
    notices = attention.update(T0 + 10)
    assert len(notices) == 1 and notices[0].severity == "error" and notices[0].bell
    assert "turned critical" in notices[0].text and "and 1 more" in notices[0].text
    assert attention.incidents == 1 and attention.since == T0 + 10  # four signals, one incident
    store.apply("demo", demo_readings("none"), at=T0 + 20)
    notices = attention.update(T0 + 20)
    assert [n.severity for n in notices] == ["information"] and "recovered" in notices[0].text
    assert attention.incidents == 1  # came and went: still counted until seen
    attention.seen()
    assert attention.incidents == 0
    # a source's first collection is no news either
    fresh = make_store("ok")
    fresh.add_source(SourceState(name="late", plugin="demo", kinds=ALL_KINDS))
    watcher = Attention(fresh)
    fresh.apply("late", [reading("x", "health", "late critical", 0.9, thresholds=RATIO)])
    assert watcher.update(T0) == []
    fresh.apply("late", [reading("y", "health", "new critical", 0.9, thresholds=RATIO)])
    assert watcher.update(T0) != []


def test_sources_failing_and_recovering_are_on_the_timeline_not_toasts() -> None:
    store = make_store("ok")
    attention = Attention(store, bell=True)
    store.fail("demo", "timed out after 3s", at=T0 + 10)
    store.apply("demo", demo_readings("none"), at=T0 + 20)
    assert [e.after.value for e in store.events if e.source] == ["unknown", "ok"]
    assert attention.update(T0 + 20) == []  # signals went unknown and back: no incident
    assert attention.incidents == 0


def test_incidents_are_counted_as_a_person_would() -> None:
    # Signals turning critical one after another during one incident are one incident;
    # the board clearing and something turning critical again is the next.
    store = make_store("ok")
    attention = Attention(store)
    attention.update(T0)
    critical = demo_readings("critical")
    for step in range(1, len(critical) + 1):  # the cascade spreads collection by collection
        store.apply("demo", [*demo_readings("none")[step:], *critical[:step]], at=T0 + step)
        attention.update(T0 + step)
    assert attention.incidents == 1
    store.apply("demo", demo_readings("none"), at=T0 + 100)
    attention.update(T0 + 100)
    store.apply("demo", demo_readings("critical"), at=T0 + 200)
    attention.update(T0 + 200)
    assert attention.incidents == 2 and attention.since is not None and attention.since < T0 + 100
