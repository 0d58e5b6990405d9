"""The agency-facing API over a real database: what it accepts, what it refuses, and that a refusal changes nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from deploy.local.stack import DEMO_PROPOSAL
from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from shared.events.catalog import PROPOSALS
from shared.events.envelope import from_record

ADMIN = "admin-token-for-tests"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        SubmissionSettings(
            service="submission",
            database_url=database_url,
            admin_token=ADMIN,
            max_body_bytes=64 * 1024,
        )
    )
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def new_key(app: Flask, code: str) -> str:
    with app.extensions["inagara"].engine.begin() as conn:
        agency = store.find_agency_by_code(conn, code) or store.create_agency(
            conn, code, f"Agency {code}", "dinas"
        )
        return store.add_api_key(conn, agency.id).secret


@pytest.fixture
def key(app: Flask) -> str:
    return new_key(app, "DINKES")


def auth(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


def counts(app: Flask) -> tuple[int, int]:
    with app.extensions["inagara"].engine.connect() as conn:
        proposals = conn.execute(select(func.count()).select_from(store.proposals)).scalar_one()
        outbox = conn.execute(select(func.count()).select_from(store.outbox)).scalar_one()
    return int(proposals), int(outbox)


def profile(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEMO_PROPOSAL)
    body.update(changes)
    return body


def test_a_submitted_proposal_is_stored_with_its_event_in_the_outbox(
    app: Flask, client: FlaskClient, key: str
) -> None:
    response = client.post("/v1/proposals", json=profile(), headers=auth(key))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "submitted"
    assert body["version"] == 1
    assert body["profile"]["innovators"][0]["phone"] == "+6281234567890"

    with app.extensions["inagara"].engine.connect() as conn:
        row = conn.execute(select(store.outbox)).one()
    assert row.topic == PROPOSALS
    event = from_record(row.key, row.value, [(n, v.encode()) for n, v in row.headers])
    assert event.type == "proposal.submitted"
    assert event.subject == body["id"] == event.data["proposal_id"]
    assert event.correlation_id == body["id"]
    assert event.data["profile"]["title"] == DEMO_PROPOSAL["title"]
    assert event.data["agency"]["code"] == "DINKES"

    again = client.get(f"/v1/proposals/{body['id']}", headers=auth(key))
    assert again.status_code == 200
    assert again.json == body


def test_the_same_idempotency_key_gives_the_same_answer_and_no_second_proposal(
    app: Flask, client: FlaskClient, key: str
) -> None:
    headers = auth(key, **{"Idempotency-Key": "portal-retry-1"})
    first = client.post("/v1/proposals", json=profile(), headers=headers)
    second = client.post("/v1/proposals", json=profile(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert counts(app) == (1, 1)

    different = client.post("/v1/proposals", json=profile(title="Another title"), headers=headers)
    assert different.status_code == 422
    assert "Idempotency-Key" in different.json["detail"]
    assert counts(app) == (1, 1)


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"]
    return dict(body)


def test_malformed_json_is_a_400(app: Flask, client: FlaskClient, key: str) -> None:
    response = client.post(
        "/v1/proposals",
        data='{"title": ',
        headers=auth(key, **{"Content-Type": "application/json"}),
    )
    problem_of(response, 400)
    assert counts(app) == (0, 0)


def test_a_body_that_is_not_json_is_a_415(app: Flask, client: FlaskClient, key: str) -> None:
    response = client.post(
        "/v1/proposals",
        data=json.dumps(profile()),
        headers=auth(key, **{"Content-Type": "text/plain"}),
    )
    assert "application/json" in problem_of(response, 415)["detail"]
    assert counts(app) == (0, 0)


def test_an_oversize_body_is_a_413(app: Flask, client: FlaskClient, key: str) -> None:
    response = client.post("/v1/proposals", json=profile(summary="x" * 100_000), headers=auth(key))
    problem_of(response, 413)
    assert counts(app) == (0, 0)


def test_invalid_fields_are_a_422_listing_each_field(
    app: Flask, client: FlaskClient, key: str
) -> None:
    body = profile(category="astrology", budget_idr="lots", unexpected="x")
    del body["title"]
    body["innovators"] = [{"name": "A", "email": "not-an-email", "phone": "12345"}]
    problem = problem_of(client.post("/v1/proposals", json=body, headers=auth(key)), 422)
    assert set(problem["errors"]) >= {
        "title",
        "category",
        "budget_idr",
        "unexpected",
        "innovators.0.email",
        "innovators.0.phone",
    }
    assert counts(app) == (0, 0)


def test_a_json_body_that_is_not_an_object_is_refused(
    app: Flask, client: FlaskClient, key: str
) -> None:
    response = client.post("/v1/proposals", json=[1, 2, 3], headers=auth(key))
    assert response.status_code in {400, 422}
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer wrong", "Basic abc", "Bearer inag_00000000_nope"]
)
def test_a_missing_or_wrong_key_is_a_401(
    app: Flask, client: FlaskClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post("/v1/proposals", json=profile(), headers=headers)
    assert problem_of(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert counts(app) == (0, 0)


def test_the_admin_token_is_not_an_agency_key(client: FlaskClient) -> None:
    problem_of(client.post("/v1/proposals", json=profile(), headers=auth(ADMIN)), 401)


def test_another_agencys_proposal_is_a_404_like_an_unknown_one(
    app: Flask, client: FlaskClient, key: str
) -> None:
    created = client.post("/v1/proposals", json=profile(), headers=auth(key)).json
    other = new_key(app, "DISDIK")
    foreign = problem_of(client.get(f"/v1/proposals/{created['id']}", headers=auth(other)), 404)
    unknown = problem_of(client.get("/v1/proposals/does-not-exist", headers=auth(key)), 404)
    assert foreign["detail"] == unknown["detail"]


def test_health_readiness_and_metrics_answer(client: FlaskClient) -> None:
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.json["checks"]["database"] is True
    assert "inagara_http_requests_total" in client.get("/metrics").get_data(as_text=True)
    assert client.get("/openapi.json").json["paths"]["/v1/proposals"]["post"]
