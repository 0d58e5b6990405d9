"""Correcting course over the API and a real database (issue 15, item 5): a withdrawn
proposal reopened inside its cycle's window (same id, versions, timeline; a 409 outside),
and addenda (a dated file and note) until screening closes or under a revision request."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import Portal
from tests.integration.submission.test_submission_proposals import outbox_events

PDF = b"%PDF-1.7\n" + b"0" * 500


def open_cycle(portal: Portal, cycle_id: str = "2026") -> None:
    now = ev.now()
    portal.review(ev.cycle_scheduled(cycle_id, now - timedelta(days=1), now + timedelta(days=1)))


def close_cycle(portal: Portal, cycle_id: str = "2026") -> None:
    now = ev.now()
    portal.review(
        ev.cycle_scheduled(cycle_id, now - timedelta(days=9), now - timedelta(days=1), now)
    )


def add(portal: Portal, key: str, proposal_id: str, note: str = "Foto uji coba") -> Any:
    return portal.as_agency(
        key,
        "POST",
        f"/v1/proposals/{proposal_id}/addenda",
        data={"file": (io.BytesIO(PDF), "foto.pdf"), "note": note},
        content_type="multipart/form-data",
    )


def test_a_withdrawn_proposal_is_reopened_where_it_was_with_its_history(
    portal: Portal, admin_key: str, app: Any
) -> None:
    open_cycle(portal)
    pid = portal.submitted(admin_key)["id"]
    portal.review(ev.screened(pid, 1))
    assert portal.proposal(admin_key, pid)["status"] == "in_review"
    withdrawn = portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/withdraw", json={})
    assert withdrawn.get_json()["allowed_actions"] == ["reopen"]

    reopened = portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/reopen")

    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert (body["id"], body["status"], body["version"]) == (pid, "in_review", 1)
    types = [e["type"] for e in portal.timeline(admin_key, pid)]
    assert types == [
        "proposal.submitted",
        "proposal.screened",
        "proposal.withdrawn",
        "proposal.reopened",
    ]
    event = outbox_events(app)[-1]
    assert event.type == "proposal.reopened" and event.data["status"] == "in_review"
    versions = portal.as_agency(admin_key, "GET", f"/v1/proposals/{pid}/versions").get_json()
    assert [v["version"] for v in versions["items"]] == [1]
    # Review goes on as before: its facts project onto the reopened proposal again.
    portal.review(ev.scored(pid))
    assert portal.proposal(admin_key, pid)["status"] == "scored"


def test_reopening_outside_the_window_or_when_not_withdrawn_is_a_conflict(
    portal: Portal, admin_key: str, drafter_key: str
) -> None:
    open_cycle(portal)
    pid = portal.submitted(admin_key)["id"]
    not_withdrawn = portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/reopen")
    assert not_withdrawn.status_code == 409
    assert not_withdrawn.get_json()["code"] == "proposal.illegal_transition"
    portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/withdraw", json={})
    drafter = portal.as_agency(drafter_key, "POST", f"/v1/proposals/{pid}/reopen")
    assert drafter.status_code == 403
    close_cycle(portal)

    late = portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/reopen")

    assert late.status_code == 409 and late.get_json()["code"] == "submission.window_closed"
    assert late.headers["Content-Type"] == "application/problem+json"
    assert portal.proposal(admin_key, pid)["status"] == "withdrawn"
    unknown = portal.as_agency(admin_key, "POST", "/v1/proposals/nope/reopen")
    assert unknown.status_code == 404


def test_an_addendum_is_dated_published_listed_and_downloadable(
    portal: Portal, admin_key: str, app: Any
) -> None:
    open_cycle(portal)
    pid = portal.submitted(admin_key)["id"]

    response = add(portal, admin_key, pid)

    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert (added["version"], added["note"], added["filename"]) == (1, "Foto uji coba", "foto.pdf")
    event = outbox_events(app)[-1]
    assert event.type == "proposal.addendum_added" and event.data["addendum_id"] == added["id"]
    listed = portal.as_agency(admin_key, "GET", f"/v1/proposals/{pid}/addenda").get_json()
    assert [a["id"] for a in listed["items"]] == [added["id"]]
    content = portal.as_agency(
        admin_key, "GET", f"/v1/proposals/{pid}/addenda/{added['id']}/content"
    )
    assert content.status_code == 200 and content.data == PDF
    timeline = portal.timeline(admin_key, pid)
    assert timeline[-1]["type"] == "proposal.addendum_added"
    assert timeline[-1]["facts"]["note"] == "Foto uji coba"
    # The submitted version is unchanged: the addendum is beside it.
    version = portal.as_agency(admin_key, "GET", f"/v1/proposals/{pid}/versions/1").get_json()
    assert version["evidence"] == []


def test_after_screening_closes_an_addendum_waits_for_a_revision_request(
    portal: Portal, admin_key: str
) -> None:
    open_cycle(portal)
    pid = portal.submitted(admin_key)["id"]
    close_cycle(portal)

    closed = add(portal, admin_key, pid)

    assert closed.status_code == 409 and closed.get_json()["code"] == "addendum.closed"
    portal.review(ev.screened(pid, 1), ev.revision_requested(pid, 1))
    assert add(portal, admin_key, pid).status_code == 201
    draft = portal.draft(admin_key)["id"]
    refused = add(portal, admin_key, draft)
    assert (
        refused.status_code == 409 and refused.get_json()["code"] == "proposal.illegal_transition"
    )
    not_a_file = portal.as_agency(
        admin_key,
        "POST",
        f"/v1/proposals/{pid}/addenda",
        data={"file": (io.BytesIO(b"plain text"), "a.txt")},
        content_type="multipart/form-data",
    )
    assert not_a_file.status_code == 415
    missing = portal.as_agency(
        admin_key,
        "POST",
        f"/v1/proposals/{pid}/addenda",
        data={"note": "tanpa berkas"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422


def test_another_agencys_proposal_has_no_addenda_to_see_or_add(
    portal: Portal, admin_key: str
) -> None:
    open_cycle(portal)
    pid = portal.submitted(admin_key)["id"]
    other = portal.key(portal.agency()["id"])
    assert add(portal, other, pid).status_code == 404
    assert portal.as_agency(other, "GET", f"/v1/proposals/{pid}/addenda").status_code == 404
    assert portal.as_agency(other, "POST", f"/v1/proposals/{pid}/reopen").status_code == 404


def test_a_cycles_maximum_per_agency_is_enforced_at_submit_and_reported(
    portal: Portal, admin_key: str
) -> None:
    now = ev.now()
    portal.review(
        ev.cycle_scheduled(
            "2026",
            now - timedelta(days=1),
            now + timedelta(days=1),
            min_per_agency=1,
            max_per_agency=1,
        )
    )
    others = portal.agency()
    first = portal.submitted(admin_key)["id"]

    second = portal.as_agency(admin_key, "POST", "/v1/proposals", json=_profile())

    assert second.status_code == 409
    assert second.get_json()["code"] == "submission.agency_limit_reached"
    draft = portal.draft(admin_key)["id"]  # a draft is always possible
    refused = portal.as_agency(admin_key, "POST", f"/v1/proposals/{draft}/submit", json={})
    assert refused.status_code == 409
    portal.as_agency(admin_key, "POST", f"/v1/proposals/{first}/withdraw", json={})
    assert (
        portal.as_agency(admin_key, "POST", f"/v1/proposals/{draft}/submit", json={}).status_code
        == 200
    )
    cycles = portal.as_agency(admin_key, "GET", "/v1/cycles").get_json()["items"]
    assert (cycles[0]["min_per_agency"], cycles[0]["max_per_agency"]) == (1, 1)
    report = portal.admin("GET", "/v1/cycles/2026/participation").get_json()
    assert report["min_per_agency"] == 1
    assert [a["code"] for a in report["below_minimum"]] == [others["code"]]


def _profile() -> dict[str, Any]:
    from tests.integration.submission.conftest import profile

    return profile()


def test_a_cycles_maximum_holds_when_an_agency_submits_many_at_once(
    portal: Portal, admin_key: str
) -> None:
    """Creates that arrive together share one grouped transaction (group commit) in a
    cycle without a maximum; in one with a maximum each counts and writes in its own, so
    that a burst of one agency's creates gets exactly the maximum accepted."""
    now = ev.now()
    portal.review(
        ev.cycle_scheduled(
            "2026", now - timedelta(days=1), now + timedelta(days=1), max_per_agency=2
        )
    )
    start = threading.Barrier(8)

    def create(_: int) -> int:
        client = portal.app.test_client()
        start.wait()
        answer = client.post(
            "/v1/proposals", json=_profile(), headers={"Authorization": f"Bearer {admin_key}"}
        )
        return int(answer.status_code)

    with ThreadPoolExecutor(8) as pool:
        answers = sorted(pool.map(create, range(8)))
    assert answers == [201, 201] + [409] * 6, answers
