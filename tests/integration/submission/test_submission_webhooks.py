"""Webhook endpoints over the submission API: registered by the agency's administrator
(or the secretariat), the secret shown once, rotated, paused, deleted, each change an
event; internal addresses refused at registration under production settings."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from shared.events.catalog import WEBHOOK_ENDPOINT_CHANGED, WEBHOOK_ENDPOINT_DISABLED, spec_for
from shared.events.envelope import Event
from shared.platform.webhooks import endpoint_secret, secret_key
from tests.integration.submission.conftest import Portal, auth

LOOPBACK = "127.0.0.0/8,::1/128"


def _events(app: Flask) -> list[dict[str, Any]]:
    engine = app.extensions["inagara"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).mappings().all()
    return [
        {**r, "payload": json.loads(r["value"])}
        for r in rows
        if r["event_type"] == WEBHOOK_ENDPOINT_CHANGED
    ]


@pytest.fixture
def settings(settings: SubmissionSettings) -> SubmissionSettings:
    return replace(settings, webhook_allowed_networks=LOOPBACK)


def test_an_agency_admin_registers_rotates_pauses_and_deletes_an_endpoint(
    portal: Portal, app: Flask, settings: SubmissionSettings
) -> None:
    agency = portal.agency(contact_email="inovasi@dinkes.example.go.id")
    key = portal.key(agency["id"])
    base = f"/v1/agencies/{agency['id']}/webhooks"

    created = portal.as_agency(
        key,
        "POST",
        base,
        json={"url": "http://127.0.0.1:9/hooks/dinkes", "event_types": ["proposal.awarded"]},
    )
    assert created.status_code == 201, created.get_json()
    endpoint = created.get_json()
    assert endpoint["secret"] == endpoint_secret(secret_key(settings), endpoint["id"], 1)
    assert endpoint["secret"].startswith("whsec_")
    listed = portal.as_agency(key, "GET", base).get_json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]

    rotated = portal.as_agency(key, "POST", f"{base}/{endpoint['id']}/rotate").get_json()
    assert rotated["secret"] != endpoint["secret"]
    assert rotated["secret_generation"] == 2
    assert rotated["previous_secret_valid_until"] is not None

    paused = portal.as_agency(key, "PATCH", f"{base}/{endpoint['id']}", json={"state": "paused"})
    assert paused.status_code == 200 and paused.get_json()["state"] == "paused"
    assert portal.as_agency(key, "DELETE", f"{base}/{endpoint['id']}").status_code == 204
    assert portal.as_agency(key, "GET", f"{base}/{endpoint['id']}").status_code == 404

    changes = [e["payload"] for e in _events(app)]
    assert [(c["revision"], c["state"], c["generation"]) for c in changes] == [
        (1, "active", 1),
        (2, "active", 2),
        (3, "paused", 2),
        (4, "deleted", 2),
    ]
    assert all("secret" not in c for c in changes)
    assert changes[0]["contact_email"] == "inovasi@dinkes.example.go.id"


def disabled(endpoint: dict[str, Any], revision: int) -> Event:
    spec = spec_for(WEBHOOK_ENDPOINT_DISABLED)
    data = {
        "endpoint_id": endpoint["id"],
        "agency_id": endpoint["agency_id"],
        "revision": revision,
        "reason": "HTTP 500 in 12 ms: down",
        "disabled_at": "2026-12-03T01:02:03+00:00",
    }
    return Event(
        type=spec.type,
        source="/inagara/notification",
        subject=endpoint["id"],
        data=data,
        dataschema=spec.dataschema,
    )


def test_an_endpoint_the_notification_service_disabled_shows_disabled_until_changed(
    portal: Portal,
) -> None:
    agency = portal.agency()
    key = portal.key(agency["id"])
    base = f"/v1/agencies/{agency['id']}/webhooks"
    body = {"url": "http://127.0.0.1:9/hooks/x"}
    endpoint = portal.as_agency(key, "POST", base, json=body).get_json()
    url = f"{base}/{endpoint['id']}"

    portal.deliver(disabled(endpoint, revision=1))
    shown = portal.as_agency(key, "GET", url).get_json()
    assert shown["state"] == "disabled"
    assert shown["disabled_reason"] == "HTTP 500 in 12 ms: down"
    assert shown["disabled_at"].startswith("2026-12-03T01:02:03")
    listed = portal.as_agency(key, "GET", base).get_json()["items"]
    assert [e["state"] for e in listed] == ["disabled"]

    # Any change enables it again; a late disablement of an earlier revision changes nothing.
    enabled = portal.as_agency(key, "PATCH", url, json={"state": "active"}).get_json()
    assert enabled["state"] == "active" and enabled["disabled_at"] is None
    portal.deliver(disabled(endpoint, revision=1))
    assert portal.as_agency(key, "GET", url).get_json()["state"] == "active"
    # A paused endpoint shows paused; deleted stays deleted.
    portal.deliver(disabled(endpoint, revision=2))
    assert portal.as_agency(key, "GET", url).get_json()["state"] == "disabled"
    paused = portal.as_agency(key, "PATCH", url, json={"state": "paused"}).get_json()
    assert paused["state"] == "paused"


def test_another_agency_and_a_drafter_cannot_touch_an_agencys_endpoints(portal: Portal) -> None:
    mine, theirs = portal.agency(), portal.agency()
    base = f"/v1/agencies/{mine['id']}/webhooks"
    body = {"url": "http://127.0.0.1:9/hooks/x"}
    assert portal.as_agency(portal.key(theirs["id"]), "POST", base, json=body).status_code == 404
    drafter = portal.key(mine["id"], role="drafter")
    assert portal.as_agency(drafter, "POST", base, json=body).status_code == 403
    assert portal.admin("POST", base, json=body).status_code == 201
    unknown = portal.as_agency(portal.key(mine["id"]), "GET", f"{base}/nope")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "webhook.not_found"


def test_an_unknown_event_type_is_refused(portal: Portal) -> None:
    agency = portal.agency()
    response = portal.admin(
        "POST",
        f"/v1/agencies/{agency['id']}/webhooks",
        json={"url": "http://127.0.0.1:9/x", "event_types": ["review.assigned"]},
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["event_types.0"]


@pytest.fixture
def production(settings: SubmissionSettings) -> Iterator[FlaskClient]:
    app = create_app(
        replace(
            settings,
            environment="production",
            webhook_allowed_networks="",
            webhook_secret_key="production-webhook-key",
        )
    )
    yield app.test_client()
    app.extensions["inagara"].engine.dispose()


INTERNAL = [
    "http://127.0.0.1:8080/hooks",
    "https://127.0.0.1:8443/hooks",
    "http://10.0.0.1/hooks",
    "https://10.0.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_under_production_settings(
    production: FlaskClient, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    def no_traffic(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", no_traffic)
    monkeypatch.setattr(socket.socket, "connect", no_traffic)
    agency = production.post(
        "/v1/agencies",
        json={"code": "DINKES", "name": "Dinas Kesehatan", "type": "dinas"},
        headers=auth("admin-token-for-tests"),
    ).get_json()
    response = production.post(
        f"/v1/agencies/{agency['id']}/webhooks",
        json={"url": url},
        headers=auth("admin-token-for-tests"),
    )
    assert response.status_code == 422, response.get_json()
    [reason] = response.get_json()["errors"]["url"]
    if url.startswith("https://"):
        assert "internal address" in reason
    else:
        assert "https://" in reason
    listed = production.get(
        f"/v1/agencies/{agency['id']}/webhooks", headers=auth("admin-token-for-tests")
    ).get_json()
    assert listed["items"] == []
