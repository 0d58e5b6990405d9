"""Proposal events into review, on fakes: receive, screen, assign; withdraw."""

from __future__ import annotations

import pytest

from services.review.consumers import (
    HANDLERS,
    on_addendum_added,
    on_agency_announced,
    on_person_erasure_requested,
    on_proposal_reopened,
    on_proposal_retained,
    on_proposal_submitted,
    on_proposal_withdrawn,
    on_subject_export_requested,
)
from services.review.domain import states
from services.review.domain.retention import retained_evidence, retained_profile
from services.review.usecases.intake import (
    add_addendum,
    receive_proposal,
    reopen_proposal,
    withdraw_proposal,
)
from shared.events.catalog import (
    AGENCY_REGISTERED,
    AGENCY_UPDATED,
    PROPOSAL_ADDENDUM_ADDED,
    PROPOSAL_REOPENED,
    PROPOSAL_RESUBMITTED,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SCREENED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    REVIEW_ASSIGNED,
    REVIEWS,
    spec_for,
)
from tests.unit.review.fakes import (
    FakeReviewWork,
    addendum,
    reopened,
    reviewer,
    submitted,
    withdrawn,
)


@pytest.fixture
def work() -> FakeReviewWork:
    work = FakeReviewWork()
    for user_id in ("r1", "r2", "r3", "r4"):
        work.people.insert(reviewer(user_id))
    work.people.insert(reviewer("same-agency", agency_code="DINKES"))
    return work


def test_a_complete_proposal_is_screened_and_given_three_reviewers(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-1"), work)

    assert work.proposals.rows["p-1"]["status"] == states.ASSIGNED
    assert work.published_types() == [PROPOSAL_SCREENED] + [REVIEW_ASSIGNED] * 3
    assert {topic for topic, _ in work.published} == {REVIEWS}
    given = {a["reviewer_id"] for a in work.assignments.rows.values()}
    assert len(given) == 3 and "same-agency" not in given, "never one of the proposing agency"
    assert work.committed == 1


def test_an_incomplete_proposal_goes_back_to_the_agency(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-2", evidence_links=[]), work)

    assert work.proposals.rows["p-2"]["status"] == states.REVISION_REQUESTED
    assert work.published_types() == [PROPOSAL_SCREENED, PROPOSAL_REVISION_REQUESTED]
    screened = work.published[0][1]
    assert screened.data["passed"] is False and screened.data["reasons"]
    assert not work.assignments.rows


def test_a_repeated_version_changes_nothing_and_raises_nothing(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-3"), work)
    before = len(work.published)

    receive_proposal(submitted("p-3"), work)

    assert len(work.published) == before
    assert len(work.assignments.rows) == 3


def test_a_withdrawal_releases_the_pending_reviews(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-4"), work)

    withdraw_proposal(withdrawn("p-4"), work)

    assert work.proposals.rows["p-4"]["status"] == states.WITHDRAWN
    assert {a["status"] for a in work.assignments.rows.values()} == {"released"}
    assert work.audit.actions("p-4")[-1] == "withdrawn"


def test_a_reopening_goes_back_to_the_stage_left_with_the_same_reviewers_untold(
    work: FakeReviewWork,
) -> None:
    receive_proposal(submitted("p-r"), work)
    assigned = {a["id"]: a["reviewer_id"] for a in work.assignments.rows.values()}
    withdraw_proposal(withdrawn("p-r"), work)
    before = len(work.published)

    reopen_proposal(reopened("p-r"), work)

    assert work.proposals.rows["p-r"]["status"] == states.ASSIGNED
    pending = {a["id"]: a["reviewer_id"] for a in work.assignments.rows.values()}
    assert pending == assigned, "the same assignments, no new ones"
    assert {a["status"] for a in work.assignments.rows.values()} == {"pending"}
    assert len(work.published) == before, "no second review.assigned: nobody told twice"
    assert work.audit.actions("p-r")[-1] == "reopened"
    reopen_proposal(reopened("p-r"), work)  # a repeat (or a late copy) changes nothing
    assert work.proposals.rows["p-r"]["status"] == states.ASSIGNED


def test_a_reopening_of_a_proposal_that_is_not_withdrawn_is_ignored(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-n"), work)
    before = dict(work.proposals.rows["p-n"])
    reopen_proposal(reopened("p-n"), work)
    assert work.proposals.rows["p-n"] == before


def test_an_addendum_is_kept_once_beside_the_proposal(work: FakeReviewWork) -> None:
    receive_proposal(submitted("p-a"), work)
    add_addendum(addendum("p-a"), work)
    add_addendum(addendum("p-a"), work)  # the same addendum again

    (kept,) = work.proposals.rows["p-a"]["addenda"]
    assert (kept["id"], kept["note"], kept["file"]["filename"]) == (
        "add-1",
        "foto lapangan",
        "foto.pdf",
    )
    assert work.audit.actions("p-a")[-1] == "addendum_added"


def test_a_withdrawal_of_an_unknown_proposal_is_ignored(work: FakeReviewWork) -> None:
    withdraw_proposal(withdrawn("nobody-knows"), work)

    assert work.published == [] and work.committed == 1


def test_the_worker_hands_each_proposal_event_to_its_use_case() -> None:
    assert {
        spec_for(PROPOSAL_SUBMITTED).dataschema: on_proposal_submitted,
        spec_for(PROPOSAL_RESUBMITTED).dataschema: on_proposal_submitted,
        spec_for(PROPOSAL_SUBMITTED, 2).dataschema: on_proposal_submitted,
        spec_for(PROPOSAL_RESUBMITTED, 2).dataschema: on_proposal_submitted,
        spec_for(PROPOSAL_WITHDRAWN).dataschema: on_proposal_withdrawn,
        spec_for(PROPOSAL_REOPENED).dataschema: on_proposal_reopened,
        spec_for(PROPOSAL_ADDENDUM_ADDED).dataschema: on_addendum_added,
        spec_for(AGENCY_REGISTERED).dataschema: on_agency_announced,
        spec_for(AGENCY_UPDATED).dataschema: on_agency_announced,
        spec_for("subject.export_requested").dataschema: on_subject_export_requested,
        spec_for("proposal.retained").dataschema: on_proposal_retained,
        spec_for("person.erasure_requested").dataschema: on_person_erasure_requested,
    } == HANDLERS


def test_retention_leaves_no_plain_innovator_and_no_file_name_of_an_erased_proposal() -> None:
    profile = {
        "title": "Posyandu",
        "innovators": [
            {"name": "Ayu", "email": "ayu@x.go.id", "phone": "+62812", "instant_channel": "sms"},
            {"subject": "s-1", "sealed": "c2VhbGVk"},
        ],
    }
    files = [{"id": "e", "filename": "KTP Ayu.pdf", "size": 3, "sha256": "f"}]

    assert retained_profile(profile, "erased")["innovators"] == [
        {"name": "Inovator 1", "erased": True},
        {"subject": "s-1", "sealed": "c2VhbGVk"},
    ]
    assert retained_profile(profile, "minimised")["innovators"][0] == {
        "name": "Ayu",
        "minimised": True,
    }
    assert retained_evidence(files, "erased") == [
        {"id": "e", "filename": "berkas-1", "size": 3, "sha256": "f", "deleted": True}
    ]
    assert retained_evidence(files, "minimised") == files
