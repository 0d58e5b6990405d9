"""Correcting course (issue 15, item 5) on fakes: reopening a withdrawn proposal inside its
cycle's window, and addenda (evidence after submission) until screening closes or under
a revision request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.submission import domain
from services.submission.adapters.blobs import MemoryBlobs
from services.submission.domain import lifecycle, window
from services.submission.usecases import addenda
from services.submission.usecases import proposals as usecases
from services.submission.usecases.evidence import Limits
from tests.unit.submission.fakes import FakeSubmissionWork, caller

PROFILE = {"title": "Posyandu Digital", "category": "health", "maturity": "trial"}
NOW = datetime.now(UTC)
OPEN = window.Cycle("2026", "Siklus 2026", NOW - timedelta(days=1), NOW + timedelta(days=1))
CLOSED = window.Cycle("2026", "Siklus 2026", NOW - timedelta(days=9), NOW - timedelta(days=8))
LIMITS = Limits(1024 * 1024, 4 * 1024 * 1024)
PDF = b"%PDF-1.4\n%%EOF\n"


def submitted(uow: FakeSubmissionWork) -> str:
    uow.cycles.announced = [OPEN]
    command = usecases.CreateProposal(caller(), PROFILE, "2026", as_draft=False)
    return str(usecases.create_proposal(command, uow)["id"])


def withdrawn(uow: FakeSubmissionWork, status: str = "in_review") -> str:
    proposal_id = submitted(uow)
    uow.proposals.rows[proposal_id].status = status  # as the review facts projected it
    usecases.withdraw_proposal(usecases.WithdrawProposal(caller(), proposal_id, "ragu"), uow)
    return proposal_id


def test_reopening_goes_back_to_the_status_the_withdrawal_left_keeping_id_and_history() -> None:
    uow = FakeSubmissionWork()
    proposal_id = withdrawn(uow)
    reopened = usecases.reopen_proposal(usecases.ReopenProposal(caller(), proposal_id), uow)

    assert (reopened["id"], reopened["status"], reopened["version"]) == (
        proposal_id,
        "in_review",
        1,
    )
    assert uow.proposals.rows[proposal_id].withdrawn_from is None
    assert uow.timeline.types(proposal_id) == [
        "proposal.submitted",
        "proposal.withdrawn",
        "proposal.reopened",
    ]
    _, event = uow.published[-1]
    assert event.type == "proposal.reopened" and event.subject == proposal_id
    assert (event.data["version"], event.data["status"], event.data["cycle_id"]) == (
        1,
        "in_review",
        "2026",
    )
    assert [v.version for v in uow.versions.all(proposal_id)] == [1]


def test_reopening_outside_the_window_is_a_conflict_and_changes_nothing() -> None:
    uow = FakeSubmissionWork()
    proposal_id = withdrawn(uow)
    uow.cycles.announced = [CLOSED]
    published = list(uow.published)
    with pytest.raises(window.OutsideWindow):
        usecases.reopen_proposal(usecases.ReopenProposal(caller(), proposal_id), uow)
    assert uow.proposals.rows[proposal_id].status == "withdrawn"
    assert uow.published == published


def test_only_a_withdrawn_proposal_can_be_reopened_and_only_by_an_administrator() -> None:
    uow = FakeSubmissionWork()
    proposal_id = submitted(uow)
    with pytest.raises(lifecycle.IllegalTransition):
        usecases.reopen_proposal(usecases.ReopenProposal(caller(), proposal_id), uow)
    other = withdrawn(uow)
    with pytest.raises(domain.NotPermitted):
        usecases.reopen_proposal(usecases.ReopenProposal(caller(domain.DRAFTER), other), uow)


def test_a_withdrawal_without_a_recorded_status_reopens_as_submitted() -> None:
    uow = FakeSubmissionWork()
    proposal_id = withdrawn(uow)
    uow.proposals.rows[proposal_id].withdrawn_from = None  # withdrawn before the column
    reopened = usecases.reopen_proposal(usecases.ReopenProposal(caller(), proposal_id), uow)
    assert reopened["status"] == "submitted"


def add(uow: FakeSubmissionWork, proposal_id: str, note: str = "foto lapangan") -> dict:
    command = addenda.AddAddendum(caller(), proposal_id, "foto.pdf", PDF, note, LIMITS)
    return addenda.add_addendum(command, uow, MemoryBlobs())


def test_an_addendum_is_dated_stored_published_and_on_the_timeline() -> None:
    uow = FakeSubmissionWork()
    proposal_id = submitted(uow)
    added = add(uow, proposal_id)

    assert (added["version"], added["note"], added["content_type"]) == (
        1,
        "foto lapangan",
        "application/pdf",
    )
    _, event = uow.published[-1]
    assert event.type == "proposal.addendum_added"
    assert event.data["addendum_id"] == added["id"] and event.data["file"]["size"] == len(PDF)
    assert uow.timeline.types(proposal_id)[-1] == "proposal.addendum_added"
    assert [a["id"] for a in addenda.list_addenda("ag-1", proposal_id, uow)] == [added["id"]]
    # The submitted version is as it was: an addendum is beside it, not in it.
    assert uow.versions.get(proposal_id, 1).evidence == []


def test_after_screening_closes_an_addendum_needs_a_revision_request() -> None:
    uow = FakeSubmissionWork()
    proposal_id = submitted(uow)
    uow.cycles.announced = [CLOSED]
    with pytest.raises(addenda.AddendaClosed):
        add(uow, proposal_id)
    uow.proposals.rows[proposal_id].status = "revision_requested"
    assert add(uow, proposal_id)["version"] == 1


def test_no_addendum_to_a_draft_a_decided_or_another_agencys_proposal() -> None:
    uow = FakeSubmissionWork()
    command = usecases.CreateProposal(caller(), PROFILE, None, as_draft=True)
    draft_id = str(usecases.create_proposal(command, uow)["id"])
    with pytest.raises(lifecycle.IllegalTransition):
        add(uow, draft_id)
    proposal_id = submitted(uow)
    uow.proposals.rows[proposal_id].status = "shortlisted"
    with pytest.raises(lifecycle.IllegalTransition):
        add(uow, proposal_id)
    foreign = addenda.AddAddendum(caller(agency_id="ag-2"), proposal_id, "a.pdf", PDF, "", LIMITS)
    with pytest.raises(usecases.ProposalNotFound):
        addenda.add_addendum(foreign, uow, MemoryBlobs())


LIMITED = window.Cycle(
    "2026", "Siklus 2026", NOW - timedelta(days=1), NOW + timedelta(days=1), max_per_agency=1
)


def test_a_submission_over_the_cycles_maximum_per_agency_is_a_conflict() -> None:
    uow = FakeSubmissionWork()
    uow.cycles.announced = [LIMITED]
    uow.participation.counted = [{"agency_id": "ag-1", "submitted": 1}]
    command = usecases.CreateProposal(caller(), PROFILE, "2026", as_draft=False)
    with pytest.raises(window.AgencyLimitReached, match="at most 1"):
        usecases.create_proposal(command, uow)
    assert uow.published == []
    uow.participation.counted = [{"agency_id": "ag-1", "submitted": 0}]
    assert usecases.create_proposal(command, uow)["status"] == "submitted"


def test_a_draft_is_never_limited_and_a_reopening_is() -> None:
    uow = FakeSubmissionWork()
    proposal_id = withdrawn(uow)
    uow.cycles.announced = [LIMITED]
    uow.participation.counted = [{"agency_id": "ag-1", "submitted": 1}]
    drafted = usecases.CreateProposal(caller(), PROFILE, "2026", as_draft=True)
    assert usecases.create_proposal(drafted, uow)["status"] == "draft"
    with pytest.raises(window.AgencyLimitReached):
        usecases.reopen_proposal(usecases.ReopenProposal(caller(), proposal_id), uow)


def test_agencies_at_zero_are_reminded_once_before_a_cycle_with_a_minimum_closes() -> None:
    from types import SimpleNamespace

    from services.submission.usecases.reminders import remind_participation

    uow = FakeSubmissionWork()
    closing = window.Cycle(
        "2026", "Siklus 2026", NOW - timedelta(days=9), NOW + timedelta(hours=10), min_per_agency=1
    )
    later = window.Cycle(
        "2027", "Siklus 2027", NOW - timedelta(days=1), NOW + timedelta(days=9), min_per_agency=1
    )
    uow.cycles.announced = [closing, later]
    uow.participation.counted = [
        {"agency_id": "ag-1", "submitted": 1},
        {"agency_id": "ag-2", "submitted": 0},
    ]
    uow.registry.rows["ag-2"] = SimpleNamespace(
        id="ag-2",
        code="KEL-1",
        name="Kelurahan Satu",
        contact_email="kel1@example.go.id",
        contact_phone=None,
        type="kelurahan",
    )

    assert remind_participation(NOW, 72, uow) == 1
    assert remind_participation(NOW, 72, uow) == 0, "once per cycle and agency"
    ((_, event),) = uow.published
    assert (event.type, event.subject) == ("agency.participation_reminder_due", "ag-2")
    assert event.data["cycle_id"] == "2026" and event.data["agency"]["contact_email"]
