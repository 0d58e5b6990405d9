"""The review service's facts, consumed through the inbox: the timeline and the
status the agency sees, which never moves backwards."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import Portal, profile
from tests.integration.submission.test_submission_proposals import outbox_events


def test_the_whole_review_shows_in_the_timeline_without_naming_reviewers(
    portal: Portal, admin_key: str
) -> None:
    proposal = portal.submitted(admin_key)
    pid = proposal["id"]
    first, second, replacement = "asg-1", "asg-2", "asg-3"
    portal.review(
        ev.screened(pid, 1),
        ev.assigned(pid, first),
        ev.assigned(pid, second),
        ev.assigned(pid, replacement, replaces=first),
        ev.review_submitted(pid, second),
        ev.scored(pid),
        ev.decision("proposal.shortlisted", pid, rank=3),
        ev.decision("proposal.awarded", pid, award="Gold", note="Selamat!"),
    )
    assert portal.proposal(admin_key, pid)["status"] == "awarded"
    timeline = portal.timeline(admin_key, pid)
    assert [e["type"] for e in timeline] == [
        "proposal.submitted",
        "proposal.screened",
        "review.assigned",
        "review.assigned",
        "review.assigned",
        "review.submitted",
        "proposal.scored",
        "proposal.shortlisted",
        "proposal.awarded",
    ]
    summaries = [e["summary"] for e in timeline]
    assert summaries[2] == "Assigned to reviewer 1 of 2 (desk round)."
    assert summaries[3] == "Assigned to reviewer 2 of 2 (desk round)."
    assert summaries[4] == "Assigned to reviewer 1 of 2 (desk round)."  # the replacement
    assert summaries[5] == "Reviewer 2 of 2 submitted a review (desk round)."
    assert timeline[6]["facts"] == {"round": "desk", "mean_score": 80.25, "reviews": 2}
    assert timeline[8]["facts"]["award"] == "Gold" and timeline[8]["facts"]["note"] == "Selamat!"
    text = json.dumps(timeline)
    for secret in (
        "Rahasia",
        "rahasia.penilai",
        "reviewer-secret-id",
        "+6281299990000",
        "secretariat-user-1",
    ):
        assert secret not in text


def test_late_and_duplicate_review_events_never_move_the_status_back(
    portal: Portal, admin_key: str
) -> None:
    pid = portal.submitted(admin_key)["id"]
    awarded = ev.decision("proposal.awarded", pid, award="Gold")
    portal.review(awarded, ev.scored(pid), ev.assigned(pid), ev.decision("proposal.rejected", pid))
    assert portal.proposal(admin_key, pid)["status"] == "awarded"
    portal.review(awarded)  # redelivered: the inbox keeps it from counting twice
    assert [e["type"] for e in portal.timeline(admin_key, pid)].count("proposal.awarded") == 1

    other = portal.submitted(admin_key)["id"]
    portal.review(ev.scored(other), ev.screened(other, 1))
    assert portal.proposal(admin_key, other)["status"] == "scored"


def test_a_revision_reopens_the_proposal_and_the_resubmission_is_a_new_version(
    portal: Portal, admin_key: str
) -> None:
    pid = portal.submitted(admin_key)["id"]
    portal.review(ev.screened(pid, 1, passed=False, reasons=["budget missing"]))
    assert portal.proposal(admin_key, pid)["status"] == "submitted"  # a failed screening alone
    portal.review(ev.revision_requested(pid, 1, feedback="Lampirkan rincian anggaran."))
    reopened = portal.proposal(admin_key, pid)
    assert reopened["status"] == "revision_requested"
    assert reopened["allowed_actions"] == [
        "edit",
        "submit",
        "withdraw",
        "change_evidence",
        "add_addendum",
    ]
    assert reopened["revision_request"]["feedback"] == "Lampirkan rincian anggaran."
    assert reopened["revision_request"]["requested_by"] == "review team"

    path = f"/v1/proposals/{pid}"
    assert (
        portal.as_agency(admin_key, "PUT", path, json=profile(budget_idr=1)).get_json()["version"]
        == 2
    )
    resubmitted = portal.as_agency(admin_key, "POST", f"{path}/submit", json={}).get_json()
    assert (resubmitted["status"], resubmitted["version"], resubmitted["submitted_version"]) == (
        "submitted",
        2,
        2,
    )
    event = outbox_events(portal.app)[-1]
    assert event.type == "proposal.resubmitted" and event.data["version"] == 2
    assert event.data["profile"]["budget_idr"] == 1

    # The old round's request, redelivered late, concerns version 1: ignored for the status.
    portal.review(ev.revision_requested(pid, 1))
    assert portal.proposal(admin_key, pid)["status"] == "submitted"
    steps = [e["type"] for e in portal.timeline(admin_key, pid)]
    assert steps[-2:] == ["proposal.resubmitted", "proposal.revision_requested"]

    portal.review(ev.revision_requested(pid, 2))
    again = portal.as_agency(admin_key, "POST", f"{path}/submit", json={}).get_json()
    assert again["version"] == 3, "a resubmission without edits still gets a new version"
    assert (
        portal.as_agency(admin_key, "GET", f"{path}/versions/3").get_json()["profile"]["budget_idr"]
        == 1
    )


def test_events_about_unknown_proposals_change_nothing(portal: Portal, admin_key: str) -> None:
    portal.review(ev.scored("not-ours"), ev.decision("proposal.awarded", "not-ours"))
    assert portal.as_agency(admin_key, "GET", "/v1/proposals").get_json()["items"] == []


def test_an_invalid_review_payload_is_poison_and_changes_nothing(
    portal: Portal, admin_key: str
) -> None:
    pid = portal.submitted(admin_key)["id"]
    broken = ev.event(
        "proposal.scored", {"proposal_id": pid, "round": "final", "mean_score": "high"}
    )
    with pytest.raises(ValidationError):  # the consumer dead-letters it
        portal.review(broken)
    assert portal.proposal(admin_key, pid)["status"] == "submitted"
    assert [e["type"] for e in portal.timeline(admin_key, pid)] == ["proposal.submitted"]
    portal.review(ev.scored(pid))  # the inbox did not keep the failed event's effect either
    assert portal.proposal(admin_key, pid)["status"] == "scored"
