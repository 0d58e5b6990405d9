"""Assignments of proposals to reviewers, their scores, and the reminders sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import assignments, reminders, review_submissions, users

OPEN = ("pending", "submitted")

# Built once, values passed as parameters (statements the worker runs per proposal).
_INSERT = assignments.insert()
# SET takes the columns named in the parameters; the key of the row is not a column name.
_CHANGE = update(assignments).where(assignments.c.id == bindparam("where_id"))


def get(conn: Connection, assignment_id: str) -> dict[str, Any] | None:
    return as_dict(
        conn.execute(select(assignments).where(assignments.c.id == assignment_id)).first()
    )


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_INSERT, values)


def change(conn: Connection, assignment_id: str, **values: Any) -> None:
    conn.execute(_CHANGE, {**values, "where_id": assignment_id})


def move_deadline(conn: Connection, cycle_id: str, round: str, deadline: datetime) -> None:
    conn.execute(
        update(assignments)
        .where(
            assignments.c.cycle_id == cycle_id,
            assignments.c.round == round,
            assignments.c.status.in_(OPEN),
        )
        .values(deadline=deadline)
    )


def of_proposal(
    conn: Connection, proposal_id: str, round: str | None = None, *, open_only: bool = False
) -> list[dict[str, Any]]:
    query = (
        select(assignments, users.c.name.label("reviewer_name"))
        .join(users, users.c.id == assignments.c.reviewer_id)
        .where(assignments.c.proposal_id == proposal_id)
        .order_by(assignments.c.assigned_at, assignments.c.id)
    )
    if round:
        query = query.where(assignments.c.round == round)
    if open_only:
        query = query.where(assignments.c.status.in_(OPEN))
    return as_dicts(conn.execute(query))


def of_reviewer(conn: Connection, reviewer_id: str) -> list[dict[str, Any]]:
    return as_dicts(
        conn.execute(
            select(assignments)
            .where(assignments.c.reviewer_id == reviewer_id, assignments.c.status.in_(OPEN))
            .order_by(assignments.c.deadline, assignments.c.id)
        )
    )


def reviewer_has(conn: Connection, reviewer_id: str, proposal_id: str) -> bool:
    """Whether the proposal is (or was, until it was scored) assigned to this reviewer."""
    query = select(assignments.c.id).where(
        assignments.c.reviewer_id == reviewer_id,
        assignments.c.proposal_id == proposal_id,
        assignments.c.status.in_(OPEN),
    )
    return conn.execute(query).first() is not None


def add_submission(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(review_submissions.insert().values(**values))


def latest_submissions(conn: Connection, cycle_id: str, round: str) -> list[dict[str, Any]]:
    """The last scoring of every open assignment of the cycle's round."""
    rows = as_dicts(
        conn.execute(
            select(
                review_submissions,
                assignments.c.proposal_id,
            )
            .join(assignments, assignments.c.id == review_submissions.c.assignment_id)
            .where(
                assignments.c.cycle_id == cycle_id,
                assignments.c.round == round,
                assignments.c.status == "submitted",
            )
            .order_by(review_submissions.c.id)
        )
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest[row["assignment_id"]] = row
    return list(latest.values())


def due_for_reminder(conn: Connection, now: datetime, before_s: float) -> list[dict[str, Any]]:
    """Pending assignments whose deadline is within ``before_s`` and not yet passed."""
    from datetime import timedelta

    query = select(assignments).where(
        assignments.c.status == "pending",
        assignments.c.reminded_at.is_(None),
        assignments.c.deadline > now,
        assignments.c.deadline <= now + timedelta(seconds=before_s),
    )
    return as_dicts(conn.execute(query))


def claim_reminder(conn: Connection, assignment_id: str) -> bool:
    """Claim the one reminder of an assignment; True for exactly one caller ever.

    The conditional UPDATE makes a second worker's claim match no row (PostgreSQL
    re-checks the condition after waiting for the first one's row lock; SQLite
    runs one writer at a time); the unique ledger row backs that up.
    """
    now = datetime.now(UTC)
    claimed = conn.execute(
        update(assignments)
        .where(assignments.c.id == assignment_id, assignments.c.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    if claimed.rowcount != 1:
        return False
    conn.execute(reminders.insert().values(assignment_id=assignment_id, sent_at=now))
    return True


class AssignmentStore:
    """The ``assignments`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, assignment_id: str) -> dict[str, Any] | None:
        return get(self.conn, assignment_id)

    def insert(self, values: dict[str, Any]) -> None:
        return insert(self.conn, values)

    def change(self, assignment_id: str, **values: Any) -> None:
        return change(self.conn, assignment_id, **values)

    def move_deadline(self, cycle_id: str, round: str, deadline: datetime) -> None:
        return move_deadline(self.conn, cycle_id, round, deadline)

    def of_proposal(
        self, proposal_id: str, round: str | None = None, *, open_only: bool = False
    ) -> list[dict[str, Any]]:
        return of_proposal(self.conn, proposal_id, round, open_only=open_only)

    def of_reviewer(self, reviewer_id: str) -> list[dict[str, Any]]:
        return of_reviewer(self.conn, reviewer_id)

    def reviewer_has(self, reviewer_id: str, proposal_id: str) -> bool:
        return reviewer_has(self.conn, reviewer_id, proposal_id)

    def add_submission(self, values: dict[str, Any]) -> None:
        return add_submission(self.conn, values)

    def latest_submissions(self, cycle_id: str, round: str) -> list[dict[str, Any]]:
        return latest_submissions(self.conn, cycle_id, round)

    def due_for_reminder(self, now: datetime, before_s: float) -> list[dict[str, Any]]:
        return due_for_reminder(self.conn, now, before_s)

    def claim_reminder(self, assignment_id: str) -> bool:
        return claim_reminder(self.conn, assignment_id)
