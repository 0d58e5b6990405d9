"""The consumer loop on a fake KafkaConsumer: commit after work, DLQ, retries without
stalling other partitions, revocation, the dead-letter limit."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence

import pytest
from kafka.structs import TopicPartition
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from shared.events.consumer import (
    ConsumerConfig,
    DeadLetterGauge,
    DeadLetterLimitExceeded,
    EventConsumer,
    Handler,
)
from shared.events.envelope import Event, to_record
from shared.events.producer import MemoryPublisher
from shared.platform.settings import Settings
from tests.fakes import FakeClock, FakeKafkaConsumer

TOPIC = "inagara.proposals"
GROUP = "notification"
P0 = TopicPartition(TOPIC, 0)
P1 = TopicPartition(TOPIC, 1)


def event(n: int = 0) -> Event:
    return Event(
        type="proposal.submitted",
        source="/inagara/submission",
        subject=f"proposal-{n}",
        data={"n": n},
    )


def config(**changes: object) -> ConsumerConfig:
    values: dict[str, object] = {
        "group_id": GROUP,
        "topics": (TOPIC,),
        "backoff_base_s": 1.0,
        "backoff_max_s": 2.0,
    }
    values.update(changes)
    return ConsumerConfig(**values)  # type: ignore[arg-type]


class Loop:
    """An EventConsumer wired to fakes (and a clock that moves when told), with what it
    did kept for assertions."""

    def __init__(self, handler: Handler, **config_changes: object) -> None:
        self.stop = threading.Event()
        self.clock = FakeClock()
        self.kafka = FakeKafkaConsumer(stop_when_drained=self.stop)
        self.dead_letters = MemoryPublisher()
        self.consumer = EventConsumer(
            Settings(service="test"),
            config(**config_changes),
            handler,
            self.dead_letters,
            consumer=self.kafka,  # type: ignore[arg-type]
            rng=random.Random(7),
            clock=self.clock,
        )

    def append(self, e: Event, partition: int = 0) -> int:
        return self.kafka.append_record(TOPIC, to_record(e), partition).offset

    def append_poison(self, value: bytes = b"not json", partition: int = 0) -> int:
        headers = [("content-type", b"application/json"), ("trace", b"t-1")]
        return self.kafka.append(TOPIC, b"k", value, headers, partition).offset

    def drain(self, polls: int = 100) -> None:
        """Poll until the fake has nothing more to deliver, waiting out every backoff."""
        for _ in range(polls):
            if self.consumer.poll_once() == 0:
                if not self.consumer.paused():
                    return
                self.clock.advance(10)
        raise AssertionError(f"still records to poll after {polls} polls")

    def dead_letter_headers(self, index: int = 0) -> dict[str, bytes]:
        return dict(self.dead_letters.sent[index][3])


class Recorder:
    """A handler: each call's events in ``calls``, what succeeded in ``handled``.

    ``fail(events)`` returns the error to raise for a call, or None."""

    def __init__(self, fail: Callable[[Sequence[Event]], Exception | None] | None = None) -> None:
        self.calls: list[list[Event]] = []
        self.handled: list[Event] = []
        self._fail = fail or (lambda _events: None)

    def __call__(self, events: Sequence[Event]) -> None:
        self.calls.append(list(events))
        error = self._fail(events)
        if error is not None:
            raise error
        self.handled.extend(events)

    def ids(self) -> list[str]:
        return [e.id for e in self.handled]


def failing(times: int, error: Callable[[], Exception]) -> Recorder:
    """Raises ``error()`` on its first ``times`` calls, then succeeds."""
    count = [0]

    def fail(_events: Sequence[Event]) -> Exception | None:
        count[0] += 1
        return error() if count[0] <= times else None

    return Recorder(fail)


def failing_on(bad: Event, error: Callable[[], Exception]) -> Recorder:
    """Raises ``error()`` on any call that holds ``bad``."""
    return Recorder(lambda events: error() if any(e.id == bad.id for e in events) else None)


def db_down() -> Exception:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))


def test_subscribes_to_the_configured_topics_with_a_rebalance_listener() -> None:
    loop = Loop(Recorder())

    assert loop.kafka.subscription == [TOPIC]
    assert hasattr(loop.kafka.listener, "on_partitions_revoked")


def test_a_poll_of_a_partition_reaches_the_handler_in_one_call_and_commits_after() -> None:
    handler = Recorder()
    loop = Loop(handler)
    sent = [event(1), event(2)]
    for e in sent:
        loop.append(e)

    assert loop.consumer.poll_once() == 2

    assert [[e.id for e in call] for call in handler.calls] == [[e.id for e in sent]]
    assert loop.kafka.commits == []  # nothing commits by itself
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}
    assert loop.dead_letters.sent == []


def test_commit_with_nothing_finished_does_not_call_the_broker() -> None:
    loop = Loop(Recorder())

    loop.consumer.commit()

    assert loop.kafka.commits == []


def test_invalid_record_is_dead_lettered_with_its_origin_and_the_next_is_handled() -> None:
    handler = Recorder()
    loop = Loop(handler)
    poison_offset = loop.append_poison(b"\x00 raw bytes, not json")
    good = event(1)
    loop.append(good)

    loop.drain()

    assert len(loop.dead_letters.sent) == 1
    topic, key, value, _ = loop.dead_letters.sent[0]
    assert topic == f"{TOPIC}.dlq"
    assert key == b"k"
    assert value == b"\x00 raw bytes, not json"
    headers = loop.dead_letter_headers()
    assert b"InvalidEvent" in headers["dlq_reason"]
    assert headers["dlq_topic"] == TOPIC.encode()
    assert headers["dlq_partition"] == b"0"
    assert headers["dlq_offset"] == str(poison_offset).encode()
    assert headers["dlq_consumer_group"] == GROUP.encode()
    assert headers["trace"] == b"t-1"  # the original headers travel along
    assert handler.ids() == [good.id]
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_record_whose_dead_letter_was_not_written_is_not_committed() -> None:
    loop = Loop(Recorder())
    loop.dead_letters.fail_next = 1
    loop.append_poison()

    loop.consumer.poll_once()  # the DLQ write fails: backs off, does not raise
    loop.consumer.commit()

    assert loop.kafka.commits == []
    assert loop.dead_letters.sent == []
    assert loop.consumer.paused() == {P0}

    loop.clock.advance(10)
    loop.consumer.poll_once()  # the record comes again and now reaches the DLQ
    loop.consumer.commit()
    assert len(loop.dead_letters.sent) == 1
    assert loop.kafka.commits != []


def test_validation_error_from_the_handler_is_dead_lettered_at_once() -> None:
    handler = failing(99, lambda: ValidationError({"title": ["Missing."]}))
    loop = Loop(handler, max_attempts=5)
    loop.append(event(1))

    loop.drain()

    assert len(handler.calls) == 1
    assert handler.handled == []
    assert len(loop.dead_letters.sent) == 1
    assert loop.dead_letter_headers()["dlq_error_type"] == b"ValidationError"
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 1}


def test_database_outage_is_retried_never_dead_lettered() -> None:
    # More failures than max_attempts: a transient error is retried for as long as it takes.
    handler = failing(5, db_down)
    loop = Loop(handler, max_attempts=2)
    first, second = event(1), event(2)
    loop.append(first)
    loop.append(second)

    loop.drain()

    assert loop.dead_letters.sent == []
    # Both together once, then the first alone until it passes, then the second.
    assert [[e.id for e in call] for call in handler.calls] == [
        [first.id, second.id],
        *[[first.id]] * 5,
        [second.id],
    ]
    assert handler.ids() == [first.id, second.id]
    assert loop.kafka.seeks == [(P0, 0)] * 5  # every failure waited out a backoff
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_record_being_retried_is_not_committed() -> None:
    loop = Loop(failing(99, db_down))
    loop.append(event(1))

    loop.consumer.poll_once()
    loop.consumer.commit()

    assert loop.kafka.commits == []


def test_other_errors_are_retried_max_attempts_times_then_dead_lettered() -> None:
    broken, after = event(1), event(2)
    handler = failing_on(broken, lambda: RuntimeError("bug"))
    loop = Loop(handler, max_attempts=3)
    loop.append(broken)
    loop.append(after)

    loop.drain()

    assert [[e.id for e in call] for call in handler.calls] == [
        [broken.id, after.id],
        *[[broken.id]] * 3,
        [after.id],
    ]
    assert len(loop.dead_letters.sent) == 1
    headers = loop.dead_letter_headers()
    assert headers["dlq_error_type"] == b"RuntimeError"
    assert headers["dlq_offset"] == b"0"
    assert handler.ids() == [after.id]
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_error_that_goes_away_is_handled_once() -> None:
    handler = failing(2, lambda: RuntimeError("flaky"))
    loop = Loop(handler, max_attempts=3)
    e = event(1)
    loop.append(e)

    loop.drain()

    assert handler.ids() == [e.id]
    assert loop.dead_letters.sent == []


def test_dead_letter_limit_stops_the_consumer() -> None:
    loop = Loop(Recorder(), dead_letter_limit=3)
    for _ in range(5):
        loop.append_poison()

    with pytest.raises(DeadLetterLimitExceeded):
        loop.consumer.run(loop.stop)

    assert len(loop.dead_letters.sent) == 3
    # Shutdown still commits what was finished (the first two) and closes.
    assert loop.kafka.committed == {P0: 2}
    assert loop.kafka.closed_with_autocommit is False


def test_a_handled_record_resets_the_dead_letter_count() -> None:
    handler = Recorder()
    loop = Loop(handler, dead_letter_limit=3)
    loop.append_poison()
    loop.append_poison()
    loop.append(event(1))
    loop.append_poison()
    loop.append_poison()

    loop.consumer.run(loop.stop)

    assert len(loop.dead_letters.sent) == 4
    assert len(handler.handled) == 1
    assert loop.kafka.committed == {P0: 5}


def test_run_commits_on_shutdown_and_closes_without_autocommit() -> None:
    handler = Recorder()
    loop = Loop(handler, commit_every=1000, commit_interval_s=3600)
    loop.append(event(1), partition=0)
    loop.append(event(2), partition=1)

    loop.consumer.run(loop.stop)

    assert len(handler.handled) == 2
    assert loop.kafka.committed == {P0: 1, P1: 1}
    assert loop.kafka.closed_with_autocommit is False


def test_run_commits_every_n_records() -> None:
    loop = Loop(Recorder(), commit_every=2, commit_interval_s=3600, max_poll_records=2)
    loop.kafka.max_poll_records = 2
    for n in range(4):
        loop.append(event(n))

    loop.consumer.run(loop.stop)

    assert [c[P0].offset for c in loop.kafka.commits] == [2, 4]


def test_revocation_commits_the_finished_offsets_of_those_partitions() -> None:
    loop = Loop(Recorder())
    loop.append(event(1), partition=0)
    loop.append(event(2), partition=0)
    loop.append(event(3), partition=1)
    loop.drain()

    loop.kafka.revoke([P0])

    assert [set(c) for c in loop.kafka.commits] == [{P0}]
    assert loop.kafka.committed == {P0: 2}
    # The revoked partition is not committed again once another member may own it.
    loop.consumer.commit()
    assert [set(c) for c in loop.kafka.commits] == [{P0}, {P1}]
    assert loop.kafka.committed == {P0: 2, P1: 1}


def test_revocation_with_nothing_finished_commits_nothing() -> None:
    loop = Loop(Recorder())

    loop.kafka.revoke([P0])

    assert loop.kafka.commits == []


def test_failed_commit_is_kept_and_retried() -> None:
    loop = Loop(Recorder())
    loop.append(event(1))
    loop.drain()
    loop.kafka.fail_commits = 1

    loop.consumer.commit()
    assert loop.kafka.committed == {}
    loop.consumer.commit()

    assert loop.kafka.committed == {P0: 1}


# -- one partition's failure never stalls the others ------------------------------------


def test_a_transient_failure_pauses_its_partition_and_the_others_go_on() -> None:
    stuck, free = event(1), event(2)
    handler = failing_on(stuck, db_down)
    loop = Loop(handler)
    loop.append(stuck, partition=0)
    loop.append(free, partition=1)

    loop.consumer.poll_once()

    assert handler.ids() == [free.id]  # in the same poll, without waiting for P0's backoff
    assert loop.consumer.paused() == loop.kafka.paused() == {P0}
    assert loop.kafka.seeks == [(P0, 0)]
    loop.consumer.commit()
    assert loop.kafka.committed == {P1: 1}


def test_a_transient_failure_of_several_records_waits_at_once_without_trying_each() -> None:
    # While the database is away every attempt costs its timeout: trying the records one
    # by one first would only make the outage longer, and no record is at fault.
    handler = Recorder(lambda _events: db_down())
    loop = Loop(handler)
    for n in range(1, 4):
        loop.append(event(n))

    loop.consumer.poll_once()

    assert [len(call) for call in handler.calls] == [3]
    assert loop.consumer.paused() == {P0}
    assert loop.kafka.seeks == [(P0, 0)]


def test_a_paused_partition_resumes_after_its_backoff_and_its_record_comes_again() -> None:
    target = event(1)
    handler = failing(1, db_down)
    loop = Loop(handler, backoff_base_s=1.0, backoff_max_s=1.0)
    loop.append(target)
    loop.consumer.poll_once()
    later = event(2)
    loop.append(later, partition=1)

    assert loop.consumer.poll_once() == 1  # P1 only: P0 waits out its backoff
    assert loop.consumer.paused() == {P0}

    loop.clock.advance(1.0)  # the longest a first retry waits (full jitter below 1 s)
    assert loop.consumer.poll_once() == 1

    assert loop.consumer.paused() == set()
    assert handler.ids() == [later.id, target.id]


def test_the_poll_waits_no_longer_than_the_next_resume() -> None:
    loop = Loop(failing(1, db_down), backoff_base_s=0.02, backoff_max_s=0.02)
    loop.append(event(1))
    loop.consumer.poll_once()

    assert 0 <= loop.consumer._poll_timeout_ms() <= 20

    loop.clock.advance(1)
    assert loop.consumer._poll_timeout_ms() == 0


def test_a_paused_partition_assigned_elsewhere_is_forgotten() -> None:
    loop = Loop(failing(1, db_down))
    loop.append(event(1))
    loop.consumer.poll_once()

    loop.kafka.rebalance(revoked=[P0], assigned=[])

    assert loop.consumer.paused() == set()


def test_a_paused_partition_kept_through_a_rebalance_resumes_after_its_backoff() -> None:
    # kafka-python keeps a partition's state (its pause too) when the same rebalance
    # revokes it and assigns it back: the loop must still resume it when it is due.
    target = event(1)
    handler = failing(1, db_down)
    loop = Loop(handler, backoff_base_s=1.0, backoff_max_s=1.0)
    loop.append(target)
    loop.consumer.poll_once()
    assert loop.kafka.paused() == {P0}

    loop.kafka.rebalance(revoked=[P0], assigned=[P0])
    assert loop.consumer.paused() == loop.kafka.paused() == {P0}

    loop.clock.advance(1.0)
    loop.consumer.poll_once()
    assert handler.ids() == [target.id]
    assert loop.kafka.paused() == set()


def test_a_partition_the_client_kept_paused_is_resumed_when_the_loop_does_not_wait_on_it() -> None:
    loop = Loop(Recorder())
    loop.append(event(1))
    loop.kafka.pause(P0)  # left paused in the client, the loop waiting on nothing

    loop.kafka.rebalance(revoked=[P0], assigned=[P0])

    assert loop.kafka.paused() == set()
    assert loop.consumer.poll_once() == 1


def test_after_a_failure_the_partition_goes_one_at_a_time_then_together_again() -> None:
    broken = event(1)
    handler = failing_on(broken, lambda: PoisonLike())
    loop = Loop(handler)
    rest = [event(n) for n in range(2, 5)]
    for e in [broken, *rest]:
        loop.append(e)

    loop.drain()

    sizes = [len(call) for call in handler.calls]
    assert sizes == [4, 1, 1, 1, 1]  # all, then alone up to the last of the failed poll
    assert handler.ids() == [e.id for e in rest]
    assert len(loop.dead_letters.sent) == 1
    later = [event(n) for n in range(5, 8)]
    for e in later:
        loop.append(e)
    loop.drain()
    assert [len(call) for call in handler.calls][5:] == [3]


class PoisonLike(ValidationError):
    def __init__(self) -> None:
        super().__init__({"n": ["Not a number."]})


def test_an_invalid_record_splits_the_poll_around_it() -> None:
    handler = Recorder()
    loop = Loop(handler)
    loop.append(event(1))
    loop.append(event(2))
    loop.append_poison()
    loop.append(event(3))

    loop.drain()

    assert [[e.data["n"] for e in call] for call in handler.calls] == [[1, 2], [3]]
    assert len(loop.dead_letters.sent) == 1
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 4}


# -- the dead-letter limit, per partition, by count and by share ---------------------------


def test_the_dead_letter_limit_counts_per_partition() -> None:
    loop = Loop(Recorder(), dead_letter_limit=3)
    for _ in range(2):
        loop.append_poison(partition=0)
        loop.append_poison(partition=1)

    loop.consumer.run(loop.stop)  # 4 dead letters, never 3 in a row on one partition

    assert len(loop.dead_letters.sent) == 4


def test_the_dead_letter_limit_stops_when_too_large_a_share_fails() -> None:
    handler = Recorder()
    loop = Loop(handler, dead_letter_limit=50, dead_letter_ratio=0.5, dead_letter_window=10)
    for n in range(20):
        loop.append(event(n))
        loop.append_poison()

    with pytest.raises(DeadLetterLimitExceeded, match="50% of the last 10 records"):
        loop.consumer.run(loop.stop)

    assert len(loop.dead_letters.sent) == 5  # never more than one in a row


@pytest.mark.parametrize(
    ("outcomes", "stops"),
    [
        ("DDD", "3 records in a row"),
        ("DHDHDHDH", None),  # the window (10) is not full yet
        ("HDHDHDHDHD", "50% of the last 10"),
        ("HHHHHHHHDHD", None),  # 2 of the last 10
    ],
)
def test_dead_letter_gauge(outcomes: str, stops: str | None) -> None:
    gauge = DeadLetterGauge(limit=3, ratio=0.5, window=10)
    said = None
    for outcome in outcomes:
        if outcome == "H":
            gauge.handled()
        else:
            said = gauge.dead()

    assert (said is None) if stops is None else (stops in (said or ""))
