"""The notification HTTP API through Flask's test client on a real database:
deliveries with filters, pages, attempts and retry; preferences; unsubscribe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.notification import store
from services.notification.adapters.mailer import MemoryMailer, PermanentSendError
from services.notification.app import create_app
from services.notification.config import (
    NotificationConfig,
    NotificationSettings,
    unsubscribe_secret,
)
from services.notification.consumers import handlers_for
from services.notification.domain import Preference, tokens
from services.notification.store.preferences import PreferenceStore
from services.notification.usecases.dispatch import Dispatcher, EmailTransport, Policy
from services.notification.usecases.recording import Recorder
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.settings import SettingsError
from tests.unit.notification import factories

ADMIN = "api-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
CONFIG = NotificationConfig(secret_key="api-secret")


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        NotificationSettings(service="notification", database_url=database_url, admin_token=ADMIN),
        CONFIG,
    )
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def stored_preference(engine: Engine, address: str) -> Preference | None:
    with engine.connect() as conn:
        return PreferenceStore(conn).find(address)


def record(app: Flask, *events: Any) -> None:
    engine = app.extensions["inagara"].engine
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(sms=True)))
    for event in events:
        handle(event)


def three_proposals(app: Flask) -> list[str]:
    ids = []
    for n in range(3):
        payload = factories.submitted(innovators=[factories.innovator(n + 1)])
        record(app, factories.event("proposal.submitted", payload))
        ids.append(payload["proposal_id"])
    return ids


def test_deliveries_need_the_admin_token(client: FlaskClient) -> None:
    response = client.get("/v1/deliveries")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert client.get("/v1/deliveries", headers={"Authorization": "Bearer x"}).status_code == 401


def test_deliveries_are_filtered_and_paged(app: Flask, client: FlaskClient) -> None:
    ids = three_proposals(app)

    everything = client.get("/v1/deliveries", headers=AUTH).get_json()
    assert len(everything["items"]) == 6 and everything["next_offset"] is None
    one = client.get(f"/v1/deliveries?proposal_id={ids[1]}", headers=AUTH).get_json()["items"]
    assert {(d["channel"], d["recipient"]) for d in one} == {
        ("email", "innovator2@dinkes.example.go.id"),
        ("sms", "+6281234560002"),
    }
    by_phone = client.get("/v1/deliveries?recipient=0812-3456-0003", headers=AUTH).get_json()
    assert [d["proposal_id"] for d in by_phone["items"]] == [ids[2]]
    sms = client.get("/v1/deliveries?channel=sms&status=pending", headers=AUTH).get_json()
    assert {d["channel"] for d in sms["items"]} == {"sms"} and len(sms["items"]) == 3

    first = client.get("/v1/deliveries?limit=4", headers=AUTH).get_json()
    rest = client.get(f"/v1/deliveries?limit=4&offset={first['next_offset']}", headers=AUTH)
    assert len(first["items"]) == 4 and first["next_offset"] == 4
    assert len(rest.get_json()["items"]) == 2 and rest.get_json()["next_offset"] is None
    pages = {d["id"] for d in first["items"]} | {d["id"] for d in rest.get_json()["items"]}
    assert pages == {d["id"] for d in everything["items"]}


def test_bad_filters_are_422_with_fields(client: FlaskClient) -> None:
    response = client.get("/v1/deliveries?status=lost&limit=0&recipient=12", headers=AUTH)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"status", "limit"}
    bad_recipient = client.get("/v1/deliveries?recipient=12", headers=AUTH)
    assert bad_recipient.status_code == 422
    assert "address" in bad_recipient.get_json()["errors"]


def test_a_failed_delivery_shows_its_attempts_and_can_be_retried(
    app: Flask, client: FlaskClient
) -> None:
    three_proposals(app)
    engine = app.extensions["inagara"].engine
    mailer = MemoryMailer()
    mailer.fail_with = [PermanentSendError("550 5.1.1 no such user")]
    sender = Dispatcher(engine, EmailTransport(mailer, "x@inagara.local"), Policy(batch_size=1))
    sender.send_due()
    [failed] = client.get("/v1/deliveries?status=failed", headers=AUTH).get_json()["items"]

    detail = client.get(f"/v1/deliveries/{failed['id']}", headers=AUTH).get_json()
    assert detail["status"] == "failed"
    assert [(a["number"], a["outcome"]) for a in detail["attempt_log"]] == [(1, "failed")]
    assert "550" in detail["attempt_log"][0]["error"]
    assert detail["body_text"].startswith("Yth. ")

    retried = client.post(f"/v1/deliveries/{failed['id']}/retry", json={}, headers=AUTH)
    assert retried.status_code == 202
    assert (retried.get_json()["status"], retried.get_json()["attempts"]) == ("pending", 0)
    assert (
        client.post(f"/v1/deliveries/{failed['id']}/retry", json={}, headers=AUTH).status_code
        == 409
    )
    assert client.post("/v1/deliveries/nope/retry", json={}, headers=AUTH).status_code == 404
    assert client.get("/v1/deliveries/nope", headers=AUTH).status_code == 404
    assert client.post(f"/v1/deliveries/{failed['id']}/retry", json={}).status_code == 401


def test_preferences_default_then_stored(client: FlaskClient) -> None:
    path = "/v1/preferences/Siti@Dinkes.go.id"
    default = client.get(path, headers=AUTH).get_json()
    assert default == {
        "address": "siti@dinkes.go.id",
        "email": True,
        "sms": True,
        "language": None,
        "digest": False,
        "time_zone": "Asia/Jakarta",
        "unsubscribed": False,
        "instant": None,
        "stored": False,
    }

    saved = client.put(
        path, json={"language": "en", "sms": False, "time_zone": "Asia/Jayapura"}, headers=AUTH
    )
    assert saved.status_code == 200
    assert client.get(path, headers=AUTH).get_json()["language"] == "en"
    assert client.get(path, headers=AUTH).get_json()["stored"] is True
    phone = client.put("/v1/preferences/0812-3456-7890", json={"sms": False}, headers=AUTH)
    assert phone.get_json()["address"] == "+6281234567890"
    on_sms = client.put("/v1/preferences/0812-3456-7890", json={"instant": "sms"}, headers=AUTH)
    assert on_sms.get_json()["instant"] == "sms"
    assert client.get("/v1/preferences/+6281234567890", headers=AUTH).get_json()["instant"] == "sms"


def test_bad_preferences_are_422(client: FlaskClient) -> None:
    response = client.put(
        "/v1/preferences/siti@dinkes.go.id",
        json={"language": "fr", "time_zone": "Mars/Olympus", "sms": "maybe", "instant": "pigeon"},
        headers=AUTH,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"language", "time_zone", "sms", "instant"}
    assert client.get("/v1/preferences/not-an-address", headers=AUTH).status_code == 422
    assert client.get("/v1/preferences/siti@dinkes.go.id").status_code == 401


def test_unsubscribe_asks_on_get_and_acts_on_one_click_post(
    app: Flask, client: FlaskClient
) -> None:
    secret = unsubscribe_secret(CONFIG, ADMIN)
    token = tokens.sign(secret, "siti@dinkes.go.id")
    engine = app.extensions["inagara"].engine

    page = client.get(f"/unsubscribe?token={token}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "siti@dinkes.go.id" in text and 'method="post"' in text
    assert stored_preference(engine, "siti@dinkes.go.id") is None  # GET changes nothing

    done = client.post(
        f"/unsubscribe?token={token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    stored = stored_preference(engine, "siti@dinkes.go.id")
    assert stored is not None and stored.unsubscribed


def test_the_unsubscribe_page_speaks_indonesian_unless_asked_otherwise(
    app: Flask, client: FlaskClient
) -> None:
    token = tokens.sign(unsubscribe_secret(CONFIG, ADMIN), "siti@dinkes.go.id")
    page = client.get(f"/unsubscribe?token={token}").get_data(as_text=True)
    assert '<html lang="id">' in page and "Berhenti menerima email pemberitahuan" in page
    assert "Stop notification emails" not in page and ">Berhenti berlangganan<" in page
    assert 'hreflang="en"' in page and f"token={token}" in page
    english = client.get(f"/unsubscribe?token={token}&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Stop notification emails" in english
    assert "Berhenti" not in english
    browser = client.get(f"/unsubscribe?token={token}", headers={"Accept-Language": "en-GB"})
    assert "Stop notification emails" in browser.get_data(as_text=True)
    done = client.post(f"/unsubscribe?token={token}&lang=en", data={"x": "1"})
    assert "will no longer get notification emails" in done.get_data(as_text=True)
    broken = client.get("/unsubscribe?token=nope")
    assert broken.status_code == 400 and "Tautan tidak valid." in broken.get_data(as_text=True)


def test_a_forged_unsubscribe_token_changes_nothing(app: Flask, client: FlaskClient) -> None:
    forged = tokens.sign("guessed secret", "siti@dinkes.go.id")

    assert client.get(f"/unsubscribe?token={forged}").status_code == 400
    assert client.post(f"/unsubscribe?token={forged}").status_code == 400
    assert client.post("/unsubscribe?token=<script>").status_code == 400
    engine = app.extensions["inagara"].engine
    assert stored_preference(engine, "siti@dinkes.go.id") is None


def test_after_a_key_rotation_old_links_still_unsubscribe_and_production_needs_its_own_key(
    database_url: str,
) -> None:
    rotated = NotificationConfig(secret_key="new-key", previous_secret_key="api-secret")
    settings = NotificationSettings(
        service="notification",
        database_url=database_url,
        admin_token=ADMIN,
        environment="production",
        sms_disabled=True,
    )
    app = create_app(settings, rotated)
    try:
        client = app.test_client()
        before = tokens.sign("api-secret", "siti@dinkes.go.id")  # a link sent last season
        after = tokens.sign("new-key", "budi@dinkes.go.id")
        assert client.get(f"/unsubscribe?token={before}").status_code == 200
        assert client.get(f"/unsubscribe?token={after}").status_code == 200
        retired = tokens.sign("older-still", "siti@dinkes.go.id")
        assert client.get(f"/unsubscribe?token={retired}").status_code == 400
    finally:
        app.extensions["inagara"].engine.dispose()
    with pytest.raises(SettingsError, match="NOTIFICATION_SECRET_KEY is required"):
        create_app(settings, NotificationConfig())
