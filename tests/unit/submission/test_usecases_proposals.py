"""The proposal use cases on fakes: what is stored, what is published, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.submission import domain
from services.submission.domain import lifecycle, window
from services.submission.usecases import proposals as usecases
from shared.events.catalog import PROPOSALS
from tests.unit.submission.fakes import FakeSubmissionWork, caller

PROFILE = {"title": "Posyandu Digital", "category": "health", "maturity": "trial"}
NOW = datetime.now(UTC)
OPEN = window.Cycle("2026", "Siklus 2026", NOW - timedelta(days=1), NOW + timedelta(days=1))
CLOSED = window.Cycle("2025", "Siklus 2025", NOW - timedelta(days=9), NOW - timedelta(days=8))


def draft(uow: FakeSubmissionWork, **changes: Any) -> str:
    command = usecases.CreateProposal(caller(), PROFILE, None, as_draft=True, **changes)
    return str(usecases.create_proposal(command, uow)["id"])


def test_a_draft_is_stored_with_its_first_version_and_publishes_nothing() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)

    assert uow.proposals.rows[proposal_id].status == "draft"
    assert [v.version for v in uow.versions.all(proposal_id)] == [1]
    assert uow.timeline.types(proposal_id) == ["proposal.drafted"]
    assert (uow.committed, uow.published) == (1, [])


def test_submitting_at_once_publishes_the_submission_with_no_evidence_yet() -> None:
    uow = FakeSubmissionWork()
    command = usecases.CreateProposal(caller(), PROFILE, None, as_draft=False, configured=OPEN)
    created = usecases.create_proposal(command, uow)

    ((topic, event),) = uow.published
    assert (topic, event.type, event.subject) == (PROPOSALS, "proposal.submitted", created["id"])
    assert event.data["evidence"] == [] and event.data["cycle_id"] == "2026"
    (entry,) = uow.timeline.entries(created["id"])
    assert entry.event_id == event.id  # the timeline names the event it came from
    assert created["status"] == "submitted" and created["submitted_version"] == 1


def test_the_idempotency_answer_is_given_the_created_proposal_inside_the_work() -> None:
    uow = FakeSubmissionWork()
    answered: list[tuple[Any, dict[str, Any], bool]] = []
    proposal_id = draft(uow, also=lambda conn, body: answered.append((conn, body, uow._open_now)))

    ((_, body, inside),) = answered
    assert body["id"] == proposal_id and inside  # stored before the unit of work commits


def test_a_drafter_may_not_submit_at_once_and_nothing_is_stored() -> None:
    uow = FakeSubmissionWork()
    command = usecases.CreateProposal(caller(domain.DRAFTER), PROFILE, None, as_draft=False)
    with pytest.raises(domain.NotPermitted):
        usecases.create_proposal(command, uow)
    assert (uow.proposals.rows, uow.published, uow.committed) == ({}, [], 0)


def test_a_submission_outside_the_window_is_rolled_back() -> None:
    uow = FakeSubmissionWork()
    uow.cycles.announced.append(CLOSED)
    command = usecases.CreateProposal(caller(), PROFILE, "2025", as_draft=False)
    with pytest.raises(window.OutsideWindow):
        usecases.create_proposal(command, uow)
    assert (uow.rolled_back, uow.published) == (1, [])


def test_an_edit_saves_a_new_version_and_publishes_nothing() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    edited = {**PROFILE, "title": "Posyandu Digital 2"}
    changed = usecases.edit_proposal(
        usecases.EditProposal(caller(), proposal_id, edited, None), uow
    )

    assert changed["version"] == 2 and changed["profile"]["title"] == "Posyandu Digital 2"
    assert [v.version for v in uow.versions.all(proposal_id)] == [1, 2]
    assert uow.timeline.types(proposal_id) == ["proposal.drafted", "proposal.edited"]
    assert uow.published == []


def test_submitting_a_draft_freezes_its_evidence_in_the_version_and_the_event() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    uow.evidence.add(
        {
            "id": "ev-1",
            "proposal_id": proposal_id,
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "sha256": "0" * 64,
            "storage_key": f"{proposal_id}/ev-1",
            "created_at": NOW,
        }
    )
    usecases.submit_proposal(usecases.SubmitProposal(caller(), proposal_id, None), uow)

    ((_, event),) = uow.published
    assert [f["id"] for f in event.data["evidence"]] == ["ev-1"]
    assert uow.versions.get(proposal_id, 1).evidence == event.data["evidence"]


def test_withdrawing_publishes_the_withdrawal_with_its_reason() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    usecases.submit_proposal(usecases.SubmitProposal(caller(), proposal_id, None), uow)
    withdrawn = usecases.withdraw_proposal(
        usecases.WithdrawProposal(caller(), proposal_id, "salah kirim"), uow
    )

    assert withdrawn["status"] == "withdrawn"
    assert [e.type for _, e in uow.published] == ["proposal.submitted", "proposal.withdrawn"]
    assert uow.published[-1][1].data["reason"] == "salah kirim"


def test_withdrawing_a_draft_is_refused_and_publishes_nothing() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    with pytest.raises(lifecycle.IllegalTransition):
        usecases.withdraw_proposal(usecases.WithdrawProposal(caller(), proposal_id, ""), uow)
    assert (uow.rolled_back, uow.published) == (1, [])


def test_a_change_that_loses_the_race_is_rolled_back_with_its_event() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    uow.proposals.lose_next_race = True
    with pytest.raises(usecases.ConcurrentChange):
        usecases.submit_proposal(usecases.SubmitProposal(caller(), proposal_id, None), uow)
    assert (uow.rolled_back, uow.published) == (1, [])


def test_another_agencys_proposal_is_as_absent_as_an_unknown_one() -> None:
    uow = FakeSubmissionWork()
    proposal_id = draft(uow)
    other = caller(agency_id="ag-2")

    assert usecases.get_proposal(proposal_id, "ag-2", uow) is None
    with pytest.raises(usecases.ProposalNotFound):
        usecases.edit_proposal(usecases.EditProposal(other, proposal_id, PROFILE, None), uow)
    with pytest.raises(usecases.ProposalNotFound):
        usecases.get_timeline(proposal_id, "ag-2", uow)


def test_a_search_pages_newest_first_with_a_cursor() -> None:
    uow = FakeSubmissionWork()
    made = [draft(uow) for _ in range(3)]
    for n, proposal_id in enumerate(made):  # distinct moments, oldest first
        uow.proposals.rows[proposal_id].created_at = NOW + timedelta(seconds=n)

    first = usecases.search_proposals("ag-1", usecases.Search(limit=2), uow)
    rest = usecases.search_proposals(
        "ag-1", usecases.Search(limit=2, cursor=first["next_cursor"]), uow
    )

    assert [p["id"] for p in first["items"]] == [made[2], made[1]]
    assert [p["id"] for p in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    with pytest.raises(usecases.BadCursor):
        usecases.search_proposals("ag-1", usecases.Search(cursor="not-ours"), uow)
