"""The event backbone against the real broker and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, func, insert, select

from shared.events.consumer import ConsumerConfig, EventConsumer, Handler, TransientError
from shared.events.envelope import Event, from_record, to_record
from shared.events.inbox import Dispatcher, inbox_table
from shared.events.outbox import add_to_outbox, outbox_table
from shared.events.producer import KafkaPublisher
from shared.events.relay import OutboxRelay
from shared.platform.db import create_schema, make_engine
from shared.platform.settings import Settings
from tests.fakes import UpperBoundRandom
from tests.kafka_io import produce_raw, read_topic

SCHEMA = "urn:inagara:event:test.happened:v1"


class Tables:
    def __init__(self) -> None:
        self.metadata = MetaData()
        self.outbox = outbox_table(self.metadata)
        self.inbox = inbox_table(self.metadata)
        self.effects = Table(
            "effects", self.metadata, Column("event_id", String(64), nullable=False)
        )


@pytest.fixture
def tables() -> Tables:
    return Tables()


@pytest.fixture
def engine(database_url: str, tables: Tables) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, tables.metadata)
    yield engine
    engine.dispose()


@pytest.fixture
def publisher(kafka_bootstrap: str) -> Iterator[KafkaPublisher]:
    publisher = KafkaPublisher(kafka_bootstrap)
    yield publisher
    publisher.close()


def an_event(subject: str = "") -> Event:
    return Event(
        type="test.happened",
        source="/tests",
        subject=subject or str(uuid.uuid4()),
        data={"n": 1},
        dataschema=SCHEMA,
    )


def effect_count(engine: Engine, tables: Tables) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.effects)).scalar_one())


def wait_until(
    condition: Callable[[], bool],
    timeout_s: float = 20,
    step: Callable[[], Any] = lambda: time.sleep(0.05),
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        step()


class Rollback(Exception):
    pass


def test_relay_publishes_exactly_the_committed_rows(
    engine: Engine, tables: Tables, publisher: KafkaPublisher, kafka_bootstrap: str, topic: str
) -> None:
    committed = [an_event() for _ in range(3)]
    with engine.begin() as conn:
        for event in committed:
            add_to_outbox(conn, tables.outbox, topic, event)
    with pytest.raises(Rollback), engine.begin() as conn:
        add_to_outbox(conn, tables.outbox, topic, an_event())
        raise Rollback

    relay = OutboxRelay(engine, tables.outbox, publisher)
    assert relay.publish_batch() == 3
    assert relay.publish_batch() == 0

    records = read_topic(kafka_bootstrap, topic, expect=3)
    published = [from_record(r.key, r.value, r.headers) for r in records]
    assert sorted(e.id for e in published) == sorted(e.id for e in committed)
    assert all(r.key == e.subject.encode() for r, e in zip(records, published, strict=True))


def _effect(tables: Tables) -> Callable[[Connection, Event], None]:
    def effect(conn: Connection, event: Event) -> None:
        conn.execute(insert(tables.effects).values(event_id=event.id))

    return effect


def _consumer(
    kafka_bootstrap: str,
    topic: str,
    group: str,
    handler: Handler,
    publisher: KafkaPublisher,
    backoff_s: float = 0.01,
) -> EventConsumer:
    settings = Settings(service="test", kafka_bootstrap_servers=kafka_bootstrap)
    config = ConsumerConfig(
        group_id=group,
        topics=(topic,),
        backoff_base_s=backoff_s,
        backoff_max_s=max(backoff_s, 10.0),
        commit_interval_s=0.1,
    )
    # The longest backoff every time (no jitter below the ceiling): the test knows the pause.
    return EventConsumer(settings, config, handler, publisher, rng=UpperBoundRandom())


def test_a_crash_before_the_commit_redelivers_and_the_inbox_prevents_a_second_effect(
    engine: Engine, tables: Tables, publisher: KafkaPublisher, kafka_bootstrap: str, topic: str
) -> None:
    record = to_record(an_event())
    produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers)
    calls: list[str] = []
    handle = Dispatcher(engine, tables.inbox, {SCHEMA: _effect(tables)}).handle_all

    def counting(events: Sequence[Event]) -> None:
        calls.extend(event.id for event in events)
        handle(events)

    group = f"g.{uuid.uuid4().hex[:8]}"
    first = _consumer(kafka_bootstrap, topic, group, counting, publisher)
    wait_until(lambda: len(calls) == 1, step=lambda: first.poll_once())
    assert effect_count(engine, tables) == 1
    first.close(commit=False)  # the effect is committed, the offset is not: a crash

    second = _consumer(kafka_bootstrap, topic, group, counting, publisher)
    try:
        wait_until(lambda: len(calls) == 2, step=lambda: second.poll_once())
    finally:
        second.close()
    assert calls[0] == calls[1], "the same event came again"
    assert effect_count(engine, tables) == 1, "the inbox must prevent a second effect"


def test_a_poison_record_goes_to_the_dead_letter_topic_and_the_consumer_moves_on(
    engine: Engine, tables: Tables, publisher: KafkaPublisher, kafka_bootstrap: str, topic: str
) -> None:
    key = b"same-partition"
    produce_raw(kafka_bootstrap, topic, key, b"\xff not an event", [("ce_type", b"x")])
    good = an_event(subject=key.decode())
    record = to_record(good)
    produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers)

    group = f"g.{uuid.uuid4().hex[:8]}"
    consumer = _consumer(
        kafka_bootstrap,
        topic,
        group,
        Dispatcher(engine, tables.inbox, {SCHEMA: _effect(tables)}).handle_all,
        publisher,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: effect_count(engine, tables) == 1)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()

    dead = read_topic(kafka_bootstrap, f"{topic}.dlq", expect=1)
    assert len(dead) == 1
    assert dead[0].value == b"\xff not an event"
    headers = dict(dead[0].headers)
    assert b"InvalidEvent" in headers["dlq_reason"]
    assert headers["dlq_topic"] == topic.encode()
    assert headers["dlq_consumer_group"] == group.encode()

    # Both records are committed: a restarted consumer starts after them.
    calls: list[Event] = []
    again = _consumer(kafka_bootstrap, topic, group, calls.extend, publisher)
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not again._consumer.assignment():
            again.poll_once()
        assert again._consumer.assignment(), "the second consumer never joined the group"
        for _ in range(5):
            again.poll_once()
    finally:
        again.close()
    assert calls == []


def test_a_transient_failure_on_one_partition_does_not_delay_another(
    publisher: KafkaPublisher, kafka_bootstrap: str, topic: str
) -> None:
    """The stuck partition is paused for its backoff (3 s here); the other partition's
    record, produced after the failure, is handled long before that backoff ends."""
    stuck, free = an_event(subject="stuck"), an_event(subject="free")
    failures: list[float] = []
    handled: dict[str, float] = {}
    recovered = threading.Event()

    def handler(events: Sequence[Event]) -> None:
        if any(e.id == stuck.id for e in events) and not recovered.is_set():
            failures.append(time.monotonic())
            raise TransientError("the database is down (for this partition's record)")
        for e in events:
            handled[e.id] = time.monotonic()

    record = to_record(stuck)
    produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers, partition=0)
    consumer = _consumer(
        kafka_bootstrap, topic, f"g.{uuid.uuid4().hex[:8]}", handler, publisher, backoff_s=3.0
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: len(failures) == 1)
        record = to_record(free)
        produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers, partition=1)
        wait_until(lambda: free.id in handled, timeout_s=10)
        assert handled[free.id] - failures[0] < 3.0, "the free partition waited for the stuck one"
        assert len(failures) == 1, "the stuck record was retried before its backoff ended"
        recovered.set()
        wait_until(lambda: stuck.id in handled, timeout_s=15)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert handled[stuck.id] - failures[0] >= 3.0, "the stuck partition resumed too early"
