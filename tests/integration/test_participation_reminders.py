"""One agency, one innovation: the agencies still at zero are reminded before a cycle with a
minimum per agency closes, through the real parts on SQLite and PostgreSQL: the submission
worker's round raises ``agency.participation_reminder_due`` once per cycle and agency, even
when two rounds run at once; the notification service records one email to the agency's
contact, in Indonesian."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from services.notification import store as notification_store
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.usecases.reminders import remind_participation
from services.submission.usecases.work import SubmissionWork
from shared.events.envelope import Event, from_record
from shared.events.inbox import dispatcher
from shared.platform.db import create_schema, make_engine
from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import Portal, profile

ADMIN = "admin-token-for-tests"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        SubmissionSettings(service="submission", database_url=database_url, admin_token=ADMIN)
    )
    yield app
    app.extensions["inagara"].engine.dispose()


def reminders(app: Flask) -> list[Event]:
    with app.extensions["inagara"].engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    found = [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]
    return [e for e in found if e.type == "agency.participation_reminder_due"]


def test_each_agency_at_zero_is_reminded_once_and_its_contact_gets_one_email(
    app: Flask, database_factory: Callable[[], str], tmp_path: Path
) -> None:
    portal = Portal(app, app.test_client())
    now = ev.now()
    portal.review(
        ev.cycle_scheduled(
            "2026", now - timedelta(days=9), now + timedelta(hours=20), min_per_agency=1
        )
    )
    active = portal.agency("DINKES", contact_email="inovasi@dinkes.example.go.id")
    portal.as_agency(portal.key(active["id"]), "POST", "/v1/proposals", json=profile())
    quiet = portal.agency("KEL-SATU", contact_email="kel.satu@example.go.id", type="kelurahan")
    engine = app.extensions["inagara"].engine
    raised: list[int] = []

    def round_() -> None:
        raised.append(
            remind_participation(datetime.now(UTC), 72, SubmissionWork(engine, store.outbox))
        )

    rounds = [threading.Thread(target=round_) for _ in range(3)]
    for t in rounds:
        t.start()
    for t in rounds:
        t.join(30)

    assert sorted(raised) == [0, 0, 1], "three workers at once: one reminder"
    assert remind_participation(datetime.now(UTC), 72, SubmissionWork(engine, store.outbox)) == 0
    (due,) = reminders(app)
    assert due.subject == quiet["id"] and due.data["agency"]["code"] == "KEL-SATU"

    notification = make_engine(f"sqlite:///{tmp_path / 'notification'}.db")
    create_schema(notification, notification_store.metadata)
    handle = dispatcher(notification, notification_store.inbox, handlers_for(Recorder(secret="s")))
    handle(due)
    handle(due)  # redelivered: one email still
    with notification.connect() as conn:
        mails = conn.execute(
            select(deliveries).where(deliveries.c.recipient == "kel.satu@example.go.id")
        ).all()
    (mail,) = mails
    assert mail.channel == "email" and mail.event_type == "agency.participation_reminder_due"
    assert "Cycle 2026" in mail.subject and "belum mengajukan usulan" in mail.body_text
