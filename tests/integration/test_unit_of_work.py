"""The unit of work on a real database: what commits together, what rolls back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, MetaData, String, Table, func, insert, select

from shared.events.envelope import Event
from shared.events.outbox import outbox_table
from shared.events.unit_of_work import UnitOfWork
from shared.events.wakeup import Wakeup
from shared.platform.db import make_engine

metadata = MetaData()
things = Table("things", metadata, Column("id", String(10), primary_key=True))
outbox = outbox_table(metadata)
TOPIC = "inagara.things"


class ThingWork(UnitOfWork):
    """A service's unit of work: its store built on the open connection."""

    def _open(self, conn: object) -> None:
        self.opened_on = conn


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def event(n: int) -> Event:
    return Event.first("thing.made", "/things", f"t-{n}", {"n": n})


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_clean_exit_commits_the_change_and_its_events_together(engine: Engine) -> None:
    wakeup = Wakeup()
    waiter = wakeup.waiter()
    work = ThingWork(engine, outbox, wakeup)
    with work:
        work.conn.execute(insert(things), {"id": "a"})
        work.emit(TOPIC, event(1))
        work.emit(TOPIC, event(2))
        assert work.opened_on is work.conn
        assert not waiter.wait(0)  # nothing is woken before the commit

    assert count(engine, things) == 1
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.event_type, outbox.c.topic).order_by(outbox.c.id))
        assert [tuple(r) for r in rows] == [("thing.made", TOPIC)] * 2
    assert waiter.wait(0)  # the relay is woken once it committed


def test_an_exception_keeps_nothing_and_wakes_nobody(engine: Engine) -> None:
    wakeup = Wakeup()
    waiter = wakeup.waiter()
    work = ThingWork(engine, outbox, wakeup)
    with pytest.raises(ValueError), work:
        work.conn.execute(insert(things), {"id": "a"})
        work.emit(TOPIC, event(1))
        raise ValueError("refused")

    assert count(engine, things) == 0
    assert count(engine, outbox) == 0
    assert not waiter.wait(0)


def test_a_joined_unit_of_work_leaves_the_commit_to_the_transaction_it_joined(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        outer = conn.begin()
        with ThingWork.joining(conn, outbox) as work:
            work.conn.execute(insert(things), {"id": "a"})
            work.emit(TOPIC, event(1))
        assert work.opened_on is conn
        outer.rollback()  # the joined work is undone with it

    assert count(engine, things) == 0
    assert count(engine, outbox) == 0


def test_the_connection_exists_only_inside_the_block(engine: Engine) -> None:
    work = ThingWork(engine, outbox)
    with pytest.raises(RuntimeError, match="not open"):
        _ = work.conn
    with work:
        pass
    with pytest.raises(RuntimeError, match="not open"):
        _ = work.conn
