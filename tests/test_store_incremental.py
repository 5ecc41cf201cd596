"""The store pays only for what moved: an unchanged reading is taken in without being
cleaned or judged again and is not news to listeners; changed words are cleaned again;
the sweep looks only at sources whose staleness deadline has passed. Each test checks
the contract holds on the cheap paths (sanitised text, events, changed keys)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loop_turns import loop_turns_during
from oncall_tui.core.sanitize import redactor
from oncall_tui.core.signals import store as store_module
from oncall_tui.core.signals.collection import SAMPLE_WORTH, CollectionUpdate
from oncall_tui.core.signals.model import Reading, Reason, Signal, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import APPLY_SLICE, GONE_AFTER, SignalStore

MAX_AGE = 10.0


def _store() -> tuple[SignalStore, list[set[str]]]:
    store = SignalStore(clock=lambda: 0.0, history=50, events=50)
    store.add_source(
        SourceState("prom", "prometheus", frozenset({"health"}), interval=5), max_age=MAX_AGE
    )
    heard: list[set[str]] = []
    store.subscribe(lambda changed: heard.append(set(changed)))
    return store, heard


def _reading(value: float = 0.01, **kw: object) -> Reading:
    fields: dict[str, object] = {
        "key": "errors",
        "kind": "health",
        # A control character: its clean form is a new string each time it is cleaned.
        "name": "pay-api\x1b errors",
        "value": value,
        "unit": "ratio",
        "labels": {"service": "pay-api\x07"},
        "summary": "fine\x1b",
        "thresholds": Thresholds(warning=0.05, critical=0.2),
    }
    fields.update(kw)
    return Reading(**fields)  # type: ignore[arg-type]


def _only(store: SignalStore) -> Signal:
    (signal,) = store.signals.values()
    return signal


def test_the_same_reading_again_changes_nothing_and_is_no_news() -> None:
    store, heard = _store()
    reading = _reading()
    store.apply("prom", [reading], at=1)
    signal = _only(store)
    name, summary, labels, events = signal.name, signal.summary, signal.labels, store.events.total
    store.apply("prom", [reading], at=2)
    assert _only(store) is signal
    assert signal.name is name and signal.summary is summary and signal.labels is labels
    assert heard[-1] == set(), "an unchanged signal is not among the changed keys"
    assert store.events.total == events
    assert signal.observed_at == 2 and len(signal.history) == 2


def test_an_equal_reading_rebuilt_by_the_plugin_is_not_cleaned_or_judged_again() -> None:
    store, heard = _store()
    store.apply("prom", [_reading()], at=1)
    signal = _only(store)
    name, summary, labels = signal.name, signal.summary, signal.labels
    again = _reading()  # equal, not the same object: a plugin that rebuilds each poll
    store.apply("prom", [again], at=2)
    assert signal.name is name and signal.summary is summary and signal.labels is labels
    assert heard[-1] == set()
    assert signal.last is again and signal.observed_at == 2
    assert signal.name == "pay-api\\x1b errors" and signal.labels == {"service": "pay-api\\x07"}


def test_a_reading_new_only_in_its_sample_time_takes_the_short_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Prometheus answer dates each sample with its evaluation time: readings equal
    in all else, each with a new `observed_at`, are no news and need no whole ingest."""
    whole: list[str] = []
    ingest = store_module.update_signal

    def counted(signal: Signal, *args: object) -> bool:
        whole.append(signal.key)
        return ingest(signal, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "update_signal", counted)
    store, heard = _store()
    store.apply("prom", [_reading(observed_at=0.5)], at=1)
    signal = _only(store)
    for at in (2, 3, 4):
        store.apply("prom", [_reading(observed_at=at - 0.5)], at=at)
    assert whole == ["prom/errors"], "taken in whole once, at the first answer"
    assert heard[1:] == [set(), set(), set()]
    assert signal.observed_at == 3.5 and len(signal.history) == 4
    # Measured long ago: stale, which only the whole ingest says.
    store.apply("prom", [_reading(observed_at=5 - MAX_AGE - 1)], at=5)
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE)
    assert whole == ["prom/errors", "prom/errors"]


@pytest.mark.parametrize("same_object", [True, False], ids=["same object", "equal"])
def test_a_reading_back_after_one_answer_without_it_is_present_again(same_object: bool) -> None:
    """Left out of one answer, a signal keeps its status (in grace); back in the next,
    it is present again however it comes back: the very reading, or one equal to it
    but for its sample time. On the short ways it kept its `missing_since`, drew its
    trend as not live, and the sweep deleted it 15 minutes later while still reported."""
    store, _ = _store()
    other = _reading(key="latency")
    reading = _reading()
    store.apply("prom", [reading, other], at=1)
    store.apply("prom", [other], at=2)
    signal = store.signals["prom/errors"]
    assert signal.missing_since == 2 and signal.status is Status.OK
    back = reading if same_object else _reading(observed_at=2.5)
    store.apply("prom", [back, other], at=3)
    assert signal.missing_since is None
    for at in range(4, 8):
        store.apply("prom", [back, other], at=at)
    store.sweep(at=2 + GONE_AFTER + 1)
    assert store.signals.get("prom/errors") is signal


def test_a_changed_label_or_summary_is_cleaned_again_and_reported() -> None:
    store, heard = _store()
    store.apply("prom", [_reading()], at=1)
    signal = _only(store)
    name = signal.name
    store.apply("prom", [_reading(labels={"service": "wallet\x1b[2J"}, summary="slow\x07")], at=2)
    assert signal.labels == {"service": "wallet\\x1b[2J"}
    assert signal.summary == "slow\\x07"
    assert signal.name is name, "the name did not change: not cleaned again"
    assert heard[-1] == {"prom/errors"}


def test_a_value_crossing_its_threshold_is_judged_even_after_unchanged_polls() -> None:
    store, heard = _store()
    for at in (1, 2, 3):
        store.apply("prom", [_reading()], at=at)
    store.apply("prom", [_reading(0.3)], at=4)
    assert _only(store).status is Status.CRITICAL
    assert heard[-1] == {"prom/errors"}
    assert [(e.before, e.after) for e in store.events][-1] == (Status.OK, Status.CRITICAL)


def test_a_secret_registered_later_is_redacted_from_unchanged_words() -> None:
    secret = "hunter2-token-0123456789"
    store, _ = _store()
    reading = _reading(name=f"probe {secret}", labels={"url": f"https://x/?t={secret}"})
    store.apply("prom", [reading], at=1)
    redactor.add(secret)  # a source configured after the first collection
    store.apply("prom", [_reading(0.02, name=reading.name, labels=reading.labels)], at=2)
    signal = _only(store)
    assert secret not in signal.name and secret not in str(signal.labels)
    assert "***" in signal.name


def test_an_old_sample_handed_back_unchanged_still_turns_stale() -> None:
    store, _ = _store()
    reading = _reading(observed_at=100.0)
    store.apply("prom", [reading], at=101)
    store.apply("prom", [reading], at=100 + MAX_AGE + 1)  # the same object, now too old
    signal = _only(store)
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE)


class _CountingDict(dict[str, Signal]):
    """The store's signal table, counting the lookups the sweep makes."""

    lookups = 0

    def __getitem__(self, key: str) -> Signal:
        self.lookups += 1
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.lookups += 1
        return super().get(key, default)


def test_the_sweep_looks_at_no_signal_before_a_deadline_has_passed() -> None:
    store, heard = _store()
    store.apply("prom", [_reading(key=f"k{i}") for i in range(200)], at=1)
    counted = _CountingDict(store.signals)
    store.signals = counted
    for at in range(2, int(1 + MAX_AGE) + 1):
        store.sweep(at=at)
    assert counted.lookups == 0
    assert all(signal.status is Status.OK for signal in store.signals.values())
    notices = len(heard)
    store.sweep(at=1 + MAX_AGE + 0.5)
    assert counted.lookups >= 200
    assert all(signal.reason is Reason.STALE for signal in store.signals.values())
    assert len(heard) == notices + 1 and len(heard[-1]) == 200


def test_the_sweep_deadline_follows_the_oldest_sample_and_missing_signals() -> None:
    store, _ = _store()
    store.apply("prom", [_reading(key="fresh"), _reading(key="old", observed_at=0.0)], at=5)
    store.sweep(at=MAX_AGE + 0.5)  # "old" is past its deadline, "fresh" is not
    assert store.signals["prom/old"].reason is Reason.STALE
    assert store.signals["prom/fresh"].status is Status.OK
    store.apply("prom", [_reading(key="fresh")], at=20)  # "old" no longer reported
    assert store.signals["prom/old"].missing_since == 20
    store.sweep(at=20 + GONE_AFTER + 1)
    assert "prom/old" not in store.signals
    assert store.signals["prom/fresh"].reason is Reason.STALE


def test_a_replayed_signal_is_swept_even_when_the_source_looked_fresh() -> None:
    store, _ = _store()
    store.apply("prom", [_reading(key="a")], at=50)
    signal = replace(_only(store), key="prom/b", observed_at=1.0)
    store.put_signal(signal, Status.OK, None, at=1.0)
    store.sweep(at=51)
    assert store.signals["prom/b"].reason is Reason.STALE
    assert store.signals["prom/a"].status is Status.OK


def test_a_failed_collection_keeps_the_gone_deadline_of_missing_signals() -> None:
    store, _ = _store()
    store.apply("prom", [_reading(key="a"), _reading(key="b")], at=1)
    store.apply("prom", [_reading(key="a")], at=2)
    store.fail("prom", "connection refused", at=3)
    store.sweep(at=2 + GONE_AFTER + 1)
    assert "prom/b" not in store.signals
    assert store.signals["prom/a"].reason is Reason.SOURCE_ERROR


def test_a_secret_registered_later_is_redacted_from_the_very_same_reading() -> None:
    """A plugin handing back the same object (a cache) after a secret was registered:
    its words are cleaned again, not taken in for a sample time only."""
    secret = "hunter3-token-9876543210"
    store, _ = _store()
    reading = _reading(name=f"probe {secret}", labels={"url": f"https://x/?t={secret}"})
    store.apply("prom", [reading], at=1)
    redactor.add(secret)
    store.apply("prom", [reading], at=2)
    signal = _only(store)
    assert secret not in signal.name and secret not in str(signal.labels)
    assert signal.observed_at == 2 and len(signal.history) == 2


def test_the_very_same_reading_still_runs_a_for_timer_and_leaves_stale() -> None:
    """Handed back as the same object, a reading still counts toward its `for` (the
    breach fires once it lasted), and brings a signal the sweep made stale back."""
    store, heard = _store()
    breach = _reading(0.1, thresholds=Thresholds(warning=0.05, for_seconds=3))
    for at in (1, 2, 3):
        store.apply("prom", [breach], at=at)
    assert _only(store).status is Status.OK
    store.apply("prom", [breach], at=4)
    assert _only(store).status is Status.WARNING
    assert heard[-1] == {"prom/errors"}
    store.sweep(at=4 + MAX_AGE + 1)
    assert _only(store).reason is Reason.STALE
    store.apply("prom", [breach], at=4 + MAX_AGE + 2)
    signal = _only(store)
    assert (signal.status, signal.reason) == (Status.WARNING, None)
    assert signal.observed_at == 4 + MAX_AGE + 2


def test_numbers_on_the_short_path_are_still_judged_as_numbers() -> None:
    """Values, baselines and `since` of readings that moved: NaN and infinities are no
    data, a number string is read, and a failing status dates from the source's
    `since` while an ok one keeps its own time."""
    store, _ = _store()
    for at, value in enumerate((float("nan"), float("inf"), -float("inf")), start=1):
        store.apply("prom", [_reading(value)], at=at)
        assert (_only(store).value, _only(store).status) == (None, Status.UNKNOWN)
    store.apply("prom", [_reading(0.01, baseline="0.5")], at=4)  # type: ignore[arg-type]
    assert (_only(store).value, _only(store).baseline) == (0.01, 0.5)
    store.apply("prom", [_reading(0.3, since=2.0)], at=5)
    assert (_only(store).status, _only(store).changed_at) == (Status.CRITICAL, 2.0)
    store.apply("prom", [_reading(0.01, since=1.0)], at=6)
    assert (_only(store).status, _only(store).changed_at) == (Status.OK, 6)


async def test_slices_are_cut_by_work_and_every_reading_is_still_taken_in() -> None:
    """5,000 readings handed back unchanged but in another order are taken in whole
    (each a sample and a history point) in an eighth of the slices a fresh collection
    needs; the loop is still handed back between them. In the same order again, each
    at its place, they cost no slice at all (the signals ride their source)."""
    store, heard = _store()
    readings = [_reading(key=f"k{i}") for i in range(5000)]
    await store.apply_in_slices("prom", readings)
    store.clock = lambda: 1.0
    readings.reverse()
    slices: list[int] = []
    ingest = CollectionUpdate.ingest

    def counted(self: CollectionUpdate, count: int) -> bool:
        slices.append(count)
        return ingest(self, count)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CollectionUpdate, "ingest", counted)
        _, turns = await loop_turns_during(store.apply_in_slices("prom", readings))
    assert 5000 // (APPLY_SLICE * SAMPLE_WORTH) <= len(slices) <= 5000 // APPLY_SLICE // 2
    assert turns >= len(slices)
    assert all(s.observed_at == 1.0 and len(s.history) == 2 for s in store.signals.values())
    assert heard[-1] == set()
    store.clock = lambda: 2.0
    slices.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CollectionUpdate, "ingest", counted)
        await store.apply_in_slices("prom", readings)
    assert len(slices) == 1
    assert all(s.observed_at == 2.0 and len(s.history) == 3 for s in store.signals.values())
    assert heard[-1] == set()


@pytest.mark.parametrize("same_object", [True, False], ids=["cached", "rebuilt"])
def test_a_secret_registered_later_is_redacted_from_a_signals_key(same_object: bool) -> None:
    """A key that held a secret registered after its first collection is cleaned
    again, as a new store would clean it: the signal it names is the redacted key's,
    and the unredacted one is reported no more. (Store keys by raw key are kept
    across collections: they were kept as first cleaned.)"""
    secret = "hunter4-token-1357924680"
    store, _ = _store()
    reading = _reading(key=f"probe-{secret}")
    store.apply("prom", [reading], at=1)
    redactor.add(secret)
    store.apply("prom", [reading if same_object else replace(reading)], at=2)
    reported = [key for key, signal in store.signals.items() if signal.missing_since is None]
    assert reported == ["prom/probe-***"]
    assert store.signals["prom/probe-***"].status is Status.OK
