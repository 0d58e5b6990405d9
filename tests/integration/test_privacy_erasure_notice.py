"""The person is told by email before the erasure (docs/PRIVACY.md, "Erasure"), through
the real parts on SQLite and PostgreSQL: with ERASURE_NOTICE_HOURS the request publishes
``subject.erasure_requested``; the notification service, which knows the subject's
address, records the notice (essential, Indonesian); the submission worker's round
erases the person once the period is over, once, and not before."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from werkzeug.serving import make_server

from services.notification import store as notification_store
from services.notification.adapters.subject_keys import HttpSubjectKeys
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.store.tables import privacy_requests
from services.submission.usecases.subjects import erase_due
from services.submission.usecases.work import SubmissionWork
from shared.events.envelope import Event, from_record
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.integration.test_privacy_sealing import AYU, BUDI, auth, submit

ADMIN = "admin-token-for-tests"
KEYS_TOKEN = "subject-keys-token-for-tests"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        SubmissionSettings(
            service="submission",
            database_url=database_url,
            admin_token=ADMIN,
            proposal_event_version=2,
            subject_keys_token=KEYS_TOKEN,
            erasure_notice_hours=48,
        )
    )
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def events(app: Flask) -> list[Event]:
    with app.extensions["inagara"].engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    return [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]


def consume(engine: Engine, keys: HttpSubjectKeys, found: list[Event]) -> None:
    handle = inbox_dispatcher(
        engine, notification_store.inbox, handlers_for(Recorder(keys=keys, secret="s"))
    )
    for event in found:
        handle(event)


def key_status(client: FlaskClient, subject_id: str) -> int:
    return int(client.get(f"/v1/subjects/{subject_id}/key", headers=auth(KEYS_TOKEN)).status_code)


def mails_to(engine: Engine, address: str) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(deliveries).where(deliveries.c.recipient == address.lower())).all()
        )


def test_the_person_is_told_first_and_erased_when_the_notice_is_over(
    app: Flask, client: FlaskClient, served: str, tmp_path: Any
) -> None:
    with app.extensions["inagara"].engine.begin() as conn:
        agency = store.create_agency(conn, "DINKES", "Dinas Kesehatan", "dinas")
        key = store.add_api_key(conn, agency.id).secret
    submit(client, key, AYU, BUDI)
    notification = make_engine(f"sqlite:///{tmp_path / 'notification'}.db")
    create_schema(notification, notification_store.metadata)
    keys = HttpSubjectKeys(served, KEYS_TOKEN)
    consume(notification, keys, events(app))
    seen = len(events(app))

    answer = client.post("/v1/subjects/erasures", json={"email": AYU["email"]}, headers=auth(ADMIN))

    assert answer.status_code == 200
    [ayu] = answer.json["pending"]
    assert answer.json["erased"] == []
    assert key_status(client, ayu) == 200  # not yet: she is told first
    [requested] = events(app)[seen:]
    assert requested.type == "subject.erasure_requested" and requested.subject == ayu
    assert "Ayu" not in str(requested.data) and "ayu" not in str(requested.data).lower()

    consume(notification, keys, [requested])
    [notice] = [d for d in mails_to(notification, AYU["email"]) if d.event_type == requested.type]
    assert notice.channel == "email" and notice.essential and notice.status == "pending"
    assert notice.subject == "Data pribadi Anda akan dihapus"
    assert "akan dihapus pada" in notice.body_text and "Ayu Lestari" in notice.body_text

    engine = app.extensions["inagara"].engine

    def work() -> SubmissionWork:
        return SubmissionWork(engine, store.outbox)

    now = datetime.now(UTC)
    assert erase_due(work, now + timedelta(hours=47)) == []
    assert key_status(client, ayu) == 200
    assert erase_due(work, now + timedelta(hours=49)) == [ayu]
    assert erase_due(work, now + timedelta(hours=50)) == []  # once
    assert key_status(client, ayu) == 410
    erased = [e for e in events(app) if e.type == "subject.erased"]
    assert [e.data["subject_id"] for e in erased] == [ayu]
    with engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(select(privacy_requests))]
    assert kinds.count("erasure") == 1 and kinds.count("erased") == 1

    consume(notification, keys, erased)
    assert mails_to(notification, AYU["email"]) == []
    assert mails_to(notification, BUDI["email"])  # the others are untouched
    notification.dispose()


def test_a_request_announced_twice_is_erased_once(app: Flask, client: FlaskClient) -> None:
    with app.extensions["inagara"].engine.begin() as conn:
        agency = store.create_agency(conn, "DINKES", "Dinas Kesehatan", "dinas")
        key = store.add_api_key(conn, agency.id).secret
    submit(client, key, AYU)
    for _ in range(2):
        client.post("/v1/subjects/erasures", json={"phone": AYU["phone"]}, headers=auth(ADMIN))
    assert [e.type for e in events(app)].count("subject.erasure_requested") == 1
    engine = app.extensions["inagara"].engine
    results: list[list[str]] = []
    start = threading.Barrier(3)

    def worker() -> None:
        start.wait()
        results.append(
            erase_due(
                lambda: SubmissionWork(engine, store.outbox),
                datetime.now(UTC) + timedelta(days=3),
            )
        )

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert [e.type for e in events(app)].count("subject.erased") == 1
