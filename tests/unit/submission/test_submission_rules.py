"""Pure rules: the state machine, the status projection, windows, evidence kinds, timeline facts."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.submission import domain
from services.submission.domain import evidence, lifecycle, projection, timeline, window

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
AGENCY = domain.Agency("ag-1", "DINKES", "Dinas Kesehatan")
PROFILE = {"title": "Posyandu Digital"}


def draft() -> domain.Proposal:
    return domain.draft_proposal(AGENCY, PROFILE, NOW, "p-1")


def test_a_draft_records_no_event_for_review_only_for_its_timeline() -> None:
    proposal = draft()
    assert proposal.status == "draft" and proposal.submitted_version == 0
    assert proposal.events == (domain.ProposalDrafted("p-1", 1, NOW),)


def test_edits_bump_the_version_and_submitting_sends_the_current_one() -> None:
    edited = lifecycle.edit(draft(), {"title": "v2"}, "2026", NOW)
    assert edited.version == 2 and edited.events == (domain.ProposalEdited("p-1", 2, NOW),)
    submitted = lifecycle.submit(edited, AGENCY, "2026", NOW)
    (event,) = submitted.events
    assert (event.version, event.cycle_id, event.resubmission) == (2, "2026", False)
    assert (submitted.status, submitted.submitted_version) == ("submitted", 2)


def test_a_resubmission_always_carries_a_newer_version() -> None:
    submitted = lifecycle.submit(draft(), AGENCY, None, NOW)
    reopened = replace(submitted, status=lifecycle.REVISION_REQUESTED)
    again = lifecycle.submit(reopened, AGENCY, None, NOW)
    (event,) = again.events
    assert event.resubmission and event.version == 2 == again.version


def test_under_revision_the_proposal_stays_in_its_cycle() -> None:
    submitted = lifecycle.submit(draft(), AGENCY, "2026", NOW)
    reopened = replace(submitted, status=lifecycle.REVISION_REQUESTED)
    assert lifecycle.edit(reopened, PROFILE, None, NOW).cycle_id == "2026"
    assert lifecycle.edit(draft(), PROFILE, "2027", NOW).cycle_id == "2027"


@pytest.mark.parametrize("status", lifecycle.STATUSES)
@pytest.mark.parametrize("action", [lifecycle.EDIT, lifecycle.SUBMIT, lifecycle.WITHDRAW])
def test_every_refusal_names_what_is_allowed(status: str, action: str) -> None:
    proposal = replace(draft(), status=status)
    step = {
        lifecycle.EDIT: lambda: lifecycle.edit(proposal, PROFILE, None, NOW),
        lifecycle.SUBMIT: lambda: lifecycle.submit(proposal, AGENCY, None, NOW),
        lifecycle.WITHDRAW: lambda: lifecycle.withdraw(proposal, AGENCY, "", NOW),
    }[action]
    if action in lifecycle.ALLOWED[status]:
        assert step().events
    else:
        with pytest.raises(lifecycle.IllegalTransition) as refused:
            step()
        assert refused.value.allowed == lifecycle.ALLOWED[status]
        assert status.replace("_", " ") in str(refused.value)


def test_withdrawal_is_possible_until_a_decision() -> None:
    decided = {lifecycle.SHORTLISTED, *projection.FINAL}
    for status in lifecycle.STATUSES:
        expected = status not in decided and status != lifecycle.DRAFT
        assert (lifecycle.WITHDRAW in lifecycle.ALLOWED[status]) is expected, status


@pytest.mark.parametrize(
    ("current", "event_type", "version", "expected"),
    [
        ("submitted", "proposal.screened", 2, "in_review"),
        ("submitted", "proposal.screened", 1, "submitted"),
        ("in_review", "proposal.scored", None, "scored"),
        ("scored", "review.assigned", None, "scored"),
        ("awarded", "proposal.rejected", None, "awarded"),
        ("withdrawn", "proposal.awarded", None, "withdrawn"),
        ("shortlisted", "proposal.not_awarded", None, "not_awarded"),
        ("submitted", "proposal.revision_requested", 1, "submitted"),
        ("submitted", "proposal.revision_requested", 2, "revision_requested"),
        ("draft", "proposal.awarded", None, "draft"),
        ("submitted", "cycle.scheduled", None, "submitted"),
    ],
)
def test_the_status_only_moves_forward(
    current: str, event_type: str, version: int | None, expected: str
) -> None:
    assert projection.project(current, 2, event_type, version) == expected


def test_a_failed_screening_alone_changes_no_status() -> None:
    assert projection.project("submitted", 1, "proposal.screened", 1, passed=False) == "submitted"


def cycle(id: str, opens_in_days: int, closes_in_days: int) -> window.Cycle:
    return window.Cycle(
        id, f"Cycle {id}", NOW + timedelta(days=opens_in_days), NOW + timedelta(days=closes_in_days)
    )


def test_window_rules() -> None:
    assert window.cycle_for_submission([], None, NOW) is None
    assert window.cycle_for_submission([cycle("a", -1, 1), cycle("b", 5, 9)], None, NOW) == "a"
    with pytest.raises(window.CycleNeeded):
        window.cycle_for_submission([cycle("a", -1, 1), cycle("b", -1, 9)], None, NOW)
    with pytest.raises(window.UnknownCycle):
        window.cycle_for_submission([cycle("a", -1, 1)], "zzz", NOW)
    with pytest.raises(window.OutsideWindow, match="next window"):
        window.cycle_for_submission([cycle("b", 5, 9)], None, NOW)
    with pytest.raises(window.OutsideWindow, match="Cycle b"):
        window.cycle_for_submission([cycle("b", 5, 9)], "b", NOW)
    assert not cycle("c", -2, 0).is_open(NOW), "the closing moment is outside"


def test_evidence_kinds_are_judged_by_their_bytes() -> None:
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert evidence.sniff(b"%PDF-1.7") == evidence.PDF
    assert evidence.sniff(b"\x89PNG\r\n\x1a\n") == evidence.PNG
    assert evidence.sniff(b"\xff\xd8\xff\xdb") == evidence.JPEG
    assert evidence.sniff(docx.getvalue()) == evidence.DOCX
    assert evidence.sniff(b"PK\x03\x04 broken zip") is None
    assert evidence.sniff(b"GIF89a") is None


def test_uploaded_names_lose_their_paths() -> None:
    assert evidence.clean_filename("../../etc/passwd") == "passwd"
    assert evidence.clean_filename("C:\\Users\\x\\laporan.pdf") == "laporan.pdf"
    assert evidence.clean_filename("a\x00b.pdf") == "ab.pdf"
    assert evidence.clean_filename("") == "evidence"


def test_timeline_facts_keep_reviewers_anonymous() -> None:
    data = {
        "proposal_id": "p-1",
        "assignment_id": "a-1",
        "round": "desk",
        "reviewer": {"id": "u-9", "name": "Dr. X", "email": "x@example.org"},
        "deadline": "2026-03-01T00:00:00+00:00",
    }
    facts = timeline.safe_facts("review.assigned", data, 2)
    assert facts == {"round": "desk", "reviewer_number": 2, "deadline": data["deadline"]}
    requested = timeline.safe_facts(
        "proposal.revision_requested", {"feedback": "f", "requested_by": "u-9"}, None
    )
    assert requested["requested_by"] == "review team"
    assert (
        timeline.summary("review.assigned", None, facts, 3)
        == "Assigned to reviewer 2 of 3 (desk round)."
    )
