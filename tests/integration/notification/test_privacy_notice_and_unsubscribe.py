"""The privacy notice every email links to, and an unsubscribe that outlives the
erasure of the person without keeping their address (docs/PRIVACY.md, "Consent"), on the
real database (SQLite and PostgreSQL) through the app, the recorder and the inbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.subject_keys import MemorySubjectKeys
from services.notification.app import create_app
from services.notification.config import NotificationConfig, NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.domain import tokens
from services.notification.domain.messages import EMAIL
from services.notification.store.tables import deliveries, preferences, suppressions
from services.notification.usecases.recording import Recorder
from shared.events import sealing
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from tests.unit.notification import factories

ADMIN = "notice-admin-token"
CONFIG = NotificationConfig(
    secret_key="notice-secret",
    public_url="https://notif.example.go.id",
    privacy_contact="privasi@pemkot.example.go.id",
)
AYU = "ayu@dinkes.example.go.id"


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


def test_the_privacy_notice_speaks_indonesian_first_and_names_the_contact(
    client: FlaskClient,
) -> None:
    page = client.get("/privasi")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<html lang="id">' in text and "Pemberitahuan privasi" in text
    assert "Undang-Undang Nomor 27 Tahun 2022" in text and "SMS dan WhatsApp" in text
    assert "privasi@pemkot.example.go.id" in text and "Privacy notice" not in text
    english = client.get("/privasi?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Privacy notice" in english
    browser = client.get("/privasi", headers={"Accept-Language": "en-US"})
    assert "Privacy notice" in browser.get_data(as_text=True)
    unknown = client.get("/privasi?lang=jv")
    assert unknown.status_code == 400 and "Bahasa tidak tersedia" in unknown.get_data(as_text=True)


def recorder(keys: MemorySubjectKeys) -> Recorder:
    return Recorder(
        clock=FakeClock(datetime(2026, 3, 2, 5, 0, tzinfo=UTC)),
        secret=CONFIG.secret_key,
        unsubscribe_url=f"{CONFIG.public_url}/unsubscribe",
        privacy_url=f"{CONFIG.public_url}/privasi",
        keys=keys,
    )


def consume(engine: Engine, recorder: Recorder, *events: Event) -> None:
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(recorder))
    for event in events:
        handle(event)


def sealed_submission(keys: MemorySubjectKeys, subject: str) -> Event:
    """``proposal.submitted`` v2 with Ayu sealed under her subject's key."""
    keys.keys[subject] = key = sealing.new_key()
    ayu = factories.innovator(1, name="Ayu Lestari", email=AYU)
    payload = factories.submitted(innovators=[ayu])
    sealed = sealing.seal(key, subject, {k: ayu[k] for k in ("name", "email", "phone")})
    payload["profile"]["innovators"] = [{"subject": subject, "sealed": sealed}]
    return Event(
        type="proposal.submitted",
        source="/inagara/test",
        subject=payload["proposal_id"],
        data=payload,
        dataschema="urn:inagara:event:proposal.submitted:v2",
    )


def erased(subject: str) -> Event:
    return factories.event(
        "subject.erased", {"subject_id": subject, "erased_at": "2026-03-03T00:00:00+00:00"}
    )


def every_text(engine: Engine) -> str:
    with engine.connect() as conn:
        return " ".join(
            str(tuple(row))
            for table in (deliveries, preferences, suppressions)
            for row in conn.execute(select(table))
        )


def test_every_email_links_the_notice_and_an_unsubscribe_outlives_erasure(
    app: Flask, client: FlaskClient
) -> None:
    engine = app.extensions["inagara"].engine
    keys = MemorySubjectKeys()
    submitted = sealed_submission(keys, "subject-ayu")
    consume(engine, recorder(keys), submitted)
    with engine.connect() as conn:
        [mail] = conn.execute(
            select(deliveries).where(deliveries.c.channel == EMAIL, deliveries.c.recipient == AYU)
        ).all()
    assert "https://notif.example.go.id/privasi" in mail.body_text
    assert 'href="https://notif.example.go.id/privasi"' in mail.body_html
    assert "Pemberitahuan privasi" in mail.body_html

    link = f"/unsubscribe?token={tokens.sign(CONFIG.secret_key, AYU)}"
    page = client.get(link).get_data(as_text=True)  # the public page links the notice too
    assert '<a id="privacy-notice" href="/privasi">Pemberitahuan privasi</a>' in page
    assert 'href="/privasi?lang=en">Privacy notice' in client.get(f"{link}&lang=en").get_data(
        as_text=True
    )
    assert client.post(link).status_code == 200
    consume(engine, recorder(keys), erased("subject-ayu"))

    assert AYU not in every_text(engine)  # no row names her, the suppression included
    again = client.post(link)  # an old email's link, clicked after the erasure
    assert again.status_code == 200 and AYU not in every_text(engine)
    preference = client.get(f"/v1/preferences/{AYU}", headers={"Authorization": f"Bearer {ADMIN}"})
    assert preference.get_json()["unsubscribed"] is True

    # She comes back (a new subject, a new key): no notification email, decisions still.
    consume(engine, recorder(keys), sealed_submission(keys, "subject-ayu-2"))
    scored = factories.event(
        "proposal.scored",
        factories.payload_for("proposal.scored", sealed_payload_id(engine)),
    )
    consume(engine, recorder(keys), scored)
    with engine.connect() as conn:
        sent = {
            r.event_type
            for r in conn.execute(
                select(deliveries).where(
                    deliveries.c.channel == EMAIL, deliveries.c.recipient == AYU
                )
            )
        }
    assert sent == {"proposal.submitted"}  # the receipt is essential; scored is not


def sealed_payload_id(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(deliveries.c.proposal_id).where(deliveries.c.recipient == AYU)
            ).scalar_one()
        )
