"""Reminders to reviewers whose review is still pending close to its deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.review.usecases.events import emit, person
from services.review.usecases.work import ReviewWork
from shared.events.catalog import REVIEW_REMINDER_DUE


def send_due_reminders(
    before_s: float, work: Callable[[], ReviewWork], now: datetime | None = None
) -> int:
    """Emit ``review.reminder_due`` once per pending assignment due within ``before_s``.

    Each reminder is claimed and its event stored in one unit of work (``work()``),
    so a restart or a second worker never sends one twice. Blocks on the database.
    """
    now = now or datetime.now(UTC)
    with work() as uow:
        due = uow.assignments.due_for_reminder(now, before_s)
    return sum(_remind(held, work()) for held in due)


def _remind(held: dict[str, object], uow: ReviewWork) -> bool:
    with uow:
        if not uow.assignments.claim_reminder(str(held["id"])):
            return False
        reviewer = uow.people.get(str(held["reviewer_id"]))
        proposal = uow.proposals.get(str(held["proposal_id"]))
        assert reviewer is not None and proposal is not None
        emit(
            uow,
            REVIEW_REMINDER_DUE,
            proposal["id"],
            {
                "proposal_id": proposal["id"],
                "assignment_id": held["id"],
                "reviewer": person(reviewer),
                "title": proposal["title"],
                "deadline": held["deadline"],
            },
            correlation_id=proposal["correlation_id"],
        )
        return True
