"""The paths around the happy one, on a real database: screening failures and resubmission,
withdrawal, conflicts and reassignment, deadlines, illegal moves, the panel round, field
verification, rubric versions and the what-if report, reminders sent once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from services.review.store.tables import reminders
from services.review.usecases.reminders import send_due_reminders
from services.review.usecases.work import work_factory
from shared.events.catalog import PROPOSAL_RESUBMITTED
from tests.integration.review.support import (
    ADMIN,
    auth,
    create_account,
    create_cycle,
    deliver,
    engine_of,
    login,
    make_app,
    outbox_events,
    scores_for,
    submitted_event,
    withdrawn_event,
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def status(client: FlaskClient, pid: str) -> str:
    return str(client.get(f"/v1/proposals/{pid}", headers=auth(ADMIN)).json["status"])


def test_an_incomplete_proposal_gets_reasons_and_its_resubmission_is_screened_again(
    app: Flask, client: FlaskClient
) -> None:
    create_account(client, agency_code="X")
    create_cycle(client, reviewers_per_proposal=1)
    first = submitted_event("DINKES", evidence_links=[])
    deliver(app, first)
    assert status(client, first.subject) == "revision_requested"
    (requested,) = outbox_events(app, "proposal.revision_requested")
    assert requested.data["requested_by"] == "screening"
    assert any("evidence" in r for r in requested.data["reasons"])
    assert outbox_events(app, "proposal.screened")[0].data["passed"] is False

    fixed = submitted_event(
        "DINKES", proposal_id=first.subject, version=2, type=PROPOSAL_RESUBMITTED
    )
    deliver(app, fixed)
    assert status(client, first.subject) == "assigned"
    assert [e.data["passed"] for e in outbox_events(app, "proposal.screened")] == [False, True]
    stale = submitted_event("DINKES", proposal_id=first.subject, version=1)
    deliver(app, stale)  # an old version arriving late changes nothing
    assert status(client, first.subject) == "assigned"


def test_outside_the_window_is_a_reason(app: Flask, client: FlaskClient) -> None:
    cycle = create_cycle(client)
    late = submitted_event(
        "DINKES",
        cycle_id=cycle["id"],
        submitted_at=datetime.fromisoformat(cycle["submission_closes_at"]) + timedelta(hours=1),
    )
    deliver(app, late)
    assert status(client, late.subject) == "revision_requested"
    assert (
        "outside the cycle's window"
        in outbox_events(app, "proposal.screened")[0].data["reasons"][0]
    )


def test_withdrawal_releases_the_reviews(app: Flask, client: FlaskClient) -> None:
    reviewer = create_account(client, agency_code="X")
    create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    deliver(app, withdrawn_event(event.subject))
    assert status(client, event.subject) == "withdrawn"
    token = auth(login(client, reviewer["email"]))
    assert client.get("/v1/assignments", headers=token).json["items"] == []
    refused = client.post(
        f"/v1/proposals/{event.subject}/decisions", json={"decision": "reject"}, headers=auth(ADMIN)
    )
    assert refused.status_code == 409 and refused.json["allowed"] == []


def test_a_declared_conflict_reassigns_and_the_secretariat_can_reassign_by_hand(
    app: Flask, client: FlaskClient
) -> None:
    a, b, c = (create_account(client, agency_code=f"AG{i}") for i in range(3))
    create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    (first,) = client.get(f"/v1/proposals/{event.subject}/assignments", headers=auth(ADMIN)).json[
        "items"
    ]
    holder = {r["id"]: r for r in (a, b, c)}[first["reviewer_id"]]
    declared = client.post(
        f"/v1/assignments/{first['id']}/conflict",
        json={"reason": "my sister runs it"},
        headers=auth(login(client, holder["email"])),
    )
    assert declared.status_code == 200 and declared.json["new_assignment_id"]
    second = client.get(
        f"/v1/assignments/{declared.json['new_assignment_id']}", headers=auth(ADMIN)
    ).json
    assert second["reviewer_id"] != holder["id"] and second["replaces_id"] == first["id"]
    last = next(r for r in (a, b, c) if r["id"] not in {holder["id"], second["reviewer_id"]})
    moved = client.post(
        f"/v1/assignments/{second['id']}/reassign",
        json={"reviewer_id": holder["id"]},
        headers=auth(ADMIN),
    )
    assert moved.status_code == 409, "a reviewer who declared a conflict is never given it back"
    assert moved.json["code"] == "assignment.conflict_of_interest"
    moved = client.post(
        f"/v1/assignments/{second['id']}/reassign",
        json={"reviewer_id": last["id"]},
        headers=auth(ADMIN),
    )
    assert moved.status_code == 200
    replaced = [e.data["replaces_assignment_id"] for e in outbox_events(app, "review.assigned")]
    assert replaced == [None, first["id"], second["id"]]


def test_scores_change_until_the_deadline_and_not_after(app: Flask, client: FlaskClient) -> None:
    reviewer = create_account(client, agency_code="X")
    cycle = create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    token = auth(login(client, reviewer["email"]))
    (held,) = client.get("/v1/assignments", headers=token).json["items"]
    rubric = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=token).json
    bad = client.put(
        f"/v1/assignments/{held['id']}/review", json={"scores": {"budget": 9}}, headers=token
    )
    assert bad.status_code == 422 and "scores.budget" in bad.json["errors"]
    for level in (1, 3):
        answer = client.put(
            f"/v1/assignments/{held['id']}/review",
            json={"scores": scores_for(rubric, level)},
            headers=token,
        )
        assert answer.status_code == 200
    assert [e.data["mean_score"] for e in outbox_events(app, "proposal.scored")] == [33.33, 100.0]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    moved = client.patch(
        f"/v1/cycles/{cycle['id']}", json={"review_deadline": past}, headers=auth(ADMIN)
    )
    assert moved.status_code == 200
    deadline = client.get(f"/v1/assignments/{held['id']}", headers=token).json["deadline"]
    assert datetime.fromisoformat(deadline) == datetime.fromisoformat(past), "open reviews follow"
    assert len(outbox_events(app, "cycle.scheduled")) == 2, "the new dates are published"
    late = client.put(
        f"/v1/assignments/{held['id']}/review",
        json={"scores": scores_for(rubric, 2)},
        headers=token,
    )
    assert late.status_code == 409 and "deadline" in late.json["detail"]


def test_an_illegal_decision_is_a_409_listing_the_allowed_moves(
    app: Flask, client: FlaskClient
) -> None:
    create_cycle(client)
    event = submitted_event("DINKES")
    deliver(app, event)  # nobody to assign: it stays screened
    refused = client.post(
        f"/v1/proposals/{event.subject}/decisions",
        json={"decision": "shortlist"},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["current"] == "screened"
    assert refused.json["allowed"] == ["assigned", "withdrawn"]


def test_panel_round_verification_rubric_versions_and_what_if(
    app: Flask, client: FlaskClient
) -> None:
    desk = [create_account(client, agency_code=f"D{i}") for i in range(2)]
    panel = [create_account(client, agency_code=f"P{i}") for i in range(2)]
    for member in panel:  # panel members do not take desk reviews here
        client.patch(f"/v1/users/{member['id']}", json={"max_load": 0}, headers=auth(ADMIN))
    cycle = create_cycle(client, reviewers_per_proposal=2, award_count=1)
    cid = cycle["id"]
    events = [submitted_event(code) for code in ("DINKES", "DISDIK")]
    for event in events:
        deliver(app, event)
    rubric = client.get(f"/v1/cycles/{cid}/rubrics/desk", headers=auth(ADMIN)).json
    for reviewer, level in zip(desk, (3, 1), strict=True):
        token = auth(login(client, reviewer["email"]))
        for held in client.get("/v1/assignments", headers=token).json["items"]:
            client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, level)},
                headers=token,
            )
    # A new desk rubric after the first score: saved, not in force, and used only for what-if.
    weights = {"criteria": [{"key": "benefit", "name": "Benefit", "weight": 1, "scale_max": 3}]}
    added = client.put(f"/v1/cycles/{cid}/rubrics/desk", json=weights, headers=auth(ADMIN)).json
    assert added["version"] == 2 and added["active"] is False
    assert client.get(f"/v1/cycles/{cid}/rubrics/desk", headers=auth(ADMIN)).json["version"] == 1
    what_if = client.get(
        f"/v1/cycles/{cid}/rubrics/desk/versions/2/what-if", headers=auth(ADMIN)
    ).json
    assert [row["mean_score"] for row in what_if["ranking"]] == pytest.approx(
        [66.67, 66.67], abs=0.02
    )
    assert all(
        row["recorded_mean_score"] == pytest.approx(66.67, abs=0.02) for row in what_if["ranking"]
    )
    assert what_if["criteria_without_recorded_scores"] == []

    for event in events:
        client.post(
            f"/v1/proposals/{event.subject}/decisions",
            json={"decision": "shortlist"},
            headers=auth(ADMIN),
        )
    for member in panel:
        client.patch(f"/v1/users/{member['id']}", json={"max_load": 5}, headers=auth(ADMIN))
    named = client.post(
        f"/v1/cycles/{cid}/panel",
        json={"reviewer_ids": [m["id"] for m in panel]},
        headers=auth(ADMIN),
    )
    assert named.json == {"finalists_assigned": 2}
    early = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"awards": [{"proposal_id": events[0].subject}]},
        headers=auth(ADMIN),
    )
    assert early.status_code == 409, "panel scoring is not finished"
    panel_rubric = client.get(f"/v1/cycles/{cid}/rubrics/panel", headers=auth(ADMIN)).json
    for member in panel:
        token = auth(login(client, member["email"]))
        for held in client.get("/v1/assignments", headers=token).json["items"]:
            assert held["round"] == "panel"
            level = 9 if held["proposal_id"] == events[1].subject else 5
            ok = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(panel_rubric, level)},
                headers=token,
            )
            assert ok.status_code == 200, ok.json
    assert {e.data["round"] for e in outbox_events(app, "proposal.scored")} == {"desk", "panel"}
    verified = client.post(
        f"/v1/proposals/{events[1].subject}/verification",
        json={"result": "fail", "note": "service not running on site"},
        headers=auth(ADMIN),
    )
    assert verified.json["verification"] == "fail"
    refused = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"awards": [{"proposal_id": events[1].subject}]},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 422
    final = client.get(f"/v1/cycles/{cid}/ranking?round=final", headers=auth(ADMIN)).json["items"]
    assert final[0]["proposal_id"] == events[1].subject, "the panel score decides among finalists"
    done = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"awards": [{"proposal_id": events[0].subject, "award": "Terbaik"}]},
        headers=auth(ADMIN),
    )
    assert done.json == {"awarded": [events[0].subject], "not_awarded": [events[1].subject]}
    participation = client.get(f"/v1/cycles/{cid}/participation", headers=auth(ADMIN)).json
    counts = {a["code"]: a["proposals"] for a in participation["agencies"]}
    assert {code: n for code, n in counts.items() if n} == {"DINKES": 1, "DISDIK": 1}
    # The reviewers' agencies are registered too: listed, with no proposal.
    assert set(participation["without_proposal"]) == set(counts) - {"DINKES", "DISDIK"} != set()


def test_a_reminder_goes_out_once_across_workers_and_restarts(
    app: Flask, client: FlaskClient
) -> None:
    create_account(client, agency_code="X")
    create_account(client, agency_code="Y")
    create_cycle(
        client,
        reviewers_per_proposal=2,
        review_deadline=(datetime.now(UTC) + timedelta(hours=10)).isoformat(),
    )
    deliver(app, submitted_event("DINKES"))
    engine = engine_of(app)
    assert send_due_reminders(work=work_factory(engine), before_s=3600) == 0, (
        "not yet within an hour"
    )
    counts: list[int] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        barrier.wait()
        counts.append(send_due_reminders(work=work_factory(engine), before_s=48 * 3600))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 2
    assert send_due_reminders(work=work_factory(engine), before_s=48 * 3600) == 0, (
        "a restarted worker sends nothing again"
    )
    due = outbox_events(app, "review.reminder_due")
    assert len(due) == 2 and len({e.data["assignment_id"] for e in due}) == 2
    assert all(e.data["reviewer"]["email"] for e in due)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reminders)).scalar_one() == 2


def test_the_shortlist_holds_no_more_than_the_cycle_allows(app: Flask, client: FlaskClient) -> None:
    reviewer = create_account(client, agency_code="X")
    cycle = create_cycle(client, reviewers_per_proposal=1, shortlist_size=1)
    events = [submitted_event(code) for code in ("DINKES", "DISDIK")]
    for event in events:
        deliver(app, event)
    token = auth(login(client, reviewer["email"]))
    rubric = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=token).json
    for held in client.get("/v1/assignments", headers=token).json["items"]:
        client.put(
            f"/v1/assignments/{held['id']}/review",
            json={"scores": scores_for(rubric, 2)},
            headers=token,
        )
    first, second = (
        client.post(
            f"/v1/proposals/{e.subject}/decisions",
            json={"decision": "shortlist"},
            headers=auth(ADMIN),
        )
        for e in events
    )
    assert first.status_code == 200
    assert second.status_code == 409 and "shortlist is full" in second.json["detail"]


def test_a_retried_create_with_the_same_key_creates_nothing_twice(
    app: Flask, client: FlaskClient
) -> None:
    cycle = create_cycle(client)
    body = {
        k: cycle[k]
        for k in ("name", "year", "submission_opens_at", "submission_closes_at", "review_deadline")
    }
    headers = {**auth(ADMIN), "Idempotency-Key": "cycle-2027"}
    first = client.post("/v1/cycles", json={**body, "year": 2027}, headers=headers)
    again = client.post("/v1/cycles", json={**body, "year": 2027}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/v1/cycles", json={**body, "year": 2028}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["detail"]
    assert len(client.get("/v1/cycles", headers=auth(ADMIN)).json["items"]) == 2
    assert len(outbox_events(app, "cycle.scheduled")) == 2


def test_the_worker_scheduler_loop_sends_due_reminders_and_stops_on_request(
    app: Flask, client: FlaskClient
) -> None:
    from services.review.config import ReviewSettings
    from services.review.worker import reminder_loop

    create_account(client, agency_code="X")
    create_cycle(
        client,
        reviewers_per_proposal=1,
        review_deadline=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    )
    deliver(app, submitted_event("DINKES"))
    stop = threading.Event()
    loop = reminder_loop(ReviewSettings(reminder_before_hours=2, reminder_check_interval_s=0.05))
    thread = threading.Thread(target=loop(engine_of(app)), args=(stop,))
    thread.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while not outbox_events(app, "review.reminder_due") and datetime.now(UTC) < deadline:
            stop.wait(0.05)
        assert len(outbox_events(app, "review.reminder_due")) == 1
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert len(outbox_events(app, "review.reminder_due")) == 1
