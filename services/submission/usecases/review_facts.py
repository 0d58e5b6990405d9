"""The review service's facts about a proposal: a timeline entry each, and the
status projection; and the cycles it schedules. Consumers run these inside the
inbox transaction of the consumed event (``SubmissionWork.joining``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.submission.domain import lifecycle, projection, timeline
from services.submission.usecases.work import SubmissionWork


def reviewer_number(uow: SubmissionWork, proposal_id: str, data: dict[str, Any]) -> int:
    """The reviewer's number within the proposal's round: 1, 2, 3 in order of assignment.

    A replacement takes the number of the assignment it replaces, so the
    agency sees "reviewer 2" again, never who it is.
    """
    assignment_id = data["assignment_id"]
    found = uow.reviewers.number_of(proposal_id, assignment_id)
    if found is not None:
        return found
    number = None
    if data.get("replaces_assignment_id"):
        number = uow.reviewers.number_of(proposal_id, data["replaces_assignment_id"])
    if number is None:
        number = uow.reviewers.highest(proposal_id, data["round"]) + 1
    uow.reviewers.add(proposal_id, assignment_id, data["round"], number)
    return number


@dataclass(frozen=True)
class RecordReviewFact:
    """A review event's fact: ``data`` is its validated payload in JSON form."""

    event_type: str
    event_id: str
    at: datetime
    data: dict[str, Any]


def record_review_fact(command: RecordReviewFact, uow: SubmissionWork) -> bool:
    """Record the fact on the proposal's timeline and project its status.

    False when the proposal is not one of this service's (nothing to record).
    """
    event_type, data = command.event_type, command.data
    with uow:
        row = uow.proposals.standing(data["proposal_id"])
        if row is None:
            return False
        number = None
        if event_type in {"review.assigned", "review.submitted"}:
            number = reviewer_number(uow, row.id, data)
        version = data.get("version")
        uow.timeline.add(
            row.id,
            event_type,
            version,
            command.at,
            timeline.safe_facts(event_type, data, number),
            command.event_id,
        )
        passed = bool(data.get("passed", True))
        status = projection.project(row.status, row.submitted_version, event_type, version, passed)
        if status != row.status:
            values: dict[str, Any] = {"status": status, "updated_at": datetime.now(UTC)}
            if status == lifecycle.REVISION_REQUESTED:
                values["revision_request"] = {
                    "version": version,
                    "requested_at": data["requested_at"],
                    **timeline.safe_facts(event_type, data, None),
                }
            uow.proposals.project(row.id, row.status, values)
    return True


def schedule_cycle(payload: dict[str, Any], uow: SubmissionWork) -> None:
    """Keep a ``cycle.scheduled`` fact unless a later one for the cycle is kept already."""
    with uow:
        uow.cycles.save_scheduled(payload)
