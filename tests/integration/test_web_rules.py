"""The HTTP rules every service shares (shared/web/), tried on all three apps the
way a hostile portal would: deeply nested JSON, 405 without Allow, a wrong body
sent without credentials, unbounded numbers, frames and referrers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from services.notification.app import create_app as notification_app
from services.notification.config import NotificationConfig
from services.review.app import create_app as review_app
from services.review.config import ReviewSettings
from services.submission.app import create_app as submission_app
from tools.services import by_name

ADMIN = "web-rules-admin-token"
SERVICES = ("submission", "review", "notification")
# One creating POST of each service that needs a credential and takes a JSON body.
SECURED_POST = {
    "submission": "/v1/proposals",
    "review": "/v1/cycles",
    "notification": "/v1/preferences/siti@dinkes.example.go.id",
}
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi"


def _make(service: str, database_url: str, tmp_path: Path) -> Flask:
    settings = by_name(service).settings_for(
        database_url=database_url,
        admin_token=ADMIN,
        evidence_dir=str(tmp_path / "evidence"),
    )
    if service == "submission":
        return submission_app(settings)
    if service == "review":
        return review_app(settings, ReviewSettings(secret_key="web-rules"))
    return notification_app(settings, NotificationConfig(secret_key="web-rules"))


@pytest.fixture(params=SERVICES)
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = _make(request.param, database_url, tmp_path)
    app.config["SERVICE"] = request.param
    yield app
    app.extensions["inagara"].engine.dispose()


def _send(app: Flask, body: str, **headers: str) -> Any:
    path = SECURED_POST[app.config["SERVICE"]]
    method = "PUT" if app.config["SERVICE"] == "notification" else "POST"
    return app.test_client().open(
        path, method=method, data=body, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deeply_nested_json_is_a_400_not_a_crash(app: Flask, depth: int) -> None:
    body = "[" * depth + "]" * depth
    for headers in ({}, {"Authorization": f"Bearer {ADMIN}"}):
        response = _send(app, body, **headers)
        assert response.status_code in (400, 401), (headers, response.status_code)
        assert response.mimetype == "application/problem+json"
    response = _send(app, body, Authorization=f"Bearer {ADMIN}")
    assert response.status_code == 400, response.get_data()[:300]
    assert "nested" in response.get_json()["detail"]


def test_login_with_deeply_nested_json_is_a_400(database_url: str, tmp_path: Path) -> None:
    """The one /v1 POST that needs no credential."""
    app = _make("review", database_url, tmp_path)
    try:
        body = "[" * 50_000 + "]" * 50_000
        response = app.test_client().post(
            "/v1/auth/tokens", data=body, content_type="application/json"
        )
    finally:
        app.extensions["inagara"].engine.dispose()
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_405_says_which_methods_are_allowed(app: Flask) -> None:
    response = app.test_client().delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_a_method_a_route_lacks_is_a_405_whatever_the_body(app: Flask) -> None:
    """Found by schemathesis: a form sent with a method the route lacks was a 415."""
    path = SECURED_POST[app.config["SERVICE"]]  # none of them has PATCH
    response = app.test_client().patch(
        path,
        data={"x": "y"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_credentials_are_checked_before_the_body(app: Flask) -> None:
    """A caller without a valid credential learns nothing about what a valid body is."""
    for headers in ({}, {"Authorization": "Bearer not-a-credential"}):
        response = _send(app, json.dumps({"nonsense": True}), **headers)
        assert response.status_code == 401, (headers, response.get_json())
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_answer_forbids_framing_and_referrers(app: Flask) -> None:
    client = app.test_client()
    pages = ["/healthz", "/openapi.json", "/v1/nothing-here"]
    if app.config["SERVICE"] == "review":
        pages.append("/ui/login")
    for page in pages:
        headers = client.get(page).headers
        assert headers["X-Frame-Options"] == "DENY", page
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], page
        assert headers["Referrer-Policy"] == "no-referrer", page
        assert headers["X-Content-Type-Options"] == "nosniff", page
    if app.config["SERVICE"] == "review":
        policy = client.get("/ui/login").headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy


def test_a_huge_offset_is_a_422_not_a_crash(database_url: str, tmp_path: Path) -> None:
    app = _make("notification", database_url, tmp_path)
    try:
        response = app.test_client().get(
            "/v1/deliveries?offset=9223372036854775808",
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    finally:
        app.extensions["inagara"].engine.dispose()
    assert response.status_code == 422, response.get_json()
    assert "offset" in response.get_json()["errors"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_numeric_parameter_is_bounded(service: str) -> None:
    """Query and path numbers have a maximum, so none can overflow a database integer."""
    document = json.loads((OPENAPI / f"{service}.json").read_text())
    unbounded = []
    for path, operations in document["paths"].items():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for parameter in [*shared, *operation.get("parameters", [])]:
                schema = parameter.get("schema", {})
                if schema.get("type") in ("integer", "number") and "maximum" not in schema:
                    unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert not unbounded
