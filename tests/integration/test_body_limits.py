"""Request body limits in every service (DESIGN: Bad input): every route that takes a body
refuses one over the limit with 413 problem+json, whether it declares its length or
comes chunked (which werkzeug alone would cut off silently at the limit); a chunked body
within the limit arrives whole; evidence uploads have their own, larger limit."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from deploy.local.stack import DEMO_PROPOSAL
from services.notification.app import create_app as notification_app
from services.review.app import create_app as review_app
from services.review.config import ReviewSettings
from services.submission.app import create_app as submission_app
from shared.platform.settings import Settings
from tools.services import by_name

ADMIN = "body-limits-admin"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
LIMIT = 16 * 1024
EVIDENCE_LIMIT = 100_000
FACTORIES: dict[str, Callable[[Settings], Flask]] = {
    "submission": submission_app,
    # The review service's largest route is an objection's file: bounded here like evidence.
    "review": lambda settings: review_app(
        settings,
        ReviewSettings(secret_key="test-secret", objection_max_file_bytes=EVIDENCE_LIMIT),
    ),
    "notification": notification_app,
}
# Routes that take no body and never read one: what is sent is not buffered, only dropped.
NO_BODY = {
    ("notification", "/v1/deliveries/<delivery_id>/retry"),
    ("notification", "/unsubscribe"),
}
# One valid request per service that creates something, to send chunked.
VALID: dict[str, tuple[str, str, dict[str, Any]]] = {
    "submission": ("POST", "/v1/agencies", {"code": "AGX", "name": "Dinas", "type": "dinas"}),
    "review": (
        "POST",
        "/v1/users",
        {
            "name": "Reviewer",
            "email": "limits@example.go.id",
            "password": "correct horse battery",
            "agency_code": "",  # a registered code or none (the register is empty here)
            "expertise": [],
            "max_load": 5,
        },
    ),
    "notification": ("PUT", "/v1/preferences/limits@example.go.id", {"sms": False}),
}


def make_app(service: str, database_url: str, tmp_path: Path) -> Flask:
    settings = by_name(service).settings_for(
        database_url=database_url,
        admin_token=ADMIN,
        max_body_bytes=LIMIT,
        evidence_dir=str(tmp_path / "evidence"),
        max_evidence_file_bytes=EVIDENCE_LIMIT,
    )
    return FACTORIES[service](settings)


@pytest.fixture(params=sorted(FACTORIES))
def service_app(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[tuple[str, Flask]]:
    app = make_app(request.param, database_url, tmp_path)
    yield request.param, app
    app.extensions["inagara"].engine.dispose()


def chunked(client: FlaskClient, method: str, path: str, body: bytes, **headers: str) -> Any:
    """Sent as gunicorn hands on a chunked request: no length, the stream ends the body."""
    return client.open(
        path,
        method=method,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", **AUTH, **headers},
        environ_base={"wsgi.input_terminated": True},
    )


def assert_too_large(response: Any, what: str) -> None:
    assert response.status_code == 413, (what, response.status_code, response.get_data()[:200])
    assert response.mimetype == "application/problem+json", what
    assert response.get_json()["status"] == 413


def routes_with_bodies(app: Flask, service: str) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            if (service, rule.rule) not in NO_BODY:
                found.append((method, re.sub(r"<(?:\w+:)?\w+>", "x", rule.rule)))
    return found


def test_every_route_refuses_an_oversize_body(service_app: tuple[str, Flask]) -> None:
    service, app = service_app
    client = app.test_client()
    body = json.dumps({"text": "a" * (LIMIT + 1)}).encode()
    routes = routes_with_bodies(app, service)
    assert routes, "no route takes a body: the sweep would test nothing"
    for method, path in routes:
        json_type = {"Content-Type": "application/json"}
        declared = client.open(path, method=method, data=body, headers={**AUTH, **json_type})
        assert_too_large(declared, f"{method} {path} with Content-Length")
        assert_too_large(chunked(client, method, path, body, **json_type), f"chunked {path}")


def test_a_chunked_body_within_the_limit_arrives_whole(service_app: tuple[str, Flask]) -> None:
    service, app = service_app
    method, path, fields = VALID[service]
    body = json.dumps(fields).encode()
    padded = body + b" " * (LIMIT - len(body))  # JSON allows the trailing blanks
    response = chunked(
        app.test_client(), method, path, padded, **{"Content-Type": "application/json"}
    )
    assert response.status_code in {200, 201}, response.get_json()


def test_a_chunked_body_over_the_largest_limit_is_refused_before_it_is_read(
    database_url: str, tmp_path: Path
) -> None:
    app = make_app("review", database_url, tmp_path)
    try:
        endless = b"x" * (EVIDENCE_LIMIT + 65536 + 1)
        response = chunked(app.test_client(), "POST", "/v1/users", endless)
        assert_too_large(response, "a body over the largest limit")
        assert response.headers["Connection"] == "close"
    finally:
        app.extensions["inagara"].engine.dispose()


def test_evidence_uploads_have_their_own_larger_limit(database_url: str, tmp_path: Path) -> None:
    app = make_app("submission", database_url, tmp_path)
    client = app.test_client()
    try:
        agency = client.post(
            "/v1/agencies",
            json={"code": f"AG{uuid.uuid4().hex[:6]}", "name": "Dinas", "type": "dinas"},
            headers=AUTH,
        ).get_json()
        key = client.post(
            f"/v1/agencies/{agency['id']}/keys", json={"role": "agency_admin"}, headers=AUTH
        ).get_json()["secret"]
        proposal = client.post(
            "/v1/proposals?draft=true",
            json=DEMO_PROPOSAL,
            headers={"Authorization": f"Bearer {key}"},
        ).get_json()
        path = f"/v1/proposals/{proposal['id']}/evidence"

        def send(size: int, *, streamed: bool) -> Any:
            boundary, data = encode_multipart(
                {"file": FileStorage(io.BytesIO(b"%PDF-" + b"0" * (size - 5)), "laporan.pdf")}
            )
            headers = {
                "Authorization": f"Bearer {key}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            }
            if streamed:
                return chunked(client, "POST", path, data, **headers)
            return client.post(path, data=data, headers=headers)

        # Over the JSON limit, within the evidence limit: taken, declared or chunked.
        first = send(LIMIT * 2, streamed=False)
        assert first.status_code == 201, first.get_json()
        assert send(LIMIT * 3, streamed=True).status_code == 201
        # Within the transport allowance but over the file limit; then over both.
        assert_too_large(send(EVIDENCE_LIMIT + 1, streamed=False), "a file over its limit")
        assert_too_large(send(EVIDENCE_LIMIT + 70_000, streamed=False), "declared multipart")
        assert_too_large(send(EVIDENCE_LIMIT + 70_000, streamed=True), "chunked multipart")
    finally:
        app.extensions["inagara"].engine.dispose()
