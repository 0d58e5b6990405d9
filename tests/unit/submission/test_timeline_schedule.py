"""What the agency reads on its timeline about its presentation, visit and the visit's outcome."""

from __future__ import annotations

from services.submission.domain import timeline

VISIT = {
    "proposal_id": "p-1",
    "appointment_id": "ap-1",
    "kind": "visit",
    "change": "scheduled",
    "revision": 1,
    "title": "Posyandu Digital",
    "starts_at": "2026-12-10T02:00:00+00:00",
    "duration_minutes": 120,
    "address": "Jl. Suroyo 1",
    "team": [{"reviewer_id": "rev-1", "name": "Dr. Ratna"}, {"reviewer_id": None, "name": "Sari"}],
    "reviewer_ids": ["rev-1"],
    "scheduled_by": "sec-1",
}


def test_a_visit_shows_when_where_and_who_but_no_ids() -> None:
    facts = timeline.safe_facts("proposal.visit_scheduled", VISIT, None)

    assert facts["team"] == ["Dr. Ratna", "Sari"]
    assert "rev-1" not in str(facts) and "sec-1" not in str(facts)
    line = timeline.summary("proposal.visit_scheduled", None, facts, 0)
    assert line.startswith("Field visit scheduled: 2026-12-10T02:00:00+00:00, 120 minutes")
    assert "Jl. Suroyo 1" in line and "Dr. Ratna, Sari" in line


def test_a_cancelled_presentation_and_a_recorded_visit_read_plainly() -> None:
    cancelled = {**VISIT, "kind": "presentation", "change": "cancelled", "team": []}
    facts = timeline.safe_facts("proposal.presentation_scheduled", cancelled, None)
    assert timeline.summary("proposal.presentation_scheduled", None, facts, 0) == (
        "Presentation cancelled."
    )
    outcome = timeline.safe_facts(
        "proposal.visit_recorded", {"verified": False, "notes": "Belum berjalan"}, None
    )
    assert timeline.summary("proposal.visit_recorded", None, outcome, 0) == (
        "Field visit recorded: not verified: Belum berjalan"
    )
