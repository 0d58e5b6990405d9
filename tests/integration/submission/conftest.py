"""The submission app over a real database (SQLite, and PostgreSQL when configured)
and real evidence storage in a temporary directory; review events go through the
real inbox dispatcher with the service's handlers."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from deploy.local.stack import DEMO_PROPOSAL
from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.consumers import HANDLERS
from shared.events.envelope import Event
from shared.events.inbox import dispatcher

ADMIN = "admin-token-for-tests"


def auth(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


def profile(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEMO_PROPOSAL)
    body.update(changes)
    return body


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> SubmissionSettings:
    return SubmissionSettings(
        service="submission",
        database_url=database_url,
        admin_token=ADMIN,
        max_body_bytes=64 * 1024,
        evidence_dir=str(tmp_path / "evidence"),
        max_evidence_file_bytes=100_000,
        max_evidence_bytes_per_proposal=150_000,
    )


@pytest.fixture
def app(settings: SubmissionSettings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Portal:
    """What a portal (and the secretariat) does, over the test client."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client
        self.deliver = dispatcher(app.extensions["inagara"].engine, store.inbox, HANDLERS)

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**auth(ADMIN), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def agency(self, code: str = "", **fields: Any) -> dict[str, Any]:
        body = {
            "code": code or f"AG{uuid.uuid4().hex[:8]}",
            "name": "Dinas Kesehatan",
            "type": "dinas",
        }
        response = self.admin("POST", "/v1/agencies", json={**body, **fields})
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def key(self, agency_id: str, role: str = "agency_admin") -> str:
        response = self.admin("POST", f"/v1/agencies/{agency_id}/keys", json={"role": role})
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["secret"])

    def as_agency(self, secret: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**auth(secret), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def draft(self, secret: str, **changes: Any) -> dict[str, Any]:
        response = self.as_agency(
            secret, "POST", "/v1/proposals?draft=true", json=profile(**changes)
        )
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def submitted(self, secret: str, **changes: Any) -> dict[str, Any]:
        response = self.as_agency(secret, "POST", "/v1/proposals", json=profile(**changes))
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def proposal(self, secret: str, proposal_id: str) -> dict[str, Any]:
        response = self.as_agency(secret, "GET", f"/v1/proposals/{proposal_id}")
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json())

    def timeline(self, secret: str, proposal_id: str) -> list[dict[str, Any]]:
        response = self.as_agency(secret, "GET", f"/v1/proposals/{proposal_id}/timeline")
        assert response.status_code == 200, response.get_json()
        return list(response.get_json()["items"])

    def review(self, *events: Event) -> None:
        for event in events:
            self.deliver(event)


@pytest.fixture
def portal(app: Flask, client: FlaskClient) -> Portal:
    return Portal(app, client)


@pytest.fixture
def agency(portal: Portal) -> dict[str, Any]:
    return portal.agency(
        "DINKES", contact_email="inovasi@dinkes.example.go.id", contact_phone="0812-3456-7890"
    )


@pytest.fixture
def admin_key(portal: Portal, agency: dict[str, Any]) -> str:
    return portal.key(agency["id"], "agency_admin")


@pytest.fixture
def drafter_key(portal: Portal, agency: dict[str, Any]) -> str:
    return portal.key(agency["id"], "drafter")
