"""Group commit on a real database: units of work finishing together share one
transaction; each is answered only once its writes are committed; one bad member
fails alone; reads run at once; the outbox rows go with the change."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.events.envelope import Event
from shared.events.outbox import outbox_table
from shared.events.unit_of_work import UnitOfWork
from shared.platform.db import make_engine
from shared.platform.group_commit import GroupCommit

metadata = MetaData()
things = Table("things", metadata, Column("id", String(10), primary_key=True))
outbox = outbox_table(metadata)
INSERT_THING = insert(things)
TOPIC = "inagara.things"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def make_thing(engine: Engine, group: GroupCommit, thing_id: str) -> None:
    """A use case: read, write a row, raise an event."""
    work = UnitOfWork(engine, outbox, group=group)
    with work:
        work.conn.execute(select(func.count()).select_from(things))  # a read runs at once
        work.conn.execute(INSERT_THING, {"id": thing_id})
        work.emit(TOPIC, Event.first("thing.made", "/things", thing_id, {"id": thing_id}))


def test_one_unit_of_work_alone_is_committed_at_once_with_its_event(engine: Engine) -> None:
    group = GroupCommit(engine)
    make_thing(engine, group, "a")
    # Back from the unit of work means committed: another connection sees both rows.
    assert count(engine, things) == 1
    assert count(engine, outbox) == 1
    assert (group.transactions, group.committed) == (1, 1)


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"leaders": 2},  # two transactions at once (PostgreSQL)
        {"gather_s": 0.002},  # a leader waits for the requests on their way
        {"leaders": 2, "gather_s": 0.002},
    ],
    ids=["one-leader", "two-leaders", "gathering", "two-leaders-gathering"],
)
def test_concurrent_units_of_work_share_transactions_and_all_commit(
    engine: Engine, shape: dict[str, float]
) -> None:
    group = GroupCommit(engine, **shape)  # type: ignore[arg-type]
    threads, per_thread = 8, 25
    failures: list[BaseException] = []
    seen_after_return: list[bool] = []

    def run(n: int) -> None:
        for i in range(per_thread):
            thing_id = f"{n}-{i}"
            try:
                with group.expecting():
                    make_thing(engine, group, thing_id)
                with engine.connect() as conn:
                    found = conn.execute(select(things).where(things.c.id == thing_id)).first()
                seen_after_return.append(found is not None)
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert failures == []
    assert all(seen_after_return) and len(seen_after_return) == threads * per_thread
    assert count(engine, things) == threads * per_thread
    assert count(engine, outbox) == threads * per_thread
    assert group.committed == threads * per_thread
    assert group.transactions < group.committed  # some shared a transaction
    assert group._leaders == 0 and group._expected == 0  # every lead ended, nobody awaited


def test_a_member_that_fails_fails_alone(engine: Engine) -> None:
    make_thing(engine, GroupCommit(engine), "taken")
    group = GroupCommit(engine)
    start = threading.Barrier(6)
    outcomes: dict[str, str] = {}

    def run(thing_id: str) -> None:
        start.wait()
        try:
            make_thing(engine, group, thing_id)
            outcomes[thing_id] = "committed"
        except IntegrityError:
            outcomes[thing_id] = "refused"

    ids = ["taken", "b", "c", "d", "e", "f"]
    workers = [threading.Thread(target=run, args=(i,)) for i in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert outcomes == {"taken": "refused", **{i: "committed" for i in ids[1:]}}
    assert count(engine, things) == 6  # "taken" once, and the five others
    assert count(engine, outbox) == 6  # no event of the refused one


def test_an_exception_in_the_use_case_writes_nothing(engine: Engine) -> None:
    group = GroupCommit(engine)
    work = UnitOfWork(engine, outbox, group=group)
    with pytest.raises(ValueError), work:
        work.conn.execute(INSERT_THING, {"id": "x"})
        work.emit(TOPIC, Event.first("thing.made", "/things", "x", {}))
        raise ValueError("refused")
    assert count(engine, things) == 0
    assert count(engine, outbox) == 0
    assert group.transactions == 0


def test_a_lone_member_that_fails_gets_its_own_statements_error(engine: Engine) -> None:
    """Pipelined (PostgreSQL), a failure surfaces at the pipeline's end; the member is
    tried once more alone, unpipelined, so the use case still meets a duplicate key as
    the IntegrityError it handles, and nothing of it is written."""
    group = GroupCommit(engine)
    make_thing(engine, group, "a")
    with pytest.raises(IntegrityError):
        make_thing(engine, group, "a")
    assert count(engine, things) == 1
    assert count(engine, outbox) == 1


def test_a_request_that_leaves_without_committing_is_not_waited_for(engine: Engine) -> None:
    """A leader gathering for a request that is refused (it never commits) stops waiting
    as soon as that request leaves, not at the end of the gathering time."""
    group = GroupCommit(engine, gather_s=5.0)
    on_its_way, refused = threading.Event(), threading.Event()

    def refuse() -> None:
        with group.expecting():
            on_its_way.set()
            refused.wait(10)

    other = threading.Thread(target=refuse)
    other.start()
    on_its_way.wait(10)
    threading.Timer(0.2, refused.set).start()
    began = time.monotonic()
    make_thing(engine, group, "a")
    other.join(10)
    assert time.monotonic() - began < 4.0
    assert count(engine, things) == 1 and group._expected == 0


def test_rows_written_through_the_driver_read_back_as_sqlalchemy_writes_them(
    engine: Engine,
) -> None:
    """The grouped path binds through the driver with each column type's conversion (the
    outbox's JSON headers and timestamps): the rows read back like the ungrouped path's."""
    make_thing(engine, GroupCommit(engine), "grouped")
    make_thing_alone(engine, "alone")
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.id)).mappings().all()
    grouped, alone = rows
    assert type(grouped["created_at"]) is type(alone["created_at"])
    assert grouped["created_at"].tzinfo is not None or alone["created_at"].tzinfo is None
    assert [type(h) for h in grouped["headers"]] == [type(h) for h in alone["headers"]]
    assert {h[0] for h in grouped["headers"]} == {h[0] for h in alone["headers"]}
    assert grouped["event_type"] == alone["event_type"] == "thing.made"


def test_a_statement_with_values_of_its_own_goes_through_sqlalchemy(engine: Engine) -> None:
    group = GroupCommit(engine)
    work = UnitOfWork(engine, outbox, group=group)
    with work:
        work.conn.execute(insert(things).values(id="v"))
    assert count(engine, things) == 1


def make_thing_alone(engine: Engine, thing_id: str) -> None:
    work = UnitOfWork(engine, outbox)
    with work:
        work.conn.execute(INSERT_THING, {"id": thing_id})
        work.emit(TOPIC, Event.first("thing.made", "/things", thing_id, {"id": thing_id}))
