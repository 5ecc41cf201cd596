"""What needs the engineer's attention (core/present/attention.py): toasts for signals turning
critical or recovering, the incident count, and what is no news (the launch state, a
source's first collection, change markers, sources failing: those are on the timeline)."""

from __future__ import annotations

from oncall_tui.core.present.attention import Attention
from oncall_tui.core.signals.model import SourceState
from test_ui_support import ALL_KINDS, RATIO, T0, demo_readings, make_store, reading


def test_attention_toasts_news_not_the_launch_state_and_counts_incidents() -> None:
    store = make_store("ok")
    attention = Attention(store, bell=True)
    assert attention.update(T0) == []  # the board as it was at launch is no news
    store.apply("demo", demo_readings("critical"), at=T0 + 10)
    notices = attention.update(T0 + 10)
    assert len(notices) == 1 and notices[0].severity == "error" and notices[0].bell
    assert "turned critical" in notices[0].text and "and 1 more" in notices[0].text
    assert attention.incidents == 4 and attention.since == T0 + 10
    store.apply("demo", demo_readings("none"), at=T0 + 20)
    notices = attention.update(T0 + 20)
    assert [n.severity for n in notices] == ["information"] and "recovered" in notices[0].text
    assert attention.incidents == 4  # came and went: still counted until seen
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
