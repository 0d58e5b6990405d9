"""One agency, one innovation: before a cycle with a minimum per agency closes, the
agencies that have submitted nothing to it are reminded by email, once each
(``agency.participation_reminder_due``; the notification service writes the email)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.submission.usecases.events import participation_reminder_event
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import PROPOSALS


def remind_participation(now: datetime, lead_hours: float, uow: SubmissionWork) -> int:
    """One round: for every cycle closing within ``lead_hours`` that expects a minimum per
    agency, each agency still at zero gets one reminder, recorded with its event in one
    transaction (several workers remind nobody twice). Returns how many were raised."""
    raised = 0
    with uow:
        due = [
            c
            for c in uow.cycles.known()
            if c.min_per_agency > 0
            and c.closes_at - timedelta(hours=lead_hours) <= now < c.closes_at
        ]
        for cycle in due:
            for listed in uow.participation.submitted_per_agency(cycle.id):
                if listed["submitted"] > 0:
                    continue
                if not uow.participation.claim_reminder(cycle.id, listed["agency_id"], now):
                    continue
                agency = uow.registry.agency(listed["agency_id"])
                uow.emit(PROPOSALS, participation_reminder_event(agency, cycle, 0, now))
                raised += 1
    return raised
