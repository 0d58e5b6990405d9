"""Reminders to reviewers whose review is still pending close to its deadline."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from services.review.store import assignments, people, proposals
from services.review.usecases.events import emit, person
from shared.events.catalog import REVIEW_REMINDER_DUE


def send_due_reminders(engine: Engine, before_s: float, now: datetime | None = None) -> int:
    """Emit ``review.reminder_due`` once per pending assignment due within ``before_s``.

    Each reminder is claimed and its event stored in one transaction, so a
    restart or a second worker never sends one twice. Blocks on the database.
    """
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        due = assignments.due_for_reminder(conn, now, before_s)
    sent = 0
    for held in due:
        with engine.begin() as conn:
            if not assignments.claim_reminder(conn, held["id"]):
                continue
            reviewer = people.get(conn, held["reviewer_id"])
            proposal = proposals.get(conn, held["proposal_id"])
            assert reviewer is not None and proposal is not None
            emit(
                conn,
                REVIEW_REMINDER_DUE,
                proposal["id"],
                {
                    "proposal_id": proposal["id"],
                    "assignment_id": held["id"],
                    "reviewer": person(reviewer),
                    "title": proposal["title"],
                    "deadline": held["deadline"],
                },
                correlation_id=proposal["correlation_id"] or proposal["id"],
            )
            sent += 1
    return sent
