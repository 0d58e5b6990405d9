"""Crypto-shredding (docs/PRIVACY.md), through the real parts: the submission service
seals its innovators in ``proposal.submitted`` v2 with a key per person kept in its
database; the notification service fetches the keys over HTTP from the submission
service and opens them; erasing a person shreds their key, after which the same
event, consumed afresh (a replay), sends nothing to them, everything to the others,
and fails nothing."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from werkzeug.serving import make_server

from deploy.local.stack import DEMO_PROPOSAL
from services.notification import store as notification_store
from services.notification.adapters.subject_keys import HttpSubjectKeys
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.store.tables import proposals as projected
from services.notification.usecases.recording import Recorder
from services.review import store as review_store
from services.review.consumers import HANDLERS as REVIEW_HANDLERS
from services.review.usecases.intake import _payload as review_payload
from services.submission import store
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.consumers import HANDLERS as SUBMISSION_HANDLERS
from shared.events.catalog import PROPOSAL_SUBMITTED, spec_for
from shared.events.envelope import Event, from_record
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine

ADMIN = "admin-token-for-tests"
KEYS_TOKEN = "subject-keys-token-for-tests"
AYU = {"name": "Ayu Lestari", "email": "Ayu.Lestari@dinkes.example.go.id", "phone": "081298765432"}
BUDI = {"name": "Budi Santoso", "email": "budi@dinkes.example.go.id", "phone": "081355512345"}
PERSONAL = [
    b"Ayu Lestari",
    b"ayu.lestari@dinkes.example.go.id",
    b"Ayu.Lestari@dinkes.example.go.id",
    b"81298765432",  # in any form: 0812…, +62812…
    b"Budi Santoso",
    b"budi@dinkes.example.go.id",
    b"81355512345",
]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        SubmissionSettings(
            service="submission",
            database_url=database_url,
            admin_token=ADMIN,
            proposal_event_version=2,
            subject_keys_token=KEYS_TOKEN,
        )
    )
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The submission app on a real port, as the notification worker reaches it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def agency_key(app: Flask) -> str:
    with app.extensions["inagara"].engine.begin() as conn:
        agency = store.create_agency(conn, "DINKES", "Dinas Kesehatan", "dinas")
        return store.add_api_key(conn, agency.id).secret


def other_agency_key(app: Flask) -> str:
    with app.extensions["inagara"].engine.begin() as conn:
        agency = store.create_agency(conn, "DISDIK", "Dinas Pendidikan", "dinas")
        return store.add_api_key(conn, agency.id, "agency_admin").secret


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def submit(client: FlaskClient, key: str, *innovators: dict[str, str]) -> str:
    profile = copy.deepcopy(DEMO_PROPOSAL)
    profile["innovators"] = [dict(i) for i in innovators]
    response = client.post("/v1/proposals", json=profile, headers=auth(key))
    assert response.status_code == 201, response.json
    return str(response.json["id"])


def outbox_rows(app: Flask) -> list[Any]:
    with app.extensions["inagara"].engine.connect() as conn:
        return list(conn.execute(select(store.outbox).order_by(store.outbox.c.id)))


def events(app: Flask) -> list[Event]:
    return [
        from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers])
        for r in outbox_rows(app)
    ]


def fresh_notification(tmp_path: Any, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    create_schema(engine, notification_store.metadata)
    return engine


def consume(engine: Engine, keys: HttpSubjectKeys, found: list[Event]) -> None:
    handle = inbox_dispatcher(
        engine, notification_store.inbox, handlers_for(Recorder(sms=True, keys=keys))
    )
    for event in found:
        handle(event)


def recipients(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {(r.channel, r.recipient) for r in conn.execute(select(deliveries))}


def test_a_v2_event_carries_no_personal_field_in_the_clear(
    app: Flask, client: FlaskClient, agency_key: str
) -> None:
    submit(client, agency_key, AYU, BUDI)
    (row,) = outbox_rows(app)
    for value in PERSONAL:
        assert value not in row.value, value
    (event,) = events(app)
    assert event.dataschema == spec_for(PROPOSAL_SUBMITTED, 2).dataschema
    sealed = event.data["profile"]["innovators"]
    assert [sorted(i) for i in sealed] == [["sealed", "subject"], ["sealed", "subject"]]
    assert sealed[0]["subject"] != sealed[1]["subject"]
    # The review service takes the v2 event as it is and keeps the innovators sealed.
    assert review_payload(event, PROPOSAL_SUBMITTED)["profile"]["innovators"] == sealed


def test_one_person_in_two_proposals_is_one_subject(
    app: Flask, client: FlaskClient, agency_key: str
) -> None:
    submit(client, agency_key, AYU)
    submit(client, agency_key, {**AYU, "email": AYU["email"].upper()})
    first, second = (e.data["profile"]["innovators"][0] for e in events(app))
    assert first["subject"] == second["subject"]
    assert first["sealed"] != second["sealed"]  # a fresh nonce every time


def test_the_key_is_for_the_consumers_token_only(
    client: FlaskClient, agency_key: str, app: Flask
) -> None:
    submit(client, agency_key, AYU)
    subject = events(app)[0].data["profile"]["innovators"][0]["subject"]
    path = f"/v1/subjects/{subject}/key"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth(agency_key)).status_code == 401
    assert client.get(path, headers=auth(ADMIN)).status_code == 401
    assert (
        client.get("/v1/subjects/no-such-subject/key", headers=auth(KEYS_TOKEN)).status_code == 404
    )
    answer = client.get(path, headers=auth(KEYS_TOKEN))
    assert answer.status_code == 200
    assert answer.json["subject"] == subject
    # The consumers' token is nothing else: not an agency key, not the admin token.
    assert client.get("/v1/proposals", headers=auth(KEYS_TOKEN)).status_code == 401
    assert client.get("/v1/cycles", headers=auth(KEYS_TOKEN)).status_code == 401
    erasure = client.post(
        "/v1/subjects/erasures", json={"email": AYU["email"]}, headers=auth(KEYS_TOKEN)
    )
    assert erasure.status_code == 401


def test_after_erasure_a_replay_tells_the_others_and_skips_the_erased_person(
    app: Flask, client: FlaskClient, agency_key: str, served: str, tmp_path: Any
) -> None:
    submit(client, agency_key, AYU, BUDI)
    submit(client, agency_key, BUDI)
    keys = HttpSubjectKeys(served, KEYS_TOKEN)
    ayu = {("email", "ayu.lestari@dinkes.example.go.id"), ("sms", "+6281298765432")}
    budi = {("email", "budi@dinkes.example.go.id"), ("sms", "+6281355512345")}

    before = fresh_notification(tmp_path, "before")
    consume(before, keys, events(app))
    assert recipients(before) == ayu | budi

    erased = client.post(
        "/v1/subjects/erasures", json={"phone": "+62 812-9876-5432"}, headers=auth(ADMIN)
    )
    assert erased.status_code == 200, erased.json
    assert len(erased.json["erased"]) == 1
    subject = erased.json["erased"][0]
    assert client.get(f"/v1/subjects/{subject}/key", headers=auth(KEYS_TOKEN)).status_code == 410
    with app.extensions["inagara"].engine.connect() as conn:
        row = conn.execute(select(store.subjects).where(store.subjects.c.id == subject)).one()
    assert (row.email, row.phone, row.key) == (None, None, None)
    assert row.erased_at is not None
    with app.extensions["inagara"].engine.connect() as conn:
        (audit,) = conn.execute(select(store.tables.privacy_requests)).all()
    assert (audit.kind, audit.requested_by, audit.subject_ids) == ("erasure", "admin", [subject])
    assert audit.profiles_changed == 2  # the proposal and its submitted version

    after = events(app)
    assert [e.type for e in after] == ["proposal.submitted"] * 2 + ["subject.erased"]
    assert after[-1].data["subject_id"] == subject and after[-1].subject == subject

    # The notification service that had told Ayu forgets her on subject.erased.
    consume(before, keys, after[-1:])
    assert recipients(before) == budi
    with before.connect() as conn:
        first = conn.execute(
            select(projected.c.innovators).where(projected.c.proposal_id == after[0].subject)
        ).scalar_one()
    assert [i["email"] for i in first] == ["budi@dinkes.example.go.id"]  # Ayu left, Budi stays

    # The submission service's own copy names "Inovator 1" now.
    mine = client.get(f"/v1/proposals/{after[0].subject}", headers=auth(agency_key)).json
    assert mine["profile"]["innovators"][0] == {
        "name": "Inovator 1",
        "email": None,
        "phone": None,
        "erased": True,
    }
    assert mine["profile"]["innovators"][1]["name"] == "Budi Santoso"

    replay = fresh_notification(tmp_path, "replay")
    consume(replay, keys, after)  # raises if any event failed
    assert recipients(replay) == budi
    with replay.connect() as conn:
        handled = conn.execute(select(notification_store.inbox)).all()
    assert len(handled) == 3  # every event handled, none left to dead-letter

    # Nothing of Ayu is readable in any row of either service's database; Budi still is.
    everything = b"".join(
        [
            every_row(app.extensions["inagara"].engine, store.metadata),
            every_row(before, notification_store.metadata),
            every_row(replay, notification_store.metadata),
        ]
    )
    for value in AYU_READABLE:
        assert value not in everything.lower(), value
    assert b"budi@dinkes.example.go.id" in everything


AYU_READABLE = [b"ayu lestari", b"ayu.lestari@dinkes.example.go.id", b"81298765432"]


def every_row(engine: Engine, metadata: Any) -> bytes:
    """Every value of every table, as text: what a person with the database could read."""
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                found.append(repr(tuple(row)).encode())
    return b"\n".join(found)


def test_erasure_names_someone(client: FlaskClient) -> None:
    answer = client.post("/v1/subjects/erasures", json={}, headers=auth(ADMIN))
    assert answer.status_code == 422


def test_the_export_holds_what_was_submitted_field_by_field(
    client: FlaskClient, agency_key: str, app: Flask
) -> None:
    first = submit(client, agency_key, AYU, BUDI)
    second = submit(client, agency_key, {**BUDI, "instant_channel": "sms"})
    asked = {"email": "BUDI@dinkes.example.go.id"}
    # Not an innovator of the key's agency (no proposal of its names Budi): 404.
    other = other_agency_key(app)
    assert client.post("/v1/subjects/exports", json=asked, headers=auth(other)).status_code == 404

    answer = client.post("/v1/subjects/exports", json=asked, headers=auth(ADMIN))

    assert answer.status_code == 200, answer.json
    held = answer.json
    assert held["requested"] == {"email": "budi@dinkes.example.go.id", "phone": None}
    (subject,) = held["subjects"]
    assert subject["email"] == "budi@dinkes.example.go.id"
    assert subject["phone"] == "+6281355512345"
    assert [p["proposal_id"] for p in held["proposals"]] == [first, second]
    for entry, instant in zip(held["proposals"], (None, "sms"), strict=True):
        assert entry["title"] == DEMO_PROPOSAL["title"]
        assert entry["status"] == "submitted"
        innovator = entry["innovator"]
        assert innovator["name"] == BUDI["name"]
        assert innovator["email"] == BUDI["email"]
        assert innovator["phone"] == "+6281355512345"
        assert innovator.get("instant_channel") == instant
    assert "Ayu" not in answer.get_data(as_text=True)  # the co-innovator is not theirs to see
    with app.extensions["inagara"].engine.connect() as conn:
        (audit,) = conn.execute(select(store.tables.privacy_requests)).all()
    assert (audit.kind, audit.subject_ids) == ("export", [subject["id"]])

    page = client.post(
        "/v1/subjects/exports", json=asked, headers={**auth(ADMIN), "Accept": "text/html"}
    )
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Data pribadi Anda" in text and "Budi Santoso" in text and "+6281355512345" in text


def outbox_events(engine: Engine, outbox: Any) -> list[Event]:
    with engine.connect() as conn:
        rows = list(conn.execute(select(outbox).order_by(outbox.c.id)))
    return [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]


def test_the_whole_export_gathers_every_service_part_through_events(
    app: Flask, client: FlaskClient, agency_key: str, served: str, tmp_path: Any
) -> None:
    """Export requested -> review and notification answer with their parts -> the
    submission service assembles one file, checked field by field against what was sent."""
    first = submit(client, agency_key, AYU, BUDI)
    second = submit(client, agency_key, {**BUDI, "instant_channel": "sms"})
    keys = HttpSubjectKeys(served, KEYS_TOKEN)
    notification = fresh_notification(tmp_path, "notification")
    consume(notification, keys, events(app))
    review = make_engine(f"sqlite:///{tmp_path / 'review'}.db")
    create_schema(review, review_store.metadata)
    to_review = inbox_dispatcher(review, review_store.inbox, REVIEW_HANDLERS)
    for event in events(app):
        to_review(event)

    asked = client.post(
        "/v1/subjects/exports", json={"phone": "0813-5551-2345"}, headers=auth(ADMIN)
    )
    assert asked.status_code == 200, asked.json
    export_id = asked.json["export_id"]
    (budi,) = asked.json["subjects"]
    path = f"/v1/subjects/exports/{export_id}"
    waiting = client.get(path, headers=auth(ADMIN)).json
    assert waiting["complete"] is False
    assert waiting["waiting_for"] == [f"review:{budi['id']}", f"notification:{budi['id']}"]
    assert client.get(path, headers=auth(agency_key)).status_code == 404  # not its export
    assert client.get("/v1/subjects/exports/nope", headers=auth(ADMIN)).status_code == 404

    (request,) = [e for e in events(app) if e.type == "subject.export_requested"]
    assert request.data["subject_ids"] == [budi["id"]]
    assert b"budi" not in repr(request.data).lower().encode()  # the request names nobody
    consume(notification, keys, [request])
    to_review(request)
    answers = [
        e
        for e in outbox_events(notification, notification_store.outbox)
        if e.type == "notification.subject_exported"
    ] + [e for e in outbox_events(review, review_store.outbox) if e.type.endswith("_exported")]
    assert [e.type for e in answers] == [
        "notification.subject_exported",
        "review.subject_exported",
    ]
    for value in (b"Budi Santoso", b"budi@dinkes.example.go.id", b"81355512345"):
        assert value not in repr(answers[0].data).encode(), value  # sealed in the topic
    to_submission = inbox_dispatcher(
        app.extensions["inagara"].engine, store.inbox, SUBMISSION_HANDLERS
    )
    for answer in answers:
        to_submission(answer)
        to_submission(answer)  # a redelivery changes nothing

    whole = client.get(path, headers=auth(ADMIN))
    assert whole.status_code == 200
    assert whole.headers["Content-Disposition"].endswith('data-pribadi.json"') or (
        "data-pribadi.json" in whole.headers["Content-Disposition"]
    )
    export = whole.json
    assert export["complete"] is True and export["waiting_for"] == []
    assert export["submission"]["subjects"] == [budi]
    assert [p["proposal_id"] for p in export["submission"]["proposals"]] == [first, second]

    (mine,) = export["notification"]
    assert mine["subject_id"] == budi["id"]
    assert mine["addresses"] == ["+6281355512345", "budi@dinkes.example.go.id"]
    assert [p["proposal_id"] for p in mine["proposals"]] == sorted([first, second])
    for held in mine["proposals"]:
        assert held["title"] == DEMO_PROPOSAL["title"]
        assert held["innovator"]["name"] == BUDI["name"]
        assert held["innovator"]["email"] == "budi@dinkes.example.go.id"
        assert held["innovator"]["phone"] == "+6281355512345"
    with notification.connect() as conn:
        sent = [
            r._asdict()
            for r in conn.execute(
                select(deliveries).where(
                    deliveries.c.recipient.in_(["budi@dinkes.example.go.id", "+6281355512345"])
                )
            )
        ]
    assert len(mine["deliveries"]) == len(sent) >= 2
    by_id = {d["id"]: d for d in mine["deliveries"]}
    for row in sent:
        exported = by_id[row["id"]]
        for name in ("proposal_id", "channel", "recipient", "recipient_name", "subject"):
            assert exported[name] == row[name], name
        assert exported["body_text"] == row["body_text"]
        assert exported["status"] == row["status"]
    assert {d["recipient_name"] for d in mine["deliveries"]} == {"Budi Santoso"}
    assert mine["preferences"] == []  # none stored: the defaults apply
    assert "ayu" not in whole.get_data(as_text=True).lower()  # not the co-innovator's

    (theirs,) = export["review"]
    assert theirs["subject_id"] == budi["id"]
    assert sorted(p["proposal_id"] for p in theirs["proposals"]) == sorted([first, second])
    assert {p["title"] for p in theirs["proposals"]} == {DEMO_PROPOSAL["title"]}

    page = client.get(path, headers={**auth(ADMIN), "Accept": "text/html"})
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Pesan yang dikirim kepada Anda" in text and "budi@dinkes.example.go.id" in text
    assert sent[0]["subject"] in text or "&" in sent[0]["subject"]

    # After erasure the stored parts are unreadable: the key that sealed them is gone.
    assert (
        client.post(
            "/v1/subjects/erasures", json={"email": BUDI["email"]}, headers=auth(ADMIN)
        ).status_code
        == 200
    )
    gone = client.get(path, headers=auth(ADMIN)).json
    assert gone["submission"] == {"subjects": [], "proposals": []}
    assert gone["notification"] == [{"subject_id": budi["id"], "unreadable": True}]


def test_an_agency_admin_exports_and_erases_its_own_innovators_only(
    app: Flask, client: FlaskClient, agency_key: str
) -> None:
    first = submit(client, agency_key, AYU)
    other = other_agency_key(app)
    submit(client, other, BUDI)
    agency_id = client.get("/v1/me", headers=auth(agency_key)).json["agency"]["id"]
    with app.extensions["inagara"].engine.begin() as conn:
        drafter = store.add_api_key(conn, agency_id, "drafter").secret
    ayu, budi = {"email": AYU["email"]}, {"phone": "0813-5551-2345"}

    # Budi is the other agency's innovator: not this agency's to ask about (404), and a
    # drafter key may not ask at all (403).
    for path in ("/v1/subjects/exports", "/v1/subjects/erasures"):
        assert client.post(path, json=budi, headers=auth(agency_key)).status_code == 404
        assert client.post(path, json=ayu, headers=auth(drafter)).status_code == 403

    exported = client.post("/v1/subjects/exports", json=ayu, headers=auth(agency_key))
    assert exported.status_code == 200, exported.json
    assert [p["proposal_id"] for p in exported.json["proposals"]] == [first]
    path = f"/v1/subjects/exports/{exported.json['export_id']}"
    assert client.get(path, headers=auth(agency_key)).status_code == 200
    assert client.get(path, headers=auth(other)).status_code == 404  # not its export
    assert client.get(path, headers=auth(ADMIN)).status_code == 200

    erased = client.post("/v1/subjects/erasures", json=ayu, headers=auth(agency_key))
    assert erased.status_code == 200, erased.json
    assert len(erased.json["erased"]) == 1
    with app.extensions["inagara"].engine.connect() as conn:
        asked = conn.execute(
            select(store.tables.privacy_requests).order_by(store.tables.privacy_requests.c.id)
        ).all()
    assert [(r.kind, r.requested_by) for r in asked] == [
        ("export", f"agency:{agency_id}"),
        ("download", f"agency:{agency_id}"),  # each read of the whole export is recorded
        ("download", "admin"),
        ("erasure", f"agency:{agency_id}"),
    ]
    # Budi, the other agency's innovator, is untouched.
    assert client.post("/v1/subjects/exports", json=budi, headers=auth(ADMIN)).json["subjects"]
