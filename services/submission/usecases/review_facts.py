"""The review service's facts about a proposal: a timeline entry each, and the
status projection. Runs inside the inbox transaction of the consumed event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.submission.domain import lifecycle, projection, timeline
from services.submission.store.changes import add_timeline
from services.submission.store.tables import proposals, reviewer_slots


def reviewer_number(conn: Connection, proposal_id: str, data: dict[str, Any]) -> int:
    """The reviewer's number within the proposal's round: 1, 2, 3 in order of assignment.

    A replacement takes the number of the assignment it replaces, so the
    agency sees "reviewer 2" again, never who it is.
    """
    assignment_id = data["assignment_id"]
    found = conn.execute(
        select(reviewer_slots.c.number).where(
            reviewer_slots.c.proposal_id == proposal_id,
            reviewer_slots.c.assignment_id == assignment_id,
        )
    ).scalar()
    if found is not None:
        return int(found)
    number = None
    if data.get("replaces_assignment_id"):
        number = conn.execute(
            select(reviewer_slots.c.number).where(
                reviewer_slots.c.proposal_id == proposal_id,
                reviewer_slots.c.assignment_id == data["replaces_assignment_id"],
            )
        ).scalar()
    if number is None:
        number = (
            conn.execute(
                select(func.max(reviewer_slots.c.number)).where(
                    reviewer_slots.c.proposal_id == proposal_id,
                    reviewer_slots.c.round == data["round"],
                )
            ).scalar()
            or 0
        ) + 1
    conn.execute(
        insert(reviewer_slots).values(
            proposal_id=proposal_id,
            assignment_id=assignment_id,
            round=data["round"],
            number=number,
        )
    )
    return int(number)


def apply_review_event(
    conn: Connection,
    event_type: str,
    event_id: str,
    at: datetime,
    data: dict[str, Any],
) -> bool:
    """Record the fact on the proposal's timeline and project its status.

    ``data`` is the validated payload in JSON form. False when the proposal is
    not one of this service's (nothing to record).
    """
    row = conn.execute(
        select(proposals.c.id, proposals.c.status, proposals.c.submitted_version).where(
            proposals.c.id == data["proposal_id"]
        )
    ).first()
    if row is None:
        return False
    number = None
    if event_type in {"review.assigned", "review.submitted"}:
        number = reviewer_number(conn, row.id, data)
    version = data.get("version")
    add_timeline(
        conn,
        row.id,
        event_type,
        version,
        at,
        timeline.safe_facts(event_type, data, number),
        event_id,
    )
    status = projection.project(
        row.status, row.submitted_version, event_type, version, bool(data.get("passed", True))
    )
    if status != row.status:
        values: dict[str, Any] = {"status": status, "updated_at": datetime.now(UTC)}
        if status == lifecycle.REVISION_REQUESTED:
            values["revision_request"] = {
                "version": version,
                "requested_at": data["requested_at"],
                **timeline.safe_facts(event_type, data, None),
            }
        conn.execute(
            update(proposals)
            .where(proposals.c.id == row.id, proposals.c.status == row.status)
            .values(**values)
        )
    return True
