"""The dead-letter replay command against the real broker and a real database.

A consumer dead-letters records its handler refuses; the cause is fixed (the
handler now accepts them); the replay puts them back and each is handled once;
another replay finds nothing left.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, insert, select

from shared.events.consumer import ConsumerConfig, EventConsumer, PoisonError
from shared.events.envelope import Event, to_record
from shared.events.inbox import Dispatcher
from shared.events.producer import KafkaPublisher
from shared.platform.db import create_schema, make_engine
from shared.platform.settings import Settings
from tests.integration.test_backbone_on_broker import (
    SCHEMA,
    Tables,
    an_event,
    effect_count,
    wait_until,
)
from tests.kafka_io import produce_raw, read_topic
from tools.dlq import (
    DeadLetter,
    find,
    parser,
    read_all,
    replay,
    run,
    split_headers,
    unique_origins,
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


class Handler:
    """Refuses events marked ``refuse`` until fixed; writes one effect row per event."""

    def __init__(self, tables: Tables) -> None:
        self.fixed = False
        self._tables = tables

    def __call__(self, conn: Connection, event: Event) -> None:
        if event.data.get("refuse") and not self.fixed:
            raise PoisonError("refused until the handler is fixed")
        conn.execute(insert(self._tables.effects).values(event_id=event.id))


def applied(engine: Engine, tables: Tables) -> list[str]:
    """The effects that committed (one handed over with others that failed rolled back)."""
    with engine.connect() as conn:
        return sorted(conn.execute(select(tables.effects.c.event_id)).scalars())


def produce(kafka_bootstrap: str, topic: str, event: Event) -> None:
    record = to_record(event)
    produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers)


def refused(subject: str) -> Event:
    return Event(
        type="test.happened",
        source="/tests",
        subject=subject,
        data={"refuse": True},
        dataschema=SCHEMA,
    )


def test_dead_letters_replayed_after_the_fix_are_handled_once_and_never_replayed_again(
    engine: Engine,
    tables: Tables,
    publisher: KafkaPublisher,
    kafka_bootstrap: str,
    topic: str,
) -> None:
    poison = [refused(f"p-{n}") for n in range(3)]
    valid = [an_event(subject=f"p-{n}") for n in range(3)]  # same keys: same partitions
    for good, bad in zip(valid, poison, strict=True):
        produce(kafka_bootstrap, topic, good)
        produce(kafka_bootstrap, topic, bad)
    handler = Handler(tables)
    settings = Settings(service="test", kafka_bootstrap_servers=kafka_bootstrap)
    group = f"g.{uuid.uuid4().hex[:8]}"
    config = ConsumerConfig(
        group_id=group, topics=(topic,), backoff_base_s=0.01, commit_interval_s=0.1
    )
    consumer = EventConsumer(
        settings, config, Dispatcher(engine, tables.inbox, {SCHEMA: handler}).handle_all, publisher
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    dlq = f"{topic}.dlq"
    replay_group = f"replay.{uuid.uuid4().hex[:8]}"
    try:
        wait_until(lambda: effect_count(engine, tables) == 3)
        dead = read_all(kafka_bootstrap, dlq)
        assert sorted(d.key for d in dead) == sorted(e.subject.encode() for e in poison)
        for letter in dead:
            assert letter.why["reason"] == "PoisonError: refused until the handler is fixed"
            assert letter.why["topic"] == topic and letter.why["consumer_group"] == group
            assert not any(name.startswith("dlq_") for name, _ in letter.headers)
        assert applied(engine, tables) == sorted(e.id for e in valid), "valid ones unaffected"

        dry = replay(kafka_bootstrap, dlq, None, group=replay_group)
        assert len(dry.replayed) == 3 and not dry.committed

        handler.fixed = True  # the cause is fixed
        first = replay(kafka_bootstrap, dlq, publisher, group=replay_group, limit=2)
        assert len(first.replayed) == 2 and first.committed
        rest = replay(kafka_bootstrap, dlq, publisher, group=replay_group)
        assert len(rest.replayed) == 1, "the dry run and the limited run left the rest"
        wait_until(lambda: effect_count(engine, tables) == 6)
        again = replay(kafka_bootstrap, dlq, publisher, group=replay_group)
        assert again.replayed == () and not again.committed
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert applied(engine, tables) == sorted(e.id for e in valid + poison), "each handled once"
    assert effect_count(engine, tables) == 6
    # What went back is the original record: same key, value and CloudEvents headers.
    back = {r.key: r for r in read_topic(kafka_bootstrap, topic, expect=9)}
    original = to_record(poison[0])
    assert back[original.key].value == original.value
    assert sorted(back[original.key].headers) == sorted(original.headers)
    assert len(read_all(kafka_bootstrap, dlq)) == 3, "the fixed records did not die again"


def test_list_show_and_a_dry_run_from_the_command_line(kafka_bootstrap: str, topic: str) -> None:
    dlq = f"{topic}.dlq"
    headers = [
        ("ce_id", b"x1"),
        ("dlq_reason", b"InvalidEvent: body is not JSON"),
        ("dlq_error_type", b"InvalidEvent"),
        ("dlq_topic", topic.encode()),
        ("dlq_partition", b"1"),
        ("dlq_offset", b"7"),
        ("dlq_consumer_group", b"inagara.review"),
    ]
    produce_raw(kafka_bootstrap, dlq, b"k1", b"\xff not json", headers)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    listed = subprocess.run(
        [sys.executable, "-m", "tools.dlq", "list", dlq],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"from {topic}[1]@7  group inagara.review  key k1  InvalidEvent: body" in listed
    assert listed.rstrip().endswith(f"1 dead letters in {dlq}")
    position = listed.split()[0]

    out = io.StringIO()
    assert run(parser().parse_args(["show", dlq, position]), kafka_bootstrap, out) == 0
    shown = out.getvalue()
    assert "dlq_reason           InvalidEvent: body is not JSON" in shown
    assert "header     ce_id: x1" in shown and "b'\\xff not json'" in shown

    out = io.StringIO()
    args = parser().parse_args(["replay", dlq, "--dry-run", "--group", f"r.{uuid.uuid4().hex}"])
    assert run(args, kafka_bootstrap, out) == 0
    assert (
        out.getvalue()
        .rstrip()
        .endswith(f"would replay 1 records from {dlq} (0 duplicates of the same original skipped)")
    )
    assert read_topic(kafka_bootstrap, topic, expect=1, timeout_s=1) == [], (
        "a dry run changes nothing"
    )
    partition, offset = (int(n) for n in position.split(":"))
    assert find(kafka_bootstrap, dlq, partition, offset).key == b"k1"


def test_headers_are_split_and_one_original_goes_back_once() -> None:
    original, why = split_headers([("ce_id", b"1"), ("dlq_topic", b"t"), ("dlq_offset", b"4")])
    assert original == [("ce_id", b"1")] and why == {"topic": "t", "offset": "4"}

    def letter(offset: int, group: str, origin_offset: str) -> DeadLetter:
        why = {"topic": "t", "partition": "0", "offset": origin_offset, "consumer_group": group}
        return DeadLetter(0, offset, b"k", b"{}", [], why)

    # Two groups gave up on t[0]@4: it goes back once, and t[0]@5 once.
    letters = [letter(0, "a", "4"), letter(1, "b", "4"), letter(2, "a", "5")]
    assert [d.offset for d in unique_origins(letters)] == [0, 2]
