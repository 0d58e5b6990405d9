"""Helpers for the review service's tests: an app on a real database, proposal events, accounts."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from werkzeug.serving import make_server

from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL
from services.notification import store as notification_store
from services.notification.app import create_app as create_notification_app
from services.notification.config import NotificationConfig, NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.usecases.recording import configured_recorder
from services.review import store
from services.review.adapters.mailer import MemoryMailer
from services.review.app import create_app
from services.review.config import ReviewSettings
from services.review.consumers import HANDLERS
from shared.events.catalog import (
    AGENCY_REGISTERED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    spec_for,
)
from shared.events.envelope import Event, from_record
from shared.events.inbox import dispatcher
from shared.platform.settings import Settings

ADMIN = "review-admin-token"
PASSWORD = "correct horse battery"
AGENCIES = ("DINKES", "DISDIK", "DISHUB", "BAPPEDA", "PDAM")
CATEGORIES = ("health", "education", "transportation", "governance", "water")


def make_app(database_url: str, mailer: MemoryMailer | None = None, **review: Any) -> Flask:
    """The review app; its invitation and reset emails go to ``mailer`` (a MemoryMailer)."""
    return create_app(
        Settings(service="review", database_url=database_url, admin_token=ADMIN),
        ReviewSettings(secret_key="test-secret", **review),
        mailer=mailer or MemoryMailer(),
    )


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["inagara"].engine
    return engine


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submitted_event(
    agency_code: str = "DINKES",
    *,
    proposal_id: str | None = None,
    version: int = 1,
    submitted_at: datetime | None = None,
    cycle_id: str | None = None,
    type: str = PROPOSAL_SUBMITTED,
    agency_type: str | None = None,
    **profile_changes: Any,
) -> Event:
    spec = spec_for(type)
    proposal_id = proposal_id or str(uuid.uuid4())
    profile = copy.deepcopy(DEMO_PROPOSAL) | {"title": f"Inovasi {agency_code} {proposal_id[:6]}"}
    profile.update(profile_changes)
    data = spec.schema().dump(
        spec.schema().load(
            {
                "proposal_id": proposal_id,
                "version": version,
                "agency": {
                    "id": f"agency-{agency_code}",
                    "code": agency_code,
                    "name": f"Dinas {agency_code}",
                    "type": agency_type,
                },
                "submitted_at": (submitted_at or datetime.now(UTC)).isoformat(),
                "profile": profile,
                "cycle_id": cycle_id,
            }
        )
    )
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=proposal_id,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=proposal_id,
    )


def withdrawn_event(proposal_id: str, agency_code: str = "DINKES") -> Event:
    spec = spec_for(PROPOSAL_WITHDRAWN)
    data = {
        "proposal_id": proposal_id,
        "version": 1,
        "agency": {
            "id": f"agency-{agency_code}",
            "code": agency_code,
            "name": f"Dinas {agency_code}",
        },
        "withdrawn_at": datetime.now(UTC).isoformat(),
        "reason": "changed our mind",
    }
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=proposal_id,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=proposal_id,
    )


def deliver(app: Flask, event: Event) -> None:
    """What the worker's consumer does with a record: the handler, once, in the inbox transaction."""
    dispatcher(engine_of(app), store.inbox, HANDLERS)(event)


def agency_event(
    code: str,
    *,
    kind: str = "dinas",
    parent_code: str | None = None,
    name: str | None = None,
    type: str = AGENCY_REGISTERED,
    changed_at: datetime | None = None,
) -> Event:
    """``agency.registered`` (or ``type``) as the submission service announces an agency."""
    spec = spec_for(type)
    data = spec.validator.dump(
        {
            "agency_id": f"agency-{code}",
            "code": code,
            "name": name or f"Dinas {code}",
            "kind": kind,
            "parent_code": parent_code,
            "changed_at": changed_at or datetime.now(UTC),
        }
    )
    return Event.first(spec.type, "/inagara/submission", f"agency-{code}", data, spec.dataschema)


def register_agency(app: Flask, code: str, **fields: Any) -> None:
    """The review service hears of the agency, as its worker would from the submission service."""
    deliver(app, agency_event(code, **fields))


def create_account(client: FlaskClient, token: str = ADMIN, **fields: Any) -> dict[str, Any]:
    """An account; its agency is registered first (the review service refuses unknown codes)."""
    code = fields.get("agency_code", "BKPSDM")
    known = client.get("/v1/agencies", headers=auth(ADMIN)).json["items"]
    if code and code.strip().casefold() not in {a["code"].casefold() for a in known}:
        register_agency(client.application, code.strip())
    body = {
        "name": "Reviewer",
        "email": f"r-{uuid.uuid4().hex[:8]}@example.go.id",
        "password": PASSWORD,
        "agency_code": "BKPSDM",
        "expertise": [],
        "max_load": 20,
        **fields,
    }
    response = client.post("/v1/users", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return dict(response.json)


def login(client: FlaskClient, email: str) -> str:
    response = client.post("/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.json
    return str(response.json["token"])


def create_cycle(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "name": "Inovasi Daerah 2026",
        "year": 2026,
        "submission_opens_at": (now - timedelta(days=30)).isoformat(),
        "submission_closes_at": (now + timedelta(days=30)).isoformat(),
        "review_deadline": (now + timedelta(days=60)).isoformat(),
        "reviewers_per_proposal": 3,
        "shortlist_size": 3,
        "award_count": 2,
        **fields,
    }
    response = client.post("/v1/cycles", json=body, headers=auth(ADMIN))
    assert response.status_code == 201, response.json
    return dict(response.json)


def outbox_events(app: Flask, type: str | None = None) -> list[Event]:
    with engine_of(app).connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    events = [
        from_record(r.key, r.value, [(name, value.encode()) for name, value in r.headers])
        for r in rows
    ]
    return [e for e in events if type is None or e.type == type]


def scores_for(rubric: dict[str, Any], level: int) -> dict[str, int]:
    """One score per criterion: ``level`` clipped to each criterion's scale."""
    return {c["key"]: max(c["scale_min"], min(c["scale_max"], level)) for c in rubric["criteria"]}


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


NOTIFICATION_CONFIG = NotificationConfig(secret_key="preview-secret")


class NotificationServer:
    """The notification web app on a local port, and what its worker would record."""

    def __init__(self, database_url: str) -> None:
        self.settings = NotificationSettings(
            service="notification",
            database_url=database_url,
            admin_token=ADMIN,
            whatsapp_api_url="http://127.0.0.1:9",
            whatsapp_phone_number_id="100000000000001",
        )
        self.app = create_notification_app(self.settings, NOTIFICATION_CONFIG)
        self.server = make_server("127.0.0.1", free_port(), self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def record(self, event: Event) -> None:
        recorder = configured_recorder(self.settings, NOTIFICATION_CONFIG)
        engine = self.app.extensions["inagara"].engine
        dispatcher(engine, notification_store.inbox, handlers_for(recorder))(event)


def reopened_event(proposal_id: str, agency_code: str = "DINKES") -> Event:
    """``proposal.reopened`` as the submission service sends it."""
    spec = spec_for("proposal.reopened")
    data = {
        "proposal_id": proposal_id,
        "version": 1,
        "agency": {
            "id": f"agency-{agency_code}",
            "code": agency_code,
            "name": f"Dinas {agency_code}",
        },
        "reopened_at": datetime.now(UTC).isoformat(),
        "cycle_id": None,
        "status": "in_review",
    }
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=proposal_id,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=proposal_id,
    )


def addendum_event(proposal_id: str, note: str, agency_code: str = "DINKES") -> Event:
    """``proposal.addendum_added`` as the submission service sends it."""
    spec = spec_for("proposal.addendum_added")
    addendum_id = str(uuid.uuid4())
    data = {
        "proposal_id": proposal_id,
        "addendum_id": addendum_id,
        "version": 1,
        "agency": {
            "id": f"agency-{agency_code}",
            "code": agency_code,
            "name": f"Dinas {agency_code}",
        },
        "note": note,
        "file": {
            "id": addendum_id,
            "filename": "foto-lapangan.pdf",
            "content_type": "application/pdf",
            "size": 2048,
            "sha256": "a" * 64,
        },
        "added_at": datetime.now(UTC).isoformat(),
    }
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=proposal_id,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=proposal_id,
    )
