"""One subject's events reach Kafka in the order they were written, with several relays at once.

Writers interleave the events of many proposals; four relays, each with its own
producer, drain the same outbox in small batches while the writers still write.
On the topic, the first copy of each event of one subject must come in the order
it was written (a repeat after a crash is allowed: consumers drop it by id).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, select

from shared.events.envelope import Event, from_record
from shared.events.outbox import add_to_outbox, outbox_table
from shared.events.producer import KafkaPublisher
from shared.events.relay import OutboxRelay
from shared.platform.db import create_schema, make_engine
from tests.kafka_io import read_topic

SUBJECTS = 6
EVENTS_EACH = 40
WRITERS = 3
RELAYS = 4


@pytest.fixture
def outbox_engine(database_url: str) -> Iterator[tuple[Engine, MetaData]]:
    metadata = MetaData()
    outbox_table(metadata)
    engine = make_engine(database_url)
    create_schema(engine, metadata)
    yield engine, metadata
    engine.dispose()


def _event(subject: str, n: int) -> Event:
    return Event(
        type="test.happened",
        source="/tests/relay-order",
        subject=subject,
        data={"n": n},
        dataschema="urn:inagara:event:test.happened:v1",
    )


def _await_all_sent(engine: Engine, outbox: Any, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    unsent = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
    while True:
        with engine.connect() as conn:
            if conn.execute(unsent).scalar_one() == 0:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox not drained within {timeout_s}s")
        time.sleep(0.05)


def test_several_relays_keep_each_subjects_order(
    outbox_engine: tuple[Engine, MetaData], kafka_bootstrap: str, topic: str
) -> None:
    engine, metadata = outbox_engine
    relay_and_check_order(engine, metadata.tables["outbox"], kafka_bootstrap, topic)


def relay_and_check_order(engine: Engine, outbox: Any, kafka_bootstrap: str, topic: str) -> None:
    """Writers and relays at once on ``outbox``; fails when a subject's events leave out of order.

    Also run through PgBouncer's transaction pooling (tests/integration/test_pgbouncer.py).
    """
    subjects = [str(uuid.uuid4()) for _ in range(SUBJECTS)]
    stop = threading.Event()
    publishers = [KafkaPublisher(kafka_bootstrap) for _ in range(RELAYS)]
    relays = [OutboxRelay(engine, outbox, p, batch_size=5, idle_wait_s=0.01) for p in publishers]
    relay_threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in relays]

    def write(mine: list[str], numbers: range) -> None:
        # One writer owns a subject, as one proposal's transactions serialize on its row;
        # its subjects' events interleave with each other and with the other writers'.
        for n in numbers:
            for subject in mine:
                with engine.begin() as conn:
                    add_to_outbox(conn, outbox, topic, _event(subject, n))

    # Half the events wait in the outbox before the relays start, so that the relays'
    # first batches hold neighbouring events of the same subjects; the rest arrive
    # while they run.
    half = EVENTS_EACH // 2
    write(subjects, range(half))
    writers = [
        threading.Thread(
            target=write, args=(subjects[i::WRITERS], range(half, EVENTS_EACH)), daemon=True
        )
        for i in range(WRITERS)
    ]
    try:
        for thread in relay_threads + writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=60)
        _await_all_sent(engine, outbox)
    finally:
        stop.set()
        for thread in relay_threads:
            thread.join(timeout=10)
        for publisher in publishers:
            publisher.close()
    # Every row was acknowledged before it was marked sent: the topic holds them all.
    records = read_topic(kafka_bootstrap, topic, expect=SUBJECTS * EVENTS_EACH, settle_s=1.0)

    first_seen: dict[str, list[int]] = defaultdict(list)
    ids: set[str] = set()
    for record in records:
        event = from_record(record.key, record.value, record.headers)
        assert record.key == event.subject.encode()
        if event.id not in ids:
            ids.add(event.id)
            first_seen[event.subject].append(event.data["n"])
    assert len(ids) == SUBJECTS * EVENTS_EACH
    out_of_order = {s: seen for s, seen in first_seen.items() if seen != sorted(seen)}
    assert not out_of_order, f"events of one subject published out of order: {out_of_order}"
