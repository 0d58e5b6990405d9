"""Valid events of every type the notification service consumes, for its tests."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events import catalog
from shared.events.catalog import spec_for
from shared.events.envelope import Event

AT = "2026-03-02T03:04:05+00:00"
DEADLINE = "2026-03-09T10:00:00+00:00"


def innovator(n: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"Innovator {n}",
        "email": f"innovator{n}@dinkes.example.go.id",
        "phone": f"08123456{n:04d}",
        **changes,
    }


def submitted(
    proposal_id: str | None = None,
    *,
    title: str = "Posyandu Digital",
    innovators: list[dict[str, Any]] | None = None,
    contact_email: str | None = "inovasi@dinkes.example.go.id",
    version: int = 1,
) -> dict[str, Any]:
    return {
        "proposal_id": proposal_id or str(uuid.uuid4()),
        "version": version,
        "agency": {
            "id": "ag-1",
            "code": "DINKES",
            "name": "Dinas Kesehatan",
            "contact_email": contact_email,
            "contact_phone": "+6281200000000",
        },
        "submitted_at": AT,
        "profile": {
            "title": title,
            "summary": "Ringkasan",
            "category": "health",
            "form": "public_service",
            "kind": "digital",
            "maturity": "trial",
            "lab_stage": "deliver",
            "problem": "Masalah",
            "solution": "Solusi",
            "expected_benefits": "Manfaat",
            "budget_idr": 1000,
            "innovators": innovators or [innovator()],
        },
    }


def reviewer(**changes: Any) -> dict[str, Any]:
    return {
        "id": "rev-1",
        "name": "Dr. Ratna",
        "email": "ratna@univ.example.ac.id",
        "phone": "081311112222",
        "language": "en",
        **changes,
    }


def payload_for(
    event_type: str, proposal_id: str, title: str = "Posyandu Digital"
) -> dict[str, Any]:
    """A valid payload of ``event_type`` about ``proposal_id``."""
    decision = {"proposal_id": proposal_id, "decided_by": "sec-1", "decided_at": AT}
    payloads: dict[str, dict[str, Any]] = {
        catalog.PROPOSAL_SUBMITTED: submitted(proposal_id, title=title),
        catalog.PROPOSAL_RESUBMITTED: submitted(proposal_id, title=title, version=2),
        catalog.PROPOSAL_WITHDRAWN: {
            "proposal_id": proposal_id,
            "version": 1,
            "agency": {"id": "ag-1", "code": "DINKES", "name": "Dinas Kesehatan"},
            "withdrawn_at": AT,
            "reason": "Salah kirim",
        },
        catalog.PROPOSAL_SCREENED: {
            "proposal_id": proposal_id,
            "version": 1,
            "passed": True,
            "screened_at": AT,
        },
        catalog.REVIEW_ASSIGNED: {
            "proposal_id": proposal_id,
            "assignment_id": f"as-{proposal_id}",
            "round": "desk",
            "reviewer": reviewer(),
            "title": title,
            "deadline": DEADLINE,
            "assigned_at": AT,
        },
        catalog.REVIEW_SUBMITTED: {
            "proposal_id": proposal_id,
            "assignment_id": f"as-{proposal_id}",
            "round": "desk",
            "reviewer_id": "rev-1",
            "weighted_total": 81.5,
            "submitted_at": AT,
        },
        catalog.PROPOSAL_SCORED: {
            "proposal_id": proposal_id,
            "round": "desk",
            "mean_score": 80.0,
            "reviewer_totals": [80.0, 80.0],
            "disagreement": False,
            "scored_at": AT,
        },
        catalog.PROPOSAL_REVISION_REQUESTED: {
            "proposal_id": proposal_id,
            "version": 1,
            "feedback": "Lengkapi bukti <dokumen>",
            "reasons": ["missing evidence"],
            "requested_by": "screening",
            "requested_at": AT,
        },
        catalog.PROPOSAL_REJECTED: decision,
        catalog.PROPOSAL_SHORTLISTED: {**decision, "rank": 3},
        catalog.PROPOSAL_AWARDED: {**decision, "award": "Inovasi Terbaik"},
        catalog.PROPOSAL_NOT_AWARDED: decision,
        catalog.REVIEW_REMINDER_DUE: {
            "proposal_id": proposal_id,
            "assignment_id": f"as-{proposal_id}",
            "reviewer": reviewer(),
            "title": title,
            "deadline": DEADLINE,
        },
        catalog.PROPOSAL_PRESENTATION_SCHEDULED: appointment(proposal_id, "presentation", title),
        catalog.PROPOSAL_VISIT_SCHEDULED: appointment(proposal_id, "visit", title),
        catalog.PROPOSAL_APPOINTMENT_REMINDER_DUE: appointment(proposal_id, "visit", title),
        catalog.OBJECTION_FILED: {
            "objection_id": "ob-1",
            "proposal_id": proposal_id,
            "cycle_id": "c-1",
            "title": title,
            "filed_at": AT,
            "objections_close_at": DEADLINE,
            "objector": {"subject": "s-1", "sealed": "sealed", "language": "id"},
        },
        catalog.OBJECTION_ANSWERED: {
            "objection_id": "ob-1",
            "proposal_id": proposal_id,
            "cycle_id": "c-1",
            "title": title,
            "status": "resolved",
            "answer": "Sudah diverifikasi <di lapangan>.",
            "answered_at": AT,
            "objector": {"subject": "s-1", "sealed": "sealed", "language": "id"},
        },
    }
    return payloads[event_type]


def appointment(
    proposal_id: str, kind: str, title: str = "Posyandu Digital", **changes: Any
) -> dict[str, Any]:
    """A presentation or field visit as the review service announces it."""
    where: dict[str, Any] = (
        {"place": "Aula Bappeda", "online_url": "https://meet.example.go.id/a"}
        if kind == "presentation"
        else {
            "address": "Jl. Suroyo 1, Probolinggo",
            "team": [{"reviewer_id": "rev-1", "name": "Dr. Ratna"}, {"name": "Ibu Sari"}],
        }
    )
    return {
        "proposal_id": proposal_id,
        "cycle_id": "cyc-1",
        "appointment_id": f"ap-{kind}-{proposal_id}",
        "kind": kind,
        "change": "scheduled",
        "revision": 1,
        "title": title,
        "starts_at": DEADLINE,
        "duration_minutes": 60,
        "reviewer_ids": ["rev-1"],
        "scheduled_by": "sec-1",
        "scheduled_at": AT,
        **where,
        **changes,
    }


def event(event_type: str, data: dict[str, Any], event_id: str | None = None) -> Event:
    spec = spec_for(event_type)
    return Event(
        type=event_type,
        source="/inagara/test",
        subject=str(data.get("proposal_id", "")),
        data=data,
        dataschema=spec.dataschema,
        **({"id": event_id} if event_id else {}),
    )
