from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import Event, EventLog, Status


def test_history_keeps_the_newest_values_in_order() -> None:
    history = History(capacity=3)
    for t in range(5):
        history.append(float(t), t * 10.0)
    assert list(history) == [(2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]
    assert len(history) == 3


def test_history_keeps_gaps_as_none() -> None:
    history = History(capacity=4)
    history.append(1.0, 1.0)
    history.append(2.0, None)
    assert history.values() == [1.0, None]


def test_history_is_bounded_over_a_long_run() -> None:
    history = History(capacity=360)
    for t in range(100_000):
        history.append(float(t), 1.0)
    assert len(history) == 360
    assert next(iter(history))[0] == 100_000 - 360


def test_event_log_is_bounded_and_newest_first() -> None:
    log = EventLog(capacity=10)
    for t in range(25):
        log.append(Event(float(t), "k", "n", Status.OK, Status.WARNING, 1.0))
    assert len(log) == 10
    assert log.total == 25
    assert [e.at for e in log.recent(3)] == [24.0, 23.0, 22.0]
