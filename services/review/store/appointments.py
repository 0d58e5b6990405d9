"""Finalists' presentations and field visits (``review_appointments``), and the claim of
their day-before reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import appointments as table

SCHEDULED, CANCELLED = "scheduled", "cancelled"


class AppointmentStore:
    """The ``review_appointments`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_proposal(self, proposal_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(table).where(table.c.proposal_id == proposal_id).order_by(table.c.kind)
        )
        return as_dicts(rows)

    def get(self, proposal_id: str, kind: str) -> dict[str, Any] | None:
        return as_dict(
            self.conn.execute(
                select(table).where(table.c.proposal_id == proposal_id, table.c.kind == kind)
            ).first()
        )

    def insert(self, values: dict[str, Any]) -> None:
        self.conn.execute(table.insert().values(**values))

    def change(self, appointment_id: str, **values: Any) -> None:
        self.conn.execute(update(table).where(table.c.id == appointment_id).values(**values))

    def due_for_reminder(self, now: datetime, until: datetime) -> list[dict[str, Any]]:
        """Scheduled appointments starting after ``now`` and by ``until`` whose current
        revision has not been reminded of."""
        rows = self.conn.execute(
            select(table).where(
                table.c.status == SCHEDULED,
                table.c.starts_at > now,
                table.c.starts_at <= until,
                or_(
                    table.c.reminded_revision.is_(None),
                    table.c.reminded_revision != table.c.revision,
                ),
            )
        )
        return as_dicts(rows)

    def claim_reminder(self, appointment_id: str, revision: int) -> bool:
        """Claim the reminder of this revision; True for exactly one caller ever.

        The conditional UPDATE makes a second worker's claim match no row (PostgreSQL
        re-checks the condition after waiting for the first one's row lock; SQLite runs one
        writer at a time); a reschedule in between changed the revision, so it fails too.
        """
        claimed = self.conn.execute(
            update(table)
            .where(
                table.c.id == appointment_id,
                table.c.revision == revision,
                table.c.status == SCHEDULED,
                or_(table.c.reminded_revision.is_(None), table.c.reminded_revision != revision),
            )
            .values(reminded_revision=revision)
        )
        return claimed.rowcount == 1
