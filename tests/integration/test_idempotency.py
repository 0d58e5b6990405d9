"""The one ``Idempotency-Key`` implementation (``shared.web.idempotency``), on a real database.

A tiny app of its own: a creating view that counts what it did, so each case
can say whether the work ran again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient
from flask_smorest import Blueprint
from sqlalchemy import Engine, MetaData

from shared.platform.db import make_engine
from shared.web import ProblemApi
from shared.web.idempotency import HEADER, REPLAYED, Idempotency, idempotency_table

metadata = MetaData()
keys = idempotency_table(metadata, "test_idempotency_keys")


class Things:
    """The view's side effects, and a gate to hold a request in flight."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next = False


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def things() -> Things:
    return Things()


@pytest.fixture
def client(engine: Engine, things: Things) -> FlaskClient:
    app = Flask("idempotency-test")
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    api = ProblemApi(app)
    blp = Blueprint("things", __name__)
    idempotent = Idempotency(
        keys,
        principal=lambda: g.principal,
        engine=lambda: engine,
        scrub=lambda body: {**body, "secret": None},
    )

    @blp.route("/things", methods=["POST"])
    @idempotent
    def create() -> Any:
        things.entered.set()
        things.gate.wait(10)
        if things.fail_next:
            things.fail_next = False
            return {"title": "broken"}, 500
        thing = {"n": len(things.created) + 1, "secret": "shown-once", **request.get_json()}
        things.created.append(thing)
        return thing, 201, {"Location": f"/things/{thing['n']}"}

    @app.before_request
    def who() -> None:
        g.principal = request.headers.get("X-Caller", "agency-1")

    api.register_blueprint(blp)
    return app.test_client()


def post(client: FlaskClient, body: dict[str, Any], key: str = "k-1", **headers: str) -> Any:
    return client.post("/things", json=body, headers={HEADER: key, **headers})


def test_a_retry_gets_the_first_answer_and_nothing_is_done_twice(
    client: FlaskClient, things: Things
) -> None:
    first = post(client, {"title": "A"})
    again = post(client, {"title": "A"})

    assert first.status_code == again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.headers["Location"] == first.headers["Location"] == "/things/1"
    assert again.get_json() == {**first.get_json(), "secret": None}
    assert len(things.created) == 1


def test_the_same_key_with_another_body_is_a_422(client: FlaskClient, things: Things) -> None:
    post(client, {"title": "A"})

    answer = post(client, {"title": "B"})

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert len(things.created) == 1


def test_keys_are_per_caller(client: FlaskClient, things: Things) -> None:
    post(client, {"title": "A"}, **{"X-Caller": "agency-1"})
    other = post(client, {"title": "A"}, **{"X-Caller": "agency-2"})

    assert other.status_code == 201 and REPLAYED not in other.headers
    assert len(things.created) == 2


def test_a_retry_while_the_first_is_running_is_a_409_at_once(
    client: FlaskClient, things: Things
) -> None:
    things.gate.clear()
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(post(client, {"title": "A"})))
    first.start()
    assert things.entered.wait(10)

    concurrent = post(client, {"title": "A"})

    things.gate.set()
    first.join(10)
    assert concurrent.status_code == 409
    assert concurrent.mimetype == "application/problem+json"
    assert answers[0].status_code == 201
    assert len(things.created) == 1
    assert post(client, {"title": "A"}).headers[REPLAYED] == "true"


def test_a_failed_request_releases_its_key(client: FlaskClient, things: Things) -> None:
    things.fail_next = True
    assert post(client, {"title": "A"}).status_code == 500

    retry = post(client, {"title": "A"})

    assert retry.status_code == 201 and REPLAYED not in retry.headers
    assert len(things.created) == 1


def test_without_a_key_every_request_does_the_work(client: FlaskClient, things: Things) -> None:
    client.post("/things", json={"title": "A"})
    client.post("/things", json={"title": "A"})

    assert len(things.created) == 2


def test_an_overlong_key_is_a_422(client: FlaskClient, things: Things) -> None:
    assert post(client, {"title": "A"}, key="k" * 201).status_code == 422
    assert things.created == []
