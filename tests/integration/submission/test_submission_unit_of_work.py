"""The submission unit of work: its events reach the outbox with its commit, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.submission.store.tables import metadata, outbox, timeline
from services.submission.usecases.uow import UnitOfWork
from shared.events.envelope import Event
from shared.platform.db import create_schema, make_engine


def _event() -> Event:
    return Event.first("proposal.submitted", "/inagara/submission", "p-1", {"proposal_id": "p-1"})


def _count(engine: object, table: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _timeline_row(uow: UnitOfWork) -> None:
    uow.conn.execute(
        timeline.insert().values(
            proposal_id="p-1",
            event_id="e-1",
            type="proposal.drafted",
            version=1,
            facts={},
            at=_event().time,
        )
    )


def test_events_published_in_a_unit_of_work_are_in_the_outbox_after_it(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine, metadata)
    event = _event()
    with UnitOfWork(engine) as uow:
        _timeline_row(uow)
        uow.publish("inagara.proposals", event)
        assert _count(engine, outbox) == 0  # written when the block ends, with its commit
    with engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
    assert row.event_id == event.id
    assert _count(engine, timeline) == 1


def test_a_failing_unit_of_work_leaves_neither_its_rows_nor_its_events(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine, metadata)
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        _timeline_row(uow)
        uow.publish("inagara.proposals", _event())
        raise RuntimeError("the use case refuses")
    assert _count(engine, outbox) == 0
    assert _count(engine, timeline) == 0
