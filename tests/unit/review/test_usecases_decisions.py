"""The secretariat's decisions on fakes: what moves, what is raised, what a refusal keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.domain import states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from services.review.usecases import decisions, reviewing
from services.review.usecases.accounts import create_user
from services.review.usecases.intake import receive_proposal
from services.review.usecases.reminders import send_due_reminders
from shared.events.catalog import (
    PROPOSAL_REJECTED,
    PROPOSAL_REVISION_REQUESTED,
    REVIEW_ASSIGNED,
    REVIEW_REMINDER_DUE,
)
from tests.unit.review.fakes import FakeReviewWork, reviewer, submitted


@pytest.fixture
def work() -> FakeReviewWork:
    work = FakeReviewWork()
    for user_id in ("r1", "r2", "r3", "r4"):
        work.people.insert(reviewer(user_id))
    receive_proposal(submitted("p-1"), work)
    work.published.clear()
    return work


@pytest.fixture
def scored(work: FakeReviewWork) -> FakeReviewWork:
    """The proposal with its desk reviews in: the secretariat decides now."""
    work.proposals.rows["p-1"]["status"] = states.SCORED
    return work


def test_a_rejection_moves_the_proposal_and_tells_the_agency(scored: FakeReviewWork) -> None:
    moved = decisions.decide("p-1", "reject", "Not an innovation.", "sekretariat", scored)

    assert moved["status"] == states.REJECTED == scored.proposals.rows["p-1"]["status"]
    assert scored.published_types() == [PROPOSAL_REJECTED]
    event = scored.published[0][1]
    assert event.data["note"] == "Not an innovation." and event.correlation_id == "p-1"


def test_a_revision_request_needs_feedback_and_raises_nothing_without(
    scored: FakeReviewWork,
) -> None:
    with pytest.raises(Invalid):
        decisions.decide("p-1", "request_revision", "  ", "sekretariat", scored)

    assert scored.published == [] and scored.rolled_back == 1
    assert scored.proposals.rows["p-1"]["status"] == states.SCORED


def test_a_revision_request_with_feedback_is_raised(scored: FakeReviewWork) -> None:
    decisions.decide("p-1", "request_revision", "Lampirkan data.", "sekretariat", scored)

    assert scored.published_types() == [PROPOSAL_REVISION_REQUESTED]
    assert scored.published[0][1].data["feedback"] == "Lampirkan data."


def test_a_decision_the_state_machine_forbids_is_a_conflict(scored: FakeReviewWork) -> None:
    decisions.decide("p-1", "reject", "No.", "sekretariat", scored)
    scored.published.clear()

    with pytest.raises(IllegalTransition):
        decisions.decide("p-1", "reject", "Again.", "sekretariat", scored)
    assert scored.published == []


def test_no_decision_on_an_unknown_proposal(scored: FakeReviewWork) -> None:
    with pytest.raises(NotFound):
        decisions.decide("p-404", "reject", "No.", "sekretariat", scored)
    assert scored.published == []


def test_only_finalists_are_verified_in_the_field(scored: FakeReviewWork) -> None:
    with pytest.raises(Conflict):
        decisions.verify("p-1", "pass", "Visited.", "sekretariat", scored)

    assert scored.proposals.rows["p-1"]["verification"] is None
    assert "field_verification" not in scored.audit.actions("p-1")


def test_a_conflict_declared_gives_the_review_to_another_reviewer(work: FakeReviewWork) -> None:
    held = next(iter(work.assignments.rows.values()))

    new_id = reviewing.release_and_replace(
        held["id"], held["reviewer_id"], held["reviewer_id"], "conflict declared", work
    )

    assert work.assignments.rows[held["id"]]["status"] == "released"
    assert new_id is not None and work.assignments.rows[new_id]["reviewer_id"] == "r4"
    assert work.published_types() == [REVIEW_ASSIGNED]


def test_only_the_holder_releases_an_assignment(work: FakeReviewWork) -> None:
    held = next(iter(work.assignments.rows.values()))

    with pytest.raises(NotFound):
        reviewing.release_and_replace(held["id"], "someone-else", "someone-else", "no", work)
    assert work.assignments.rows[held["id"]]["status"] == "pending"
    assert work.published == []


def test_a_reminder_is_sent_once_per_assignment(work: FakeReviewWork) -> None:
    soon = datetime.now(UTC) + timedelta(hours=2)
    for row in work.assignments.rows.values():
        row["deadline"] = soon

    assert send_due_reminders(3 * 3600, lambda: work) == 3
    assert send_due_reminders(3 * 3600, lambda: work) == 0
    assert work.published_types() == [REVIEW_REMINDER_DUE] * 3


def test_an_account_email_is_taken_once() -> None:
    work = FakeReviewWork()
    values = {
        "email": "a@example.go.id",
        "name": "A",
        "role": "reviewer",
        "password": "pw-12345678-long",
    }

    made = create_user(dict(values), "admin", work)
    with pytest.raises(Conflict):
        create_user(dict(values), "admin", work)

    assert "password_hash" not in made and len(work.people.rows) == 1
    assert work.audit.actions(made["id"]) == ["account_created"]


def test_awards_wait_for_the_panel_and_name_only_finalists(scored: FakeReviewWork) -> None:
    scored.cycles.rows["c-1"] = {"id": "c-1", "status": "scheduled", "award_count": 3}
    scored.proposals.rows["p-1"]["cycle_id"] = "c-1"

    with pytest.raises(Invalid) as refused:
        decisions.award("c-1", [{"proposal_id": "p-1", "award": "Emas"}], "", "sekretariat", scored)

    assert refused.value.errors == {
        "awards.0.proposal_id": ["Only finalists can win; this one is scored."]
    }
    assert scored.published == [] and scored.cycles.rows["c-1"]["status"] == "scheduled"


def test_an_open_objection_holds_back_the_awards_until_answered(scored: FakeReviewWork) -> None:
    scored.cycles.rows["c-1"] = {"id": "c-1", "status": "scheduled", "award_count": 3}
    scored.proposals.rows["p-1"].update(cycle_id="c-1", status=states.SHORTLISTED)
    objection = {"id": "o-1", "cycle_id": "c-1", "proposal_id": "p-1", "status": "open"}
    scored.objections.rows.append(objection)

    with pytest.raises(Conflict) as refused:
        decisions.award("c-1", [{"proposal_id": "p-1", "award": "Emas"}], "", "sekretariat", scored)

    assert refused.value.code == "award.objection_open"
    assert scored.published == []
    objection["status"] = "answered"
    outcome = decisions.award(
        "c-1", [{"proposal_id": "p-1", "award": "Emas"}], "", "sekretariat", scored
    )
    assert outcome["awarded"] == ["p-1"]
