"""The message preview (POST /v1/previews) through Flask's test client on a real database:
what an event would send, per recipient and channel, rendered by the service's own
templates with its policy and limits, and nothing recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.notification import store
from services.notification.app import create_app
from services.notification.config import NotificationConfig, NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.usecases.recording import configured_recorder
from shared.events.inbox import dispatcher as inbox_dispatcher
from tests.unit.notification import factories

ADMIN = "preview-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
CONFIG = NotificationConfig(secret_key="preview-secret")


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    settings = NotificationSettings(
        service="notification",
        database_url=database_url,
        admin_token=ADMIN,
        sms_gateway_url="http://127.0.0.1:9/sms",
        whatsapp_api_url="http://127.0.0.1:9",
        whatsapp_phone_number_id="100000000000001",
    )
    app = create_app(settings, CONFIG)
    app.config["settings_for_test"] = settings
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def record(app: Flask, event_type: str, payload: dict[str, Any]) -> None:
    """What the worker does with the event: the same recorder the app previews with."""
    engine = app.extensions["inagara"].engine
    recorder = configured_recorder(app.config["settings_for_test"], CONFIG)
    inbox_dispatcher(engine, store.inbox, handlers_for(recorder))(
        factories.event(event_type, payload)
    )


def deliveries(client: FlaskClient, proposal_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/deliveries?proposal_id={proposal_id}", headers=AUTH)
    assert answer.status_code == 200
    return list(answer.json["items"])


def preview(client: FlaskClient, **body: Any) -> Any:
    return client.post("/v1/previews", json=body, headers=AUTH)


def test_the_preview_needs_the_admin_token_and_a_known_proposal(client: FlaskClient) -> None:
    body = {"type": "proposal.shortlisted", "proposal_id": "nope"}
    assert client.post("/v1/previews", json=body).status_code == 401
    unknown = preview(client, **body)
    assert unknown.status_code == 404
    assert unknown.json["code"] == "proposal.not_found"
    assert preview(client, type="proposal.nonsense", proposal_id="x").status_code == 422


def test_a_decision_is_previewed_per_recipient_and_channel_and_nothing_is_sent(
    app: Flask, client: FlaskClient
) -> None:
    payload = factories.submitted(
        title="Posyandu Digital",
        innovators=[
            factories.innovator(1, instant_consent_at=factories.AT),
            factories.innovator(2, instant_channel="sms", instant_consent_at=factories.AT),
            factories.innovator(4),  # no consent: email, and the WhatsApp withheld
        ],
    )
    pid = payload["proposal_id"]
    record(app, "proposal.submitted", payload)
    before = deliveries(client, pid)

    answer = preview(
        client, type="proposal.rejected", proposal_id=pid, data={"note": "Bukti belum cukup"}
    )

    assert answer.status_code == 200, answer.json
    items = answer.json["items"]
    got = {(m["channel"], m["recipient"], m["role"]) for m in items}
    assert got == {
        ("email", "innovator1@dinkes.example.go.id", "innovator"),
        ("whatsapp", "+6281234560001", "innovator"),
        ("email", "innovator2@dinkes.example.go.id", "innovator"),
        ("sms", "+6281234560002", "innovator"),
        ("email", "innovator4@dinkes.example.go.id", "innovator"),
        ("whatsapp", "+6281234560004", "innovator"),
        ("email", "inovasi@dinkes.example.go.id", "agency"),
    }
    by = {(m["channel"], m["recipient"]): m for m in items}
    mail = by[("email", "innovator1@dinkes.example.go.id")]
    assert "Posyandu Digital" in mail["subject"] + mail["text"]
    assert "Bukti belum cukup" in mail["text"] and "Bukti belum cukup" in mail["html"]
    whatsapp = by[("whatsapp", "+6281234560001")]
    assert (
        whatsapp["subject"] == "inagara_proposal_rejected"
        and "Posyandu Digital" in whatsapp["text"]
    )
    assert whatsapp["language"] == "id" and whatsapp["note"] is None
    assert by[("whatsapp", "+6281234560004")]["note"].startswith(
        "withheld: no lawful basis recorded"
    ), "the preview says what the recorder would withhold"
    sms = by[("sms", "+6281234560002")]
    assert sms["text"].startswith("Inagara: usulan") and sms["html"] == ""
    assert deliveries(client, pid) == before, "a preview records nothing"


def test_the_preview_says_when_the_same_text_would_be_skipped(
    app: Flask, client: FlaskClient
) -> None:
    payload = factories.submitted(
        innovators=[factories.innovator(3, instant_consent_at=factories.AT)]
    )
    pid = payload["proposal_id"]
    record(app, "proposal.submitted", payload)

    again = preview(client, type="proposal.submitted", proposal_id=pid, data=payload)

    assert again.status_code == 200, again.json
    instant = [m for m in again.json["items"] if m["channel"] == "whatsapp"]
    assert len(instant) == 1 and instant[0]["note"].startswith("skipped")
    emails = [m for m in again.json["items"] if m["channel"] == "email"]
    assert emails and all(m["note"] is None for m in emails)


def test_a_stored_preference_decides_the_previewed_channel(app: Flask, client: FlaskClient) -> None:
    payload = factories.submitted(innovators=[factories.innovator(4)])
    pid = payload["proposal_id"]
    record(app, "proposal.submitted", payload)
    changed = client.put("/v1/preferences/+6281234560004", json={"instant": "sms"}, headers=AUTH)
    assert changed.status_code == 200, changed.json

    answer = preview(client, type="proposal.shortlisted", proposal_id=pid)

    channels = {m["channel"] for m in answer.json["items"] if m["role"] == "innovator"}
    assert channels == {"email", "sms"}
