"""Review-service events as the submission service consumes them, valid by the catalog."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.catalog import spec_for
from shared.events.envelope import Event

REVIEW_SOURCE = "/inagara/review"


def now() -> datetime:
    return datetime.now(UTC)


def at(offset_s: float = 0) -> str:
    return (now() + timedelta(seconds=offset_s)).isoformat()


def event(type: str, data: dict[str, Any], subject: str = "") -> Event:
    spec = spec_for(type)
    return Event(
        type=type,
        source=REVIEW_SOURCE,
        subject=subject or data.get("proposal_id") or data["cycle_id"],
        data=data,
        dataschema=spec.dataschema,
    )


def cycle_scheduled(
    cycle_id: str,
    opens: datetime,
    closes: datetime,
    scheduled: datetime | None = None,
    **more: Any,
) -> Event:
    return event(
        "cycle.scheduled",
        {
            "cycle_id": cycle_id,
            "name": f"Cycle {cycle_id}",
            "year": opens.year,
            "submission_opens_at": opens.isoformat(),
            "submission_closes_at": closes.isoformat(),
            "review_deadline": (closes + timedelta(days=30)).isoformat(),
            "scheduled_at": (scheduled or now()).isoformat(),
            **more,
        },
    )


def screened(
    proposal_id: str, version: int, passed: bool = True, reasons: list[str] | None = None
) -> Event:
    return event(
        "proposal.screened",
        {
            "proposal_id": proposal_id,
            "version": version,
            "passed": passed,
            "reasons": reasons or [],
            "screened_at": at(),
        },
    )


def assigned(
    proposal_id: str, assignment_id: str = "", replaces: str | None = None, round: str = "desk"
) -> Event:
    return event(
        "review.assigned",
        {
            "proposal_id": proposal_id,
            "assignment_id": assignment_id or str(uuid.uuid4()),
            "round": round,
            "reviewer": {
                "id": "reviewer-secret-id",
                "name": "Dr. Rahasia Penilai",
                "email": "rahasia.penilai@univ.example.ac.id",
                "phone": "+6281299990000",
            },
            "title": "Posyandu Digital",
            "deadline": at(86400 * 14),
            "assigned_at": at(),
            "replaces_assignment_id": replaces,
        },
    )


def review_submitted(proposal_id: str, assignment_id: str, round: str = "desk") -> Event:
    return event(
        "review.submitted",
        {
            "proposal_id": proposal_id,
            "assignment_id": assignment_id,
            "round": round,
            "reviewer_id": "reviewer-secret-id",
            "weighted_total": 81.5,
            "submitted_at": at(),
        },
    )


def scored(proposal_id: str, mean: float = 80.25) -> Event:
    return event(
        "proposal.scored",
        {
            "proposal_id": proposal_id,
            "round": "desk",
            "mean_score": mean,
            "reviewer_totals": [81.5, 79.0],
            "disagreement": False,
            "scored_at": at(),
        },
    )


def revision_requested(
    proposal_id: str, version: int, feedback: str = "Add the budget table."
) -> Event:
    return event(
        "proposal.revision_requested",
        {
            "proposal_id": proposal_id,
            "version": version,
            "feedback": feedback,
            "reasons": ["budget"],
            "requested_by": "user-7f3a",
            "requested_at": at(),
        },
    )


def decision(type: str, proposal_id: str, **extra: Any) -> Event:
    return event(
        type,
        {
            "proposal_id": proposal_id,
            "decided_by": "secretariat-user-1",
            "decided_at": at(),
            **extra,
        },
    )
