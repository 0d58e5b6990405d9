"""The review facts a consumer records, and the evidence use cases, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.submission.adapters.blobs import MemoryBlobs
from services.submission.domain import evidence as rules
from services.submission.domain import lifecycle
from services.submission.domain.window import Cycle
from services.submission.usecases import agencies, cycles, evidence, review_facts
from services.submission.usecases import proposals as usecases
from tests.unit.submission.fakes import FakeSubmissionWork, caller

PROFILE = {"title": "Posyandu Digital", "category": "health", "maturity": "trial"}
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4 a small file"
LIMITS = evidence.Limits(max_file_bytes=1000, max_total_bytes=1000)


def submitted(uow: FakeSubmissionWork) -> str:
    command = usecases.CreateProposal(caller(), PROFILE, None, as_draft=False)
    return str(usecases.create_proposal(command, uow)["id"])


def fact(event_type: str, proposal_id: str, **data: Any) -> review_facts.RecordReviewFact:
    return review_facts.RecordReviewFact(
        event_type, f"ev-{event_type}-{len(data)}", AT, {"proposal_id": proposal_id, **data}
    )


def test_reviewers_are_numbered_per_round_and_a_replacement_keeps_the_number() -> None:
    uow = FakeSubmissionWork()
    proposal_id = submitted(uow)
    for assignment, replaces in (("as-1", None), ("as-2", None), ("as-3", "as-1")):
        assigned = fact(
            "review.assigned",
            proposal_id,
            assignment_id=assignment,
            replaces_assignment_id=replaces,
            round="desk",
            deadline="2026-03-08",
        )
        assert review_facts.record_review_fact(assigned, uow)

    numbers = [e.facts["reviewer_number"] for e in uow.timeline.entries(proposal_id)[1:]]
    assert numbers == [1, 2, 1]
    assert uow.proposals.rows[proposal_id].status == lifecycle.IN_REVIEW
    assert uow.published[1:] == []  # a fact from review raises no event of ours


def test_a_revision_request_projects_the_status_with_what_the_agency_may_read() -> None:
    uow = FakeSubmissionWork()
    proposal_id = submitted(uow)
    asked = fact(
        "proposal.revision_requested",
        proposal_id,
        version=1,
        requested_at="2026-03-01T09:00:00+00:00",
        feedback="Lengkapi anggaran.",
        requested_by="reviewer-7",
    )
    review_facts.record_review_fact(asked, uow)

    row = uow.proposals.rows[proposal_id]
    assert row.status == lifecycle.REVISION_REQUESTED
    assert row.revision_request["requested_by"] == "review team"  # never who asked


def test_a_fact_about_a_proposal_of_another_service_records_nothing() -> None:
    uow = FakeSubmissionWork()
    assert not review_facts.record_review_fact(fact("proposal.scored", "unknown"), uow)
    assert uow.timeline.rows == []


def test_an_upload_stores_the_bytes_and_the_row_together() -> None:
    uow, blobs = FakeSubmissionWork(), MemoryBlobs()
    proposal_id = str(
        usecases.create_proposal(
            usecases.CreateProposal(caller(), PROFILE, None, as_draft=True), uow
        )["id"]
    )
    stored = evidence.upload_evidence(
        evidence.UploadEvidence("ag-1", proposal_id, "a.pdf", PDF, LIMITS), uow, blobs
    )

    assert stored["content_type"] == "application/pdf" and stored["size"] == len(PDF)
    assert list(blobs.objects.values()) == [PDF]
    assert evidence.read_evidence("ag-1", proposal_id, stored["id"], uow, blobs)[1] == PDF


def test_an_upload_over_the_total_is_refused_and_leaves_nothing_behind() -> None:
    uow, blobs = FakeSubmissionWork(), MemoryBlobs()
    proposal_id = str(
        usecases.create_proposal(
            usecases.CreateProposal(caller(), PROFILE, None, as_draft=True), uow
        )["id"]
    )
    small = evidence.Limits(max_file_bytes=1000, max_total_bytes=len(PDF) + 5)
    evidence.upload_evidence(
        evidence.UploadEvidence("ag-1", proposal_id, "a.pdf", PDF, small), uow, blobs
    )
    with pytest.raises(rules.EvidenceTooLarge):
        evidence.upload_evidence(
            evidence.UploadEvidence("ag-1", proposal_id, "b.pdf", PDF, small), uow, blobs
        )
    assert len(blobs.objects) == 1 and len(uow.evidence.rows) == 1


def test_evidence_of_a_submitted_proposal_cannot_be_deleted() -> None:
    uow, blobs = FakeSubmissionWork(), MemoryBlobs()
    proposal_id = submitted(uow)
    uow.evidence.add({"id": "ev-1", "proposal_id": proposal_id, "storage_key": "k", "size": 1})
    with pytest.raises(lifecycle.IllegalTransition):
        evidence.delete_evidence("ag-1", proposal_id, "ev-1", uow, blobs)
    assert "ev-1" in uow.evidence.rows and uow.rolled_back == 1


def test_a_key_for_an_unknown_agency_is_refused() -> None:
    uow = FakeSubmissionWork()
    with pytest.raises(agencies.AgencyNotFound):
        agencies.issue_key(agencies.IssueKey("nope", "drafter"), uow)
    assert uow.rolled_back == 1


def test_a_parent_that_does_not_exist_refuses_the_change() -> None:
    uow = FakeSubmissionWork()
    with pytest.raises(agencies.UnknownParent):
        agencies.update_agency("ag-1", {"parent_id": "nope"}, uow)
    assert uow.rolled_back == 1


def test_the_configured_cycle_is_listed_unless_one_was_announced_with_its_id() -> None:
    uow = FakeSubmissionWork()
    configured = Cycle("2026", "configured", AT, AT.replace(month=4))
    assert [c["name"] for c in cycles.list_cycles(configured, AT, uow)] == ["configured"]
    uow.cycles.announced.append(Cycle("2026", "announced", AT, AT.replace(month=5)))
    (listed,) = cycles.list_cycles(configured, AT, uow)
    assert (listed["name"], listed["open_now"]) == ("announced", True)


def test_participation_names_the_agencies_without_a_submission() -> None:
    uow = FakeSubmissionWork()
    uow.participation.counted = [
        {"agency_id": "ag-1", "code": "A", "submitted": 2},
        {"agency_id": "ag-2", "code": "B", "submitted": 0},
    ]
    report = cycles.get_participation("2026", uow)
    assert [a["code"] for a in report["without_submission"]] == ["B"]
