"""A finalist's presentation and field visit as scheduled steps, through the review API on a
real database (SQLite and PostgreSQL): scheduling, rescheduling, cancelling, each an event;
the visit's outcome; the day-before reminders once per schedule; and a cycle with a field
verification stage that awards only verified finalists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review.usecases.schedule import send_due_appointment_reminders
from services.review.usecases.work import work_factory
from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
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
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _finalists(
    app: Flask, client: FlaskClient, count: int = 2, **cycle_fields: Any
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """A cycle with ``count`` shortlisted proposals, scored by three reviewers."""
    reviewers = [create_account(client, agency_code=f"R{i}", name=f"Penilai {i}") for i in range(3)]
    tokens = [login(client, r["email"]) for r in reviewers]
    cycle = create_cycle(client, **cycle_fields)
    events = [submitted_event(AGENCIES[i]) for i in range(count)]
    for event in events:
        deliver(app, event)
    ids = [e.subject for e in events]
    rubric = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    for token in tokens:
        for held in client.get("/v1/assignments", headers=auth(token)).json["items"]:
            answer = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={
                    "scores": scores_for(rubric, 4 - ids.index(held["proposal_id"])),
                    "comment": "ok",
                },
                headers=auth(token),
            )
            assert answer.status_code == 200, answer.json
    for pid in ids:
        decided = client.post(
            f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}, headers=auth(ADMIN)
        )
        assert decided.status_code == 200, decided.json
    return cycle, ids, reviewers


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


def test_a_presentation_is_scheduled_rescheduled_and_cancelled_each_with_its_event(
    app: Flask, client: FlaskClient
) -> None:
    cycle, (pid, _other), reviewers = _finalists(app, client)
    panel = [reviewers[0]["id"], reviewers[1]["id"]]
    named = client.post(
        f"/v1/cycles/{cycle['id']}/panel", json={"reviewer_ids": panel}, headers=auth(ADMIN)
    )
    assert named.status_code == 200, named.json

    first = client.put(
        f"/v1/proposals/{pid}/presentation",
        json={"starts_at": _at(72), "duration_minutes": 45, "place": "Aula Bappeda"},
        headers=auth(ADMIN),
    )
    assert first.status_code == 200, first.json
    assert (first.json["status"], first.json["revision"]) == ("scheduled", 1)
    moved = client.put(
        f"/v1/proposals/{pid}/presentation",
        json={
            "starts_at": _at(96),
            "duration_minutes": 30,
            "online_url": "https://meet.example.go.id/inovasi",
        },
        headers=auth(ADMIN),
    )
    assert moved.status_code == 200 and moved.json["revision"] == 2
    assert moved.json["place"] is None, "a new schedule replaces the old one whole"
    cancelled = client.delete(f"/v1/proposals/{pid}/presentation", headers=auth(ADMIN))
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = client.delete(f"/v1/proposals/{pid}/presentation", headers=auth(ADMIN))
    assert again.status_code == 409 and again.json["code"] == "appointment.not_scheduled"

    events = [e.data for e in outbox_events(app, "proposal.presentation_scheduled")]
    assert [(e["change"], e["revision"]) for e in events] == [
        ("scheduled", 1),
        ("rescheduled", 2),
        ("cancelled", 3),
    ]
    assert events[0]["place"] == "Aula Bappeda" and events[0]["duration_minutes"] == 45
    assert events[1]["online_url"] == "https://meet.example.go.id/inovasi"
    assert sorted(events[0]["reviewer_ids"]) == sorted(panel), "the panel gets its schedule"
    assert all(e["cycle_id"] == cycle["id"] and e["proposal_id"] == pid for e in events)
    assert "email" not in str(events), "reviewers are named by id, never by address"


def test_a_field_visit_names_its_team_and_refuses_what_cannot_be(
    app: Flask, client: FlaskClient
) -> None:
    _cycle, (pid, _other), reviewers = _finalists(app, client)
    visit = client.put(
        f"/v1/proposals/{pid}/visit",
        json={
            "starts_at": _at(50),
            "duration_minutes": 120,
            "address": "Jl. Panglima Sudirman 1, Probolinggo",
            "team": [{"reviewer_id": reviewers[2]["id"]}, {"name": "Ibu Sari (Bappeda)"}],
        },
        headers=auth(ADMIN),
    )
    assert visit.status_code == 200, visit.json
    assert [m["name"] for m in visit.json["team"]] == ["Penilai 2", "Ibu Sari (Bappeda)"]
    event = outbox_events(app, "proposal.visit_scheduled")[-1].data
    assert event["team"] == [
        {"reviewer_id": reviewers[2]["id"], "name": "Penilai 2"},
        {"reviewer_id": None, "name": "Ibu Sari (Bappeda)"},
    ]
    assert event["reviewer_ids"] == [reviewers[2]["id"]]
    assert event["address"] == "Jl. Panglima Sudirman 1, Probolinggo"

    past = client.put(
        f"/v1/proposals/{pid}/presentation",
        json={"starts_at": _at(-1), "duration_minutes": 30, "place": "Aula"},
        headers=auth(ADMIN),
    )
    assert past.status_code == 422 and "starts_at" in past.json["errors"]
    nowhere = client.put(
        f"/v1/proposals/{pid}/presentation",
        json={"starts_at": _at(5), "duration_minutes": 30},
        headers=auth(ADMIN),
    )
    assert nowhere.status_code == 422 and "place" in nowhere.json["errors"]
    stranger = client.put(
        f"/v1/proposals/{pid}/visit",
        json={
            "starts_at": _at(5),
            "duration_minutes": 30,
            "address": "Kantor",
            "team": [{"reviewer_id": "no-such-reviewer"}],
        },
        headers=auth(ADMIN),
    )
    assert stranger.status_code == 422 and "team.0.reviewer_id" in stranger.json["errors"]
    own_agency = create_account(client, agency_code=AGENCIES[0], name="Penilai DINKES")
    conflicted = client.put(
        f"/v1/proposals/{pid}/visit",
        json={
            "starts_at": _at(5),
            "duration_minutes": 30,
            "address": "Kantor",
            "team": [{"reviewer_id": own_agency["id"]}],
        },
        headers=auth(ADMIN),
    )
    assert conflicted.status_code == 422, "nobody visits their own agency's innovation"
    assert "Conflict of interest" in conflicted.json["errors"]["team.0.reviewer_id"][0]

    received = submitted_event(AGENCIES[3])
    deliver(app, received)
    not_finalist = client.put(
        f"/v1/proposals/{received.subject}/presentation",
        json={"starts_at": _at(5), "duration_minutes": 30, "place": "Aula"},
        headers=auth(ADMIN),
    )
    assert not_finalist.status_code == 409
    assert not_finalist.json["code"] == "proposal.not_a_finalist"
    unknown = client.put(
        "/v1/proposals/no-such-proposal/visit",
        json={"starts_at": _at(5), "duration_minutes": 30, "address": "x", "team": [{"name": "A"}]},
        headers=auth(ADMIN),
    )
    assert unknown.status_code == 404

    observer = create_account(client, role="observer")
    seen = client.get(
        f"/v1/proposals/{pid}/schedule", headers=auth(login(client, observer["email"]))
    )
    assert seen.status_code == 200
    assert [(a["kind"], a["status"]) for a in seen.json["items"]] == [("visit", "scheduled")]
    reviewer = login(client, reviewers[0]["email"])
    assert client.get(f"/v1/proposals/{pid}/schedule", headers=auth(reviewer)).status_code == 403
    refused = client.put(
        f"/v1/proposals/{pid}/visit",
        json={"starts_at": _at(5), "duration_minutes": 30, "address": "x", "team": [{"name": "A"}]},
        headers=auth(login(client, observer["email"])),
    )
    assert refused.status_code == 403, "observers read, never schedule"


def test_the_day_before_reminder_goes_once_per_schedule_whatever_the_workers(
    app: Flask, client: FlaskClient
) -> None:
    _cycle, (soon, later), _reviewers = _finalists(app, client)
    for pid, hours in ((soon, 20), (later, 60)):
        answer = client.put(
            f"/v1/proposals/{pid}/presentation",
            json={"starts_at": _at(hours), "duration_minutes": 30, "place": "Aula"},
            headers=auth(ADMIN),
        )
        assert answer.status_code == 200, answer.json
    work = work_factory(engine_of(app))
    assert send_due_appointment_reminders(work) == 1
    # A second worker (or the same one after a restart) finds nothing left to remind.
    assert send_due_appointment_reminders(work_factory(engine_of(app))) == 0
    reminders = outbox_events(app, "proposal.appointment_reminder_due")
    assert [(e.subject, e.data["kind"]) for e in reminders] == [(soon, "presentation")]

    moved = client.put(
        f"/v1/proposals/{soon}/presentation",
        json={"starts_at": _at(22), "duration_minutes": 30, "place": "Ruang Rapat 2"},
        headers=auth(ADMIN),
    )
    assert moved.status_code == 200
    assert send_due_appointment_reminders(work) == 1, "a new time is reminded again"
    assert send_due_appointment_reminders(work) == 0
    latest = outbox_events(app, "proposal.appointment_reminder_due")[-1].data
    assert (latest["place"], latest["change"]) == ("Ruang Rapat 2", "rescheduled")
    client.delete(f"/v1/proposals/{later}/presentation", headers=auth(ADMIN))
    assert send_due_appointment_reminders(work, datetime.now(UTC) + timedelta(hours=40)) == 0


def test_with_field_verification_only_a_verified_finalist_is_awarded(
    app: Flask, client: FlaskClient
) -> None:
    cycle, (verified, unverified), _reviewers = _finalists(app, client, field_verification=True)
    assert cycle["field_verification"] is True
    passed = client.post(
        f"/v1/proposals/{verified}/verification",
        json={"result": "pass", "note": "Layanan berjalan di 3 puskesmas"},
        headers=auth(ADMIN),
    )
    assert passed.status_code == 200
    recorded = outbox_events(app, "proposal.visit_recorded")[-1].data
    assert (recorded["proposal_id"], recorded["verified"], recorded["result"]) == (
        verified,
        True,
        "pass",
    )
    assert recorded["notes"] == "Layanan berjalan di 3 puskesmas"

    refused = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"awards": [{"proposal_id": verified}, {"proposal_id": unverified}]},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "award.unverified_finalist"
    assert unverified in refused.json["detail"] and verified not in refused.json["detail"]
    assert outbox_events(app, "proposal.awarded") == [], "nothing was decided"

    awarded = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"awards": [{"proposal_id": verified, "award": "Terbaik"}]},
        headers=auth(ADMIN),
    )
    assert awarded.status_code == 200, awarded.json
    assert awarded.json == {"awarded": [verified], "not_awarded": [unverified]}


def test_without_field_verification_an_unvisited_finalist_can_win(
    app: Flask, client: FlaskClient
) -> None:
    cycle, (first, _second), _reviewers = _finalists(app, client)
    assert cycle["field_verification"] is False
    awarded = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"awards": [{"proposal_id": first}]},
        headers=auth(ADMIN),
    )
    assert awarded.status_code == 200, awarded.json
    assert awarded.json["awarded"] == [first]
