"""A reopened proposal and an addendum in review, on a real database (issue 15, item 5):
back to the stage the withdrawal left with the same assignments and no second
``review.assigned``; addenda kept once and shown to the proposal's reviewers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    addendum_event,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    outbox_events,
    reopened_event,
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


def proposal(client: FlaskClient, pid: str) -> dict:
    return dict(client.get(f"/v1/proposals/{pid}", headers=auth(ADMIN)).json)


def test_a_reopened_proposal_is_back_with_its_reviewers_and_nobody_is_told_twice(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = create_account(client, agency_code="X")
    create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    (assigned,) = outbox_events(app, "review.assigned")
    deliver(app, withdrawn_event(event.subject))
    token = auth(login(client, reviewer["email"]))
    assert client.get("/v1/assignments", headers=token).json["items"] == []

    deliver(app, reopened_event(event.subject))

    assert proposal(client, event.subject)["status"] == "assigned"
    (back,) = client.get("/v1/assignments", headers=token).json["items"]
    assert back["id"] == assigned.data["assignment_id"], "the same assignment, pending again"
    assert len(outbox_events(app, "review.assigned")) == 1, "no second notice to the reviewer"
    deliver(app, reopened_event(event.subject))  # a second copy changes nothing
    assert len(outbox_events(app, "review.assigned")) == 1
    assert proposal(client, event.subject)["status"] == "assigned"
    secretary = create_account(client, role="secretariat", name="Sekretariat")
    office = app.test_client()
    page = office.get("/ui/login").data
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]
    office.post(
        "/ui/login", data={"email": secretary["email"], "password": PASSWORD, "csrf_token": csrf}
    )
    html = office.get(f"/ui/proposals/{event.subject}").get_data(as_text=True)
    assert "membuka kembali usulan" in html and "withdrawn from" not in html


def test_an_addendum_reaches_the_reviewers_page_and_the_api(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = create_account(client, agency_code="X")
    create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    note = "Foto lapangan <b>uji coba</b> di Posyandu Melati"
    added = addendum_event(event.subject, note)
    deliver(app, added)
    deliver(app, added)  # redelivered: kept once

    (kept,) = proposal(client, event.subject)["addenda"]
    assert kept["note"] == note and kept["file"]["filename"] == "foto-lapangan.pdf"
    browser = app.test_client()
    page = browser.get("/ui/login").data
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]
    browser.post(
        "/ui/login", data={"email": reviewer["email"], "password": PASSWORD, "csrf_token": csrf}
    )
    token = auth(login(client, reviewer["email"]))
    (assignment,) = client.get("/v1/assignments", headers=token).json["items"]
    html = browser.get(f"/ui/assignments/{assignment['id']}").get_data(as_text=True)
    assert 'id="addenda"' in html and "foto-lapangan.pdf" in html
    assert "Foto lapangan &lt;b&gt;uji coba&lt;/b&gt;" in html, "escaped, never markup"


def test_the_cycles_policy_per_agency_travels_and_the_participation_view_reports_it(
    app: Flask, client: FlaskClient
) -> None:
    from tests.integration.review.support import register_agency

    for code in ("DINKES", "DISDIK"):
        register_agency(app, code)
    refused = client.post(
        "/v1/cycles",
        json={**_cycle_body(), "min_per_agency": 2, "max_per_agency": 1},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 422 and "max_per_agency" in refused.json["errors"]
    cycle = create_cycle(client, min_per_agency=1, max_per_agency=2)
    (scheduled,) = [e for e in outbox_events(app, "cycle.scheduled") if e.subject == cycle["id"]]
    assert (scheduled.data["min_per_agency"], scheduled.data["max_per_agency"]) == (1, 2)
    deliver(app, submitted_event("DINKES", cycle_id=cycle["id"]))

    report = client.get(f"/v1/cycles/{cycle['id']}/participation", headers=auth(ADMIN)).json
    assert report["min_per_agency"] == 1 and report["max_per_agency"] == 2
    assert report["below_minimum"] == ["DISDIK"]
    changed = client.patch(
        f"/v1/cycles/{cycle['id']}", json={"max_per_agency": 3}, headers=auth(ADMIN)
    )
    assert changed.status_code == 200, changed.json
    assert outbox_events(app, "cycle.scheduled")[-1].data["max_per_agency"] == 3


def _cycle_body() -> dict:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return {
        "name": "Inovasi Daerah 2026",
        "year": 2026,
        "submission_opens_at": (now - timedelta(days=1)).isoformat(),
        "submission_closes_at": (now + timedelta(days=30)).isoformat(),
        "review_deadline": (now + timedelta(days=60)).isoformat(),
    }
