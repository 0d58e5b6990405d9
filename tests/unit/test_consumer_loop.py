"""The consumer loop on a fake KafkaConsumer: commit after work, DLQ, retries, revocation."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from kafka.structs import TopicPartition
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from shared.events.consumer import (
    BatchHandler,
    ConsumerConfig,
    DeadLetterLimitExceeded,
    EventConsumer,
    Handler,
    backoff_delay,
)
from shared.events.envelope import Event, to_record
from shared.events.producer import MemoryPublisher
from shared.settings import Settings
from tests.fakes import FakeKafkaConsumer, UpperBoundRandom

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
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.002,
    }
    values.update(changes)
    return ConsumerConfig(**values)  # type: ignore[arg-type]


class Loop:
    """An EventConsumer wired to fakes, with what it did kept for assertions."""

    def __init__(
        self, handler: Handler, batch_handler: BatchHandler | None = None, **config_changes: object
    ) -> None:
        self.stop = threading.Event()
        self.kafka = FakeKafkaConsumer(stop_when_drained=self.stop)
        self.dead_letters = MemoryPublisher()
        self.consumer = EventConsumer(
            Settings(service="test"),
            config(**config_changes),
            handler,
            self.dead_letters,
            consumer=self.kafka,  # type: ignore[arg-type]
            rng=random.Random(7),
            batch_handler=batch_handler,
        )

    def append(self, e: Event, partition: int = 0) -> int:
        return self.kafka.append_record(TOPIC, to_record(e), partition).offset

    def append_poison(self, value: bytes = b"not json", partition: int = 0) -> int:
        headers = [("content-type", b"application/json"), ("trace", b"t-1")]
        return self.kafka.append(TOPIC, b"k", value, headers, partition).offset

    def drain(self, polls: int = 50) -> None:
        """Poll until the fake has nothing more to deliver."""
        for _ in range(polls):
            if self.consumer.poll_once() == 0:
                return
        raise AssertionError(f"still records to poll after {polls} polls")

    def dead_letter_headers(self, index: int = 0) -> dict[str, bytes]:
        return dict(self.dead_letters.sent[index][3])


def recording() -> tuple[list[Event], Handler]:
    handled: list[Event] = []
    return handled, handled.append


def failing(times: int, error: Callable[[], Exception]) -> tuple[list[Event], Handler]:
    """A handler that raises ``error()`` on its first ``times`` calls, then succeeds."""
    calls: list[Event] = []
    handled: list[Event] = []

    def handle(e: Event) -> None:
        calls.append(e)
        if len(calls) <= times:
            raise error()
        handled.append(e)

    handle.calls = calls  # type: ignore[attr-defined]
    return handled, handle


def db_down() -> Exception:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))


def test_subscribes_to_the_configured_topics_with_a_rebalance_listener() -> None:
    loop = Loop(recording()[1])

    assert loop.kafka.subscription == [TOPIC]
    assert hasattr(loop.kafka.listener, "on_partitions_revoked")


def test_valid_event_reaches_the_handler_and_is_committed_after_commit() -> None:
    handled, handler = recording()
    loop = Loop(handler)
    sent = [event(1), event(2)]
    for e in sent:
        loop.append(e)

    assert loop.consumer.poll_once() == 2

    assert [e.id for e in handled] == [e.id for e in sent]
    assert loop.kafka.commits == []  # nothing commits by itself
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}
    assert loop.dead_letters.sent == []


def test_commit_with_nothing_finished_does_not_call_the_broker() -> None:
    loop = Loop(recording()[1])

    loop.consumer.commit()

    assert loop.kafka.commits == []


def test_invalid_record_is_dead_lettered_with_its_origin_and_the_next_is_handled() -> None:
    handled, handler = recording()
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
    assert [e.id for e in handled] == [good.id]
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_record_whose_dead_letter_was_not_written_is_not_committed() -> None:
    loop = Loop(recording()[1])
    loop.dead_letters.fail_next = 1
    loop.append_poison()

    loop.consumer.poll_once()  # the DLQ write fails: backs off, does not raise
    loop.consumer.commit()

    assert loop.kafka.commits == []
    assert loop.dead_letters.sent == []

    loop.consumer.poll_once()  # the record comes again and now reaches the DLQ
    loop.consumer.commit()
    assert len(loop.dead_letters.sent) == 1
    assert loop.kafka.commits != []


def test_validation_error_from_the_handler_is_dead_lettered_at_once() -> None:
    handled, handler = failing(99, lambda: ValidationError({"title": ["Missing."]}))
    loop = Loop(handler, max_attempts=5)
    loop.append(event(1))

    loop.drain()

    assert len(handler.calls) == 1  # type: ignore[attr-defined]
    assert handled == []
    assert len(loop.dead_letters.sent) == 1
    assert loop.dead_letter_headers()["dlq_error_type"] == b"ValidationError"
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 1}


def test_database_outage_is_retried_never_dead_lettered() -> None:
    # More failures than max_attempts: a transient error is retried for as long as it takes.
    handled, handler = failing(4, db_down)
    loop = Loop(handler, max_attempts=2)
    first, second = event(1), event(2)
    loop.append(first)
    loop.append(second)

    loop.drain()

    assert loop.dead_letters.sent == []
    assert [e.id for e in handler.calls] == [first.id] * 5 + [second.id]  # type: ignore[attr-defined]
    assert [e.id for e in handled] == [first.id, second.id]
    assert loop.kafka.seeks == [(P0, 0)] * 4
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_record_being_retried_is_not_committed() -> None:
    _, handler = failing(99, db_down)
    loop = Loop(handler)
    loop.append(event(1))

    loop.consumer.poll_once()
    loop.consumer.commit()

    assert loop.kafka.commits == []


def test_other_errors_are_retried_max_attempts_times_then_dead_lettered() -> None:
    broken, after = event(1), event(2)
    calls: list[Event] = []
    handled: list[Event] = []

    def handler(e: Event) -> None:
        calls.append(e)
        if e.id == broken.id:
            raise RuntimeError("bug")
        handled.append(e)

    loop = Loop(handler, max_attempts=3)
    loop.append(broken)
    loop.append(after)

    loop.drain()

    assert [e.id for e in calls] == [broken.id] * 3 + [after.id]
    assert len(loop.dead_letters.sent) == 1
    headers = loop.dead_letter_headers()
    assert headers["dlq_error_type"] == b"RuntimeError"
    assert headers["dlq_offset"] == b"0"
    assert [e.id for e in handled] == [after.id]
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 2}


def test_error_that_goes_away_is_handled_once() -> None:
    handled, handler = failing(2, lambda: RuntimeError("flaky"))
    loop = Loop(handler, max_attempts=3)
    e = event(1)
    loop.append(e)

    loop.drain()

    assert [h.id for h in handled] == [e.id]
    assert loop.dead_letters.sent == []


def test_dead_letter_limit_stops_the_consumer() -> None:
    loop = Loop(recording()[1], dead_letter_limit=3)
    for _ in range(5):
        loop.append_poison()

    with pytest.raises(DeadLetterLimitExceeded):
        loop.consumer.run(loop.stop)

    assert len(loop.dead_letters.sent) == 3
    # Shutdown still commits what was finished (the first two) and closes.
    assert loop.kafka.committed == {P0: 2}
    assert loop.kafka.closed_with_autocommit is False


def test_a_handled_record_resets_the_dead_letter_count() -> None:
    handled, handler = recording()
    loop = Loop(handler, dead_letter_limit=3)
    loop.append_poison()
    loop.append_poison()
    loop.append(event(1))
    loop.append_poison()
    loop.append_poison()

    loop.consumer.run(loop.stop)

    assert len(loop.dead_letters.sent) == 4
    assert len(handled) == 1
    assert loop.kafka.committed == {P0: 5}


def test_run_commits_on_shutdown_and_closes_without_autocommit() -> None:
    handled, handler = recording()
    loop = Loop(handler, commit_every=1000, commit_interval_s=3600)
    loop.append(event(1), partition=0)
    loop.append(event(2), partition=1)

    loop.consumer.run(loop.stop)

    assert len(handled) == 2
    assert loop.kafka.committed == {P0: 1, P1: 1}
    assert loop.kafka.closed_with_autocommit is False


def test_run_commits_every_n_records() -> None:
    loop = Loop(recording()[1], commit_every=2, commit_interval_s=3600, max_poll_records=2)
    loop.kafka.max_poll_records = 2
    for n in range(4):
        loop.append(event(n))

    loop.consumer.run(loop.stop)

    assert [c[P0].offset for c in loop.kafka.commits] == [2, 4]


def test_revocation_commits_the_finished_offsets_of_those_partitions() -> None:
    _, handler = recording()
    loop = Loop(handler)
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
    loop = Loop(recording()[1])

    loop.kafka.revoke([P0])

    assert loop.kafka.commits == []


def test_failed_commit_is_kept_and_retried() -> None:
    loop = Loop(recording()[1])
    loop.append(event(1))
    loop.drain()
    loop.kafka.fail_commits = 1

    loop.consumer.commit()
    assert loop.kafka.committed == {}
    loop.consumer.commit()

    assert loop.kafka.committed == {P0: 1}


@pytest.mark.parametrize("attempt", [-1, 0, 1, 2, 5, 10, 40])
def test_backoff_delay_stays_within_its_bounds(attempt: int) -> None:
    base, cap = 0.1, 10.0
    bound = min(cap, base * 2 ** max(attempt, 0))
    rng = random.Random(attempt)

    delays = [backoff_delay(attempt, base, cap, rng) for _ in range(200)]

    assert all(0 <= d <= bound for d in delays)
    assert max(delays) > bound / 2  # jitter spreads over the range


def test_backoff_delay_doubles_up_to_the_cap() -> None:
    rng = UpperBoundRandom()
    assert [backoff_delay(a, 0.1, 1.0, rng) for a in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


# -- batches ------------------------------------------------------------------------


def test_a_batch_goes_through_the_batch_handler_at_once_and_is_committed() -> None:
    handled, handler = recording()
    batches: list[list[str]] = []
    loop = Loop(
        handler,
        batch_handler=lambda events: batches.append([e.id for e in events]),
        batch_from=2,
    )
    sent = [event(n) for n in range(3)]
    for e in sent:
        loop.append(e)

    assert loop.consumer.poll_once() == 3

    assert batches == [[e.id for e in sent]] and handled == []
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 3}


def test_a_failed_batch_goes_one_by_one_so_poison_is_dead_lettered_and_the_rest_handled() -> None:
    handled, handler = recording()
    tried: list[int] = []

    def all_or_nothing(events: object) -> None:
        tried.append(1)
        raise AssertionError("never reached: a poison record fails the batch first")

    loop = Loop(handler, batch_handler=all_or_nothing, batch_from=2)
    loop.append(event(1))
    loop.append_poison()
    loop.append(event(2))

    loop.drain()

    assert tried == []  # the poison failed the batch before the handler ran
    assert [e.data["n"] for e in handled] == [1, 2]
    assert len(loop.dead_letters.sent) == 1
    loop.consumer.commit()
    assert loop.kafka.committed == {P0: 3}


def test_a_batch_whose_handler_fails_is_handled_one_by_one_with_the_usual_retries() -> None:
    handled, handler = failing(1, db_down)
    batches: list[int] = []

    def failing_batch(events: object) -> None:
        batches.append(1)
        raise db_down()

    loop = Loop(handler, batch_handler=failing_batch, batch_from=2)
    loop.append(event(1))
    loop.append(event(2))

    loop.drain()

    assert batches == [1]  # once: after a failure the records go alone until handled
    assert [e.data["n"] for e in handled] == [1, 2]
    assert loop.dead_letters.sent == []


def test_a_small_poll_goes_one_by_one() -> None:
    handled, handler = recording()
    batches: list[object] = []
    loop = Loop(handler, batch_handler=batches.append, batch_from=3)
    loop.append(event(1))
    loop.append(event(2))

    loop.drain()

    assert batches == [] and [e.data["n"] for e in handled] == [1, 2]
