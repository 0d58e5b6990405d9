"""One agency, one innovation: who has submitted to a cycle, and who has not yet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from services.submission.domain import lifecycle
from services.submission.store.tables import agencies, participation_reminders, proposals


def submitted_per_agency(conn: Connection, cycle_id: str) -> list[dict[str, Any]]:
    """Every registered agency with its count of proposals submitted to the cycle
    (withdrawn ones do not count), ordered by code."""
    counted = (
        select(proposals.c.agency_id, func.count().label("submitted"))
        .where(
            proposals.c.cycle_id == cycle_id,
            proposals.c.submitted_at.is_not(None),
            proposals.c.status != lifecycle.WITHDRAWN,
        )
        .group_by(proposals.c.agency_id)
        .subquery()
    )
    parent = agencies.alias("parent")
    rows = conn.execute(
        select(
            agencies.c.id,
            agencies.c.code,
            agencies.c.name,
            agencies.c.type,
            parent.c.code.label("parent_code"),
            func.coalesce(counted.c.submitted, 0).label("submitted"),
        )
        .outerjoin(counted, counted.c.agency_id == agencies.c.id)
        .outerjoin(parent, parent.c.id == agencies.c.parent_id)
        .order_by(agencies.c.code)
    ).all()
    return [
        {
            "agency_id": r.id,
            "code": r.code,
            "name": r.name,
            "type": r.type,
            "parent_code": r.parent_code,
            "submitted": int(r.submitted),
        }
        for r in rows
    ]


def submitted_by(conn: Connection, agency_id: str, cycle_id: str) -> int:
    """The agency's proposals submitted to the cycle and not withdrawn.

    Takes the agency's row lock first, so that two submissions of one agency to a cycle
    with a maximum are counted one after the other. On SQLite the driver begins its
    transaction (IMMEDIATE: the database's write lock) only at the first write, so a
    write that changes nothing comes first; a read before it would count beside a writer.
    """
    if conn.dialect.name == "sqlite":
        conn.execute(update(agencies).where(agencies.c.id == agency_id).values(id=agencies.c.id))
    else:
        conn.execute(select(agencies.c.id).where(agencies.c.id == agency_id).with_for_update())
    return int(
        conn.execute(
            select(func.count()).where(
                proposals.c.agency_id == agency_id,
                proposals.c.cycle_id == cycle_id,
                proposals.c.submitted_at.is_not(None),
                proposals.c.status.not_in((lifecycle.WITHDRAWN, lifecycle.DRAFT)),
            )
        ).scalar_one()
    )


class ParticipationStore:
    """Submissions per agency, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def submitted_per_agency(self, cycle_id: str) -> list[dict[str, Any]]:
        return submitted_per_agency(self._conn, cycle_id)

    def submitted_by(self, agency_id: str, cycle_id: str) -> int:
        return submitted_by(self._conn, agency_id, cycle_id)

    def claim_reminder(self, cycle_id: str, agency_id: str, at: datetime) -> bool:
        """Record the agency's reminder for the cycle; False when one was recorded already
        (by this worker or another: the second insert waits for the first to commit, then
        does nothing), so that each agency is reminded once per cycle."""
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(participation_reminders)
            .values(cycle_id=cycle_id, agency_id=agency_id, at=at)
            .on_conflict_do_nothing()
            .returning(participation_reminders.c.agency_id)
        )
        return self._conn.execute(statement).first() is not None
