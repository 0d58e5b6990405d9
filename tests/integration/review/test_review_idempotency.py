"""``Idempotency-Key`` on review's creating POSTs: the shared implementation, on a real database.

The same documented behaviour as submission's: a retry gets the first answer
(``Idempotent-Replayed: true``) and nothing is created twice; the same key with
another body is a 422; a retry while the first is still running is a 409 at
once; a first request that failed releases its key.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.review.store.tables import idempotency_keys
from services.review.usecases import accounts
from shared.web.idempotency import HEADER, REPLAYED
from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    auth,
    create_account,
    create_cycle,
    engine_of,
    login,
    make_app,
    outbox_events,
    register_agency,
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    register_agency(app, "BKPSDM")  # the accounts' agency, as the submission service announces it
    yield app
    engine_of(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def account(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Reviewer",
        "email": f"r-{uuid.uuid4().hex[:8]}@example.go.id",
        "password": PASSWORD,
        "agency_code": "BKPSDM",
        "expertise": [],
        "max_load": 5,
        **fields,
    }


def post_user(client: FlaskClient, body: dict[str, Any], key: str = "user-1") -> Any:
    return client.post("/v1/users", json=body, headers={**auth(ADMIN), HEADER: key})


def users(client: FlaskClient) -> list[dict[str, Any]]:
    return list(client.get("/v1/users", headers=auth(ADMIN)).json["items"])


def test_a_retried_account_gets_the_first_answer_replayed(client: FlaskClient) -> None:
    body = account()
    first = post_user(client, body)
    again = post_user(client, body)

    assert first.status_code == again.status_code == 201
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert again.json == first.json
    assert [u["email"] for u in users(client)].count(body["email"]) == 1


def test_the_same_key_with_another_body_is_a_422(client: FlaskClient) -> None:
    assert post_user(client, account(name="Siti")).status_code == 201

    other = post_user(client, account(name="Budi"))

    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert HEADER in other.json["detail"]
    assert [u["name"] for u in users(client)].count("Budi") == 0


def test_a_retried_cycle_is_replayed_with_its_event_published_once(
    app: Flask, client: FlaskClient
) -> None:
    cycle = create_cycle(client)
    body = {
        k: cycle[k]
        for k in ("name", "year", "submission_opens_at", "submission_closes_at", "review_deadline")
    } | {"year": 2031}
    headers = {**auth(ADMIN), HEADER: "cycle-2031"}

    first = client.post("/v1/cycles", json=body, headers=headers)
    again = client.post("/v1/cycles", json=body, headers=headers)
    other = client.post("/v1/cycles", json={**body, "year": 2032}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true" and again.json == first.json
    assert other.status_code == 422
    assert len(outbox_events(app, "cycle.scheduled")) == 2


def test_a_retry_while_the_first_is_running_is_a_409_at_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, gate = threading.Event(), threading.Event()
    create_user = accounts.create_user

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        gate.wait(10)
        return create_user(*args, **kwargs)

    monkeypatch.setattr(accounts, "create_user", held)
    body = account()
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(post_user(client, body)))
    first.start()
    try:
        assert entered.wait(10)
        concurrent = post_user(client, body)
    finally:
        gate.set()
        first.join(10)

    assert concurrent.status_code == 409
    assert concurrent.mimetype == "application/problem+json"
    assert "still running" in concurrent.json["detail"]
    assert answers[0].status_code == 201
    assert [u["email"] for u in users(client)].count(body["email"]) == 1
    assert post_user(client, body).headers[REPLAYED] == "true"


def test_the_answer_is_stored_with_the_account_it_created(app: Flask, client: FlaskClient) -> None:
    created = post_user(client, account(), key="stored").json

    with engine_of(app).connect() as conn:
        row = conn.execute(select(idempotency_keys).where(idempotency_keys.c.key == "stored")).one()

    assert (row.status_code, row.body["id"]) == (201, created["id"])


def test_a_refused_first_request_releases_its_key(client: FlaskClient) -> None:
    taken = create_account(client)["email"]
    refused = post_user(client, account(email=taken), key="retry-me")
    assert refused.status_code == 409 and REPLAYED not in refused.headers

    # The key is free again: the same request is tried again (and refused again), not replayed.
    again = post_user(client, account(email=taken), key="retry-me")
    assert again.status_code == 409 and REPLAYED not in again.headers


def test_keys_are_per_caller(client: FlaskClient) -> None:
    secretariat = create_account(client, role="secretariat")
    token = login(client, secretariat["email"])
    body = account()

    mine = post_user(client, body, key="shared-key")
    theirs = client.post(
        "/v1/users",
        json={**body, "email": f"x-{body['email']}"},
        headers={**auth(token), HEADER: "shared-key"},
    )

    assert mine.status_code == theirs.status_code == 201
    assert REPLAYED not in theirs.headers


def test_an_overlong_key_is_a_422_and_creates_nothing(client: FlaskClient) -> None:
    body = account()

    assert post_user(client, body, key="k" * 201).status_code == 422
    assert body["email"] not in [u["email"] for u in users(client)]
