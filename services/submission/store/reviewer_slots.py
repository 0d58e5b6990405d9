"""Reviewer numbers per proposal and round: how the agency tells reviewers apart
without learning who they are."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select

from services.submission.store.tables import reviewer_slots


class ReviewerSlots:
    """The reviewer_slots table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def number_of(self, proposal_id: str, assignment_id: str) -> int | None:
        found = self._conn.execute(
            select(reviewer_slots.c.number).where(
                reviewer_slots.c.proposal_id == proposal_id,
                reviewer_slots.c.assignment_id == assignment_id,
            )
        ).scalar()
        return None if found is None else int(found)

    def highest(self, proposal_id: str, round: str) -> int:
        """The highest number given in the round so far (0 when none)."""
        found = self._conn.execute(
            select(func.max(reviewer_slots.c.number)).where(
                reviewer_slots.c.proposal_id == proposal_id, reviewer_slots.c.round == round
            )
        ).scalar()
        return int(found or 0)

    def add(self, proposal_id: str, assignment_id: str, round: str, number: int) -> None:
        self._conn.execute(
            insert(reviewer_slots).values(
                proposal_id=proposal_id, assignment_id=assignment_id, round=round, number=number
            )
        )

    def per_round(self, proposal_id: str) -> dict[str, int]:
        """How many reviewers each round of the proposal had."""
        return {
            str(round): int(count)
            for round, count in self._conn.execute(
                select(reviewer_slots.c.round, func.count(reviewer_slots.c.number.distinct()))
                .where(reviewer_slots.c.proposal_id == proposal_id)
                .group_by(reviewer_slots.c.round)
            ).all()
        }
