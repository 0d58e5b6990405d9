"""Transactional outbox, its relay, and the inbox, on a SQLite file with fake publishing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, select

from shared.events.envelope import Event, to_record
from shared.events.inbox import Dispatcher, Effect, after_commit, dispatcher, inbox_table, seen
from shared.events.outbox import add_to_outbox, outbox_table
from shared.events.producer import MemoryPublisher
from shared.events.relay import OutboxRelay
from shared.platform.db import create_schema, make_engine, scrub_freed_space

TOPIC = "inagara.proposals"


@dataclass
class Db:
    engine: Engine
    outbox: Table
    inbox: Table
    effects: Table


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Db]:
    metadata = MetaData()
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
    )
    database = Db(
        engine=make_engine(f"sqlite:///{tmp_path / 'outbox.db'}"),
        outbox=outbox_table(metadata),
        inbox=inbox_table(metadata),
        effects=effects,
    )
    create_schema(database.engine, metadata)
    yield database
    database.engine.dispose()


def event(n: int = 0) -> Event:
    return Event(
        type="proposal.submitted",
        source="/inagara/submission",
        subject=f"proposal-{n}",
        data={"n": n, "title": "Inovasi ü"},
        dataschema="urn:inagara:event:proposal.submitted:v1",
    )


def store(db: Db, *events: Event) -> None:
    with db.engine.begin() as conn:
        for e in events:
            add_to_outbox(conn, db.outbox, TOPIC, e)


def unsent(db: Db) -> list[str]:
    with db.engine.connect() as conn:
        query = select(db.outbox.c.event_id).where(db.outbox.c.sent_at.is_(None))
        return [row.event_id for row in conn.execute(query)]


# -- outbox and relay -------------------------------------------------------------


def test_committed_event_is_published_as_its_record_and_marked_sent(db: Db) -> None:
    publisher = MemoryPublisher()
    e = event(1)
    store(db, e)

    assert OutboxRelay(db.engine, db.outbox, publisher).publish_batch() == 1

    record = to_record(e)
    assert publisher.sent == [(TOPIC, record.key, record.value, record.headers)]
    assert unsent(db) == []
    with db.engine.connect() as conn:
        sent_at = conn.execute(select(db.outbox.c.sent_at)).scalar_one()
    assert sent_at is not None


def test_published_row_is_not_published_again(db: Db) -> None:
    publisher = MemoryPublisher()
    store(db, event(1))
    relay = OutboxRelay(db.engine, db.outbox, publisher)

    relay.publish_batch()

    assert relay.publish_batch() == 0
    assert len(publisher.sent) == 1


def test_rolled_back_transaction_leaves_nothing_to_publish(db: Db) -> None:
    publisher = MemoryPublisher()
    with pytest.raises(RuntimeError), db.engine.begin() as conn:
        add_to_outbox(conn, db.outbox, TOPIC, event(1))
        raise RuntimeError("the state change failed")

    assert OutboxRelay(db.engine, db.outbox, publisher).publish_batch() == 0
    assert publisher.sent == []


def test_broker_failure_leaves_the_row_unsent_until_the_next_batch(db: Db) -> None:
    publisher = MemoryPublisher(fail_next=1)
    e = event(1)
    store(db, e)
    relay = OutboxRelay(db.engine, db.outbox, publisher)

    with pytest.raises(ConnectionError):
        relay.publish_batch()
    assert unsent(db) == [e.id]
    assert publisher.sent == []

    assert relay.publish_batch() == 1
    assert [sent[1] for sent in publisher.sent] == [e.subject.encode()]
    assert unsent(db) == []


def test_rows_are_published_in_insertion_order(db: Db) -> None:
    publisher = MemoryPublisher()
    events = [event(n) for n in (3, 1, 2)]
    store(db, events[0])
    store(db, *events[1:])

    OutboxRelay(db.engine, db.outbox, publisher).publish_batch()

    assert [key for _, key, _, _ in publisher.sent] == [e.subject.encode() for e in events]


def test_batch_size_limits_one_batch_and_order_holds_across_batches(db: Db) -> None:
    publisher = MemoryPublisher()
    events = [event(n) for n in range(5)]
    store(db, *events)
    relay = OutboxRelay(db.engine, db.outbox, publisher, batch_size=2)

    assert [relay.publish_batch() for _ in range(4)] == [2, 2, 1, 0]
    assert [key for _, key, _, _ in publisher.sent] == [e.subject.encode() for e in events]


# -- inbox ----------------------------------------------------------------------


def record_effect(db: Db) -> tuple[list[str], Effect]:
    ran: list[str] = []

    def effect(conn: Connection, e: Event) -> None:
        ran.append(e.id)
        conn.execute(insert(db.effects).values(event_id=e.id))

    return ran, effect


def effect_rows(db: Db) -> list[str]:
    with db.engine.connect() as conn:
        return [row.event_id for row in conn.execute(select(db.effects.c.event_id))]


def test_repeated_event_runs_its_effect_once(db: Db) -> None:
    ran, effect = record_effect(db)
    e = event(1)
    handle = dispatcher(db.engine, db.inbox, {e.dataschema: effect})

    handle(e)
    handle(e)

    assert ran == [e.id]
    assert effect_rows(db) == [e.id]


def test_failed_effect_leaves_no_inbox_row_so_the_event_can_be_retried(db: Db) -> None:
    e = event(1)

    def broken(conn: Connection, ev: Event) -> None:
        conn.execute(insert(db.effects).values(event_id=ev.id))
        raise RuntimeError("effect failed")

    with pytest.raises(RuntimeError):
        dispatcher(db.engine, db.inbox, {e.dataschema: broken})(e)

    with db.engine.connect() as conn:
        assert not seen(conn, db.inbox, e.id)
    assert effect_rows(db) == []  # the effect's own writes were rolled back too
    ran, effect = record_effect(db)
    dispatcher(db.engine, db.inbox, {e.dataschema: effect})(e)
    assert ran == [e.id]


def test_dispatcher_runs_the_effect_registered_for_the_schema_and_skips_others(db: Db) -> None:
    ran, effect = record_effect(db)
    known = event(1)
    unknown = Event(type="other", source="/x", subject="p", data={}, dataschema="urn:other:v9")
    handle = dispatcher(db.engine, db.inbox, {known.dataschema: effect})

    handle(known)
    handle(known)
    handle(unknown)

    assert ran == [known.id]
    with db.engine.connect() as conn:
        assert not seen(conn, db.inbox, unknown.id)


def test_a_batch_runs_each_new_effect_once_in_order_and_skips_what_was_handled(db: Db) -> None:
    ran, effect = record_effect(db)
    first, second, third = event(1), event(2), event(3)
    dispatcher(db.engine, db.inbox, {second.dataschema: effect})(second)

    Dispatcher(db.engine, db.inbox, {first.dataschema: effect}).handle_all(
        [first, second, third, first]
    )

    assert ran == [second.id, first.id, third.id]
    assert len(effect_rows(db)) == 3


def test_a_failing_effect_rolls_the_whole_batch_back(db: Db) -> None:
    _, effect = record_effect(db)
    good, bad = event(1), event(2)

    def picky(conn: Connection, ev: Event) -> None:
        effect(conn, ev)
        if ev.id == bad.id:
            raise RuntimeError("effect failed")

    with pytest.raises(RuntimeError):
        Dispatcher(db.engine, db.inbox, {good.dataschema: picky}).handle_all([good, bad])

    assert effect_rows(db) == []
    with db.engine.connect() as conn:
        assert not seen(conn, db.inbox, good.id)  # the good one is handled again, alone


def test_an_after_commit_hook_runs_once_committed_and_never_after_a_rollback(db: Db) -> None:
    ran: list[str] = []

    def committed_then_seen(conn: Connection, e: Event) -> None:
        conn.execute(insert(db.effects).values(event_id=e.id))
        after_commit(conn, lambda: ran.append(str(db_has(db, e.id))))

    def failing(conn: Connection, e: Event) -> None:
        after_commit(conn, lambda: ran.append("rolled back"))
        raise RuntimeError("boom")

    first = event(1)
    Dispatcher(db.engine, db.inbox, {first.dataschema: committed_then_seen}).handle(first)
    assert ran == ["True"], "the hook runs after the commit: its effect is visible"
    with pytest.raises(RuntimeError):
        Dispatcher(db.engine, db.inbox, {first.dataschema: failing}).handle(event(2))
    Dispatcher(db.engine, db.inbox, {first.dataschema: committed_then_seen}).handle(event(3))
    assert ran == ["True", "True"], "a rolled-back batch's hooks are forgotten"


def db_has(db: Db, event_id: str) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(select(db.effects).where(db.effects.c.event_id == event_id)).all())


def test_scrubbing_leaves_no_deleted_row_in_the_sqlite_files(db: Db, tmp_path: Path) -> None:
    secret = "ayu.lestari@inovasi.example.go.id"
    with db.engine.begin() as conn:
        conn.execute(insert(db.effects).values(event_id=secret))
    with db.engine.begin() as conn:
        conn.execute(db.effects.delete())

    def files() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("outbox.db*") if p.is_file())

    assert secret.encode() in files(), "the write-ahead log still holds the row"
    scrub_freed_space(db.engine)
    assert secret.encode() not in files()
