"""The public objection window (uji publik) through the review API and its public form,
on a real database (SQLite and PostgreSQL): publish the shortlist, object without a
login, the awards held back while an objection is open, answered and resolved, then
decided; the refusals (closed window, not shortlisted, spam, too large, too many)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from services.notification import store as notification_store
from services.notification.adapters.subject_keys import HttpSubjectKeys
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from services.review.store.tables import objections as objections_table
from shared.events import sealing
from shared.events.inbox import dispatcher
from shared.platform.db import create_schema, make_engine
from shared.platform.metrics import RETENTION_SUBJECTS
from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
    auth,
    create_account,
    create_cycle,
    deliver,
    engine_of,
    login,
    make_app,
    outbox_events,
    scores_for,
    submitted_event,
)
from tests.integration.review.test_review_pages import log_in
from tests.integration.review.test_review_retention import retained

CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 2,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]
PDF = b"%PDF-1.4\n% bukti keberatan\n"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, objections_per_hour=3, objection_max_file_bytes=2048)
    yield app
    engine_of(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _season(app: Flask, client: FlaskClient) -> tuple[dict[str, Any], dict[str, str]]:
    """A cycle with two categories: a, b (public service) and c (governance) scored;
    a and c shortlisted, b not."""
    reviewers = [create_account(client, agency_code=f"R{i}") for i in range(4)]
    tokens = [login(client, r["email"]) for r in reviewers]
    cycle = create_cycle(client, categories=CATEGORIES)
    events = {
        "a": submitted_event(AGENCIES[0], form="public_service", summary="Antrean daring."),
        "b": submitted_event(AGENCIES[1], form="public_service"),
        "c": submitted_event(AGENCIES[2], form="governance"),
    }
    for event in events.values():
        deliver(app, event)
    ids = {k: e.subject for k, e in events.items()}
    level = {ids["a"]: 4, ids["b"]: 2, ids["c"]: 3}
    rubric = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    for token in tokens:
        for held in client.get("/v1/assignments", headers=auth(token)).json["items"]:
            answer = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, level[held["proposal_id"]]), "comment": "ok"},
                headers=auth(token),
            )
            assert answer.status_code == 200, answer.json
    for k in "ac":
        decided = client.post(
            f"/v1/proposals/{ids[k]}/decisions",
            json={"decision": "shortlist"},
            headers=auth(ADMIN),
        )
        assert decided.status_code == 200, decided.json
    return cycle, ids


def _object(client: FlaskClient, proposal_id: str, **changes: Any) -> Any:
    address = changes.pop("_client", "198.51.100.7")
    form: dict[str, Any] = {
        "proposal_id": proposal_id,
        "name": "Warga Peduli",
        "email": "warga.peduli@example.org",
        "phone": "0812 3456 7890",
        "reason": "Inovasi ini sudah ada sejak 2019 di kecamatan lain; bukan inovasi baru.",
    }
    form.update(changes)
    return client.post(
        "/v1/public/objections",
        data=form,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def test_publish_object_hold_back_the_awards_answer_resolve_then_award(
    app: Flask, client: FlaskClient
) -> None:
    cycle, ids = _season(app, client)
    cid = cycle["id"]
    before = _object(client, ids["a"])
    assert before.status_code == 409, "nothing is published yet"
    assert before.json["code"] == "objection.window_closed"

    published = client.post(
        f"/v1/cycles/{cid}/shortlist/publication", json={"days": 7}, headers=auth(ADMIN)
    )
    assert published.status_code == 200, published.json
    event = outbox_events(app, "cycle.shortlist_published")[-1]
    assert event.subject == cid
    entries = event.data["entries"]
    assert [(e["proposal_id"], e["category"], e["rank"]) for e in entries] == [
        (ids["a"], "pelayanan_publik", 1),
        (ids["c"], "tata_kelola", 1),
    ]
    assert entries[0]["summary"] == "Antrean daring."
    assert not any("score" in e and e["score"] is not None for e in entries)
    assert "reviewer" not in str(event.data)
    public = client.get(f"/v1/public/cycles/{cid}/shortlist").json
    assert public["open"] and [e["proposal_id"] for e in public["entries"]] == [ids["a"], ids["c"]]
    assert client.get(f"/v1/cycles/{cid}", headers=auth(ADMIN)).json["objections_close_at"]

    not_listed = _object(client, ids["b"])
    assert not_listed.status_code == 409 and not_listed.json["code"] == "objection.not_shortlisted"

    filed = client.post(
        "/v1/public/objections",
        data={
            "proposal_id": ids["a"],
            "name": "Warga Peduli",
            "email": "warga.peduli@example.org",
            "reason": "Inovasi ini sudah ada sejak 2019 di kecamatan lain; bukan inovasi baru.",
            "file": (io.BytesIO(PDF), "bukti.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 201, filed.json
    objection_id = filed.json["id"]
    assert filed.json["status"] == "open"
    sent = outbox_events(app, "objection.filed")[-1]
    assert sent.subject == ids["a"] and sent.data["with_file"] is True
    assert "warga.peduli" not in str(sent.data), "the objector is sealed in the event"
    with engine_of(app).connect() as conn:
        row = conn.execute(
            objections_table.select().where(objections_table.c.id == objection_id)
        ).one()
    opened = sealing.unseal(bytes(row.subject_key), row.subject_id, sent.data["objector"]["sealed"])
    assert opened == {"name": "Warga Peduli", "email": "warga.peduli@example.org"}
    assert row.client != "127.0.0.1" and len(row.client) == 64, "a hash, not the address"

    listed = client.get(f"/v1/cycles/{cid}/objections", headers=auth(ADMIN)).json["items"]
    assert [o["id"] for o in listed] == [objection_id]
    per_proposal = client.get(f"/v1/proposals/{ids['a']}/objections", headers=auth(ADMIN)).json
    assert per_proposal["items"][0]["reason"].startswith("Inovasi ini")
    assert client.get(f"/v1/proposals/{ids['c']}/objections", headers=auth(ADMIN)).json == {
        "items": []
    }
    download = client.get(f"/v1/objections/{objection_id}/file", headers=auth(ADMIN))
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"

    held = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": ids["a"]}]},
        headers=auth(ADMIN),
    )
    assert held.status_code == 409 and held.json["code"] == "award.objection_open"
    other = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["c"]}]},
        headers=auth(ADMIN),
    )
    assert other.status_code == 200, "the other category has no open objection"

    answered = client.post(
        f"/v1/objections/{objection_id}/answer",
        json={"answer": "Terima kasih; tim akan memverifikasi di lapangan."},
        headers=auth(ADMIN),
    )
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    told = outbox_events(app, "objection.answered")[-1]
    assert told.data["status"] == "answered" and "verifikasi" in told.data["answer"]
    again = client.post(
        f"/v1/objections/{objection_id}/answer",
        json={"answer": "lagi", "status": "answered"},
        headers=auth(ADMIN),
    )
    assert again.status_code == 409 and again.json["code"] == "objection.illegal_transition"
    resolved = client.post(
        f"/v1/objections/{objection_id}/answer",
        json={
            "answer": "Sudah diverifikasi: inovasi ini direplikasi dan dikembangkan.",
            "status": "resolved",
        },
        headers=auth(ADMIN),
    )
    assert resolved.status_code == 200 and resolved.json["resolved_at"]
    awarded = client.post(
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": ids["a"]}]},
        headers=auth(ADMIN),
    )
    assert awarded.status_code == 200, awarded.json
    assert ids["a"] in awarded.json["awarded"]
    closed = _object(client, ids["a"])
    assert closed.status_code == 409, "an awarded cycle takes no objection"

    exported = client.post(
        "/v1/objectors/export", json={"email": "Warga.Peduli@example.org"}, headers=auth(ADMIN)
    ).json["items"]
    assert [(o["id"], o["name"], o["status"]) for o in exported] == [
        (objection_id, "Warga Peduli", "resolved")
    ]
    assert "client" not in exported[0] and "subject_key" not in exported[0]
    erased = client.post(
        "/v1/objectors/erasure", json={"email": "warga.peduli@example.org"}, headers=auth(ADMIN)
    )
    assert erased.json == {"objections": 1}
    kept = client.get(f"/v1/objections/{objection_id}", headers=auth(ADMIN)).json
    assert kept["name"] == "Pengaju keberatan" and "warga" not in kept["email"]
    assert client.get(f"/v1/objections/{objection_id}/file", headers=auth(ADMIN)).status_code == 404


def test_the_public_endpoint_refuses_spam_bad_files_and_too_many(
    app: Flask, client: FlaskClient
) -> None:
    cycle, ids = _season(app, client)
    client.post(
        f"/v1/cycles/{cycle['id']}/shortlist/publication", json={"days": 3}, headers=auth(ADMIN)
    )
    bot = _object(client, ids["a"], website="http://spam.example")
    assert bot.status_code == 400 and bot.json["code"] == "objection.spam"
    short = _object(client, ids["a"], reason="tidak setuju")
    assert short.status_code == 422 and "reason" in short.json["errors"]
    bad_phone = _object(client, ids["a"], phone="12")
    assert (
        bad_phone.status_code == 422 and "phone" in short.json["errors"] | bad_phone.json["errors"]
    )
    big = _object(client, ids["a"], file=(io.BytesIO(PDF + b"x" * 4096), "besar.pdf"))
    assert big.status_code == 413
    exe = _object(client, ids["a"], file=(io.BytesIO(b"MZ\x90\x00"), "bukti.pdf"))
    assert exe.status_code == 415
    as_json = client.post("/v1/public/objections", json={"proposal_id": ids["a"]})
    assert as_json.status_code in (415, 422)
    for _ in range(3):
        assert _object(client, ids["a"]).status_code == 201
    limited = _object(client, ids["a"])
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    elsewhere = _object(client, ids["c"], _client="203.0.113.9")
    assert elsewhere.status_code == 201, "the limit is per client address"
    assert len(outbox_events(app, "objection.filed")) == 4


def test_the_public_form_and_the_secretariat_screens(app: Flask, client: FlaskClient) -> None:
    cycle, ids = _season(app, client)
    closed = client.get(f"/publik/keberatan?proposal={ids['a']}")
    assert closed.status_code == 409
    secretariat = create_account(client, role="secretariat")
    log_in(client, secretariat["email"])
    page = client.get(f"/ui/cycles/{cycle['id']}")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    client.post(f"/ui/cycles/{cycle['id']}/publication", data={"days": "5", "csrf_token": csrf})
    assert len(outbox_events(app, "cycle.shortlist_published")) == 1
    form = client.get(f"/publik/keberatan?proposal={ids['a']}")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert "Keberatan" in text and 'name="website"' in text
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    fields = {
        "proposal_id": ids["a"],
        "token": token,
        "name": "Ibu Sari",
        "email": "sari@example.org",
        "reason": "Data capaian inovasi ini tidak sesuai dengan kondisi di lapangan.",
    }
    too_fast = client.post("/publik/keberatan", data=fields)
    assert too_fast.status_code == 400, "sent faster than a person fills the form"
    slow = make_app(app.extensions["inagara"].settings.database_url, objection_min_fill_s=0.0)
    try:
        filed = slow.test_client().post("/publik/keberatan", data=fields)
        assert filed.status_code == 201, filed.get_data(as_text=True)
        assert "Terima kasih" in filed.get_data(as_text=True)
    finally:
        engine_of(slow).dispose()
    listing = client.get(f"/ui/cycles/{cycle['id']}/objections").get_data(as_text=True)
    assert "Ibu Sari" in listing
    objection_id = client.get(f"/v1/cycles/{cycle['id']}/objections", headers=auth(ADMIN)).json[
        "items"
    ][0]["id"]
    detail = client.get(f"/ui/objections/{objection_id}").get_data(as_text=True)
    assert "tidak sesuai" in detail
    client.post(
        f"/ui/objections/{objection_id}/answer",
        data={"answer": "Sudah kami periksa.", "status": "resolved", "csrf_token": csrf},
    )
    assert (
        client.get(f"/v1/objections/{objection_id}", headers=auth(ADMIN)).json["status"]
        == "resolved"
    )


KEYS_TOKEN = "objector-keys-token-for-tests"


def test_the_objector_gets_a_receipt_and_the_answer_until_erased(
    database_url: str, tmp_path: Any
) -> None:
    app = make_app(database_url, subject_keys_token=KEYS_TOKEN)
    client = app.test_client()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keys = HttpSubjectKeys(f"http://127.0.0.1:{server.server_port}", KEYS_TOKEN)
    try:
        cycle, ids = _season(app, client)
        client.post(
            f"/v1/cycles/{cycle['id']}/shortlist/publication", json={"days": 7}, headers=auth(ADMIN)
        )
        filed = _object(client, ids["c"], email="Warga.Peduli@Example.org").json
        client.post(
            f"/v1/objections/{filed['id']}/answer",
            json={"answer": "Keberatan Anda sudah kami periksa.", "status": "resolved"},
            headers=auth(ADMIN),
        )
        found = outbox_events(app, "objection.filed") + outbox_events(app, "objection.answered")
        assert (
            client.get(
                f"/v1/subjects/{found[0].data['objector']['subject']}/key", headers=auth(ADMIN)
            ).status_code
            == 403
        ), "not for accounts"

        sent = _notified(tmp_path, "before", keys, found)
        assert sorted(sent) == [
            ("email", "warga.peduli@example.org", "Jawaban atas keberatan Anda: " + filed["title"]),
            ("email", "warga.peduli@example.org", "Keberatan Anda kami terima: " + filed["title"]),
        ]
        client.post(
            "/v1/objectors/erasure", json={"email": "Warga.Peduli@Example.org"}, headers=auth(ADMIN)
        )
        assert _notified(tmp_path, "replay", keys, found) == [], "erased: nothing to open"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        engine_of(app).dispose()


def _notified(tmp_path: Any, name: str, keys: HttpSubjectKeys, found: list[Any]) -> list[Any]:
    """What a fresh notification service records from ``found``: (channel, to, subject)."""
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    create_schema(engine, notification_store.metadata)
    handle = dispatcher(
        engine, notification_store.inbox, handlers_for(Recorder(objector_keys=keys))
    )
    for event in found:
        handle(event)
    with engine.connect() as conn:
        rows = conn.execute(select(deliveries)).all()
    engine.dispose()
    return [(r.channel, r.recipient, r.subject) for r in rows]


def _objection_delivered(
    database_factory: Any, email: str
) -> tuple[Flask, Any, Any, dict[str, Any], dict[str, str]]:
    """A review app serving the objectors' keys, an objection filed (with a file) and
    answered, and a notification service (its own database) that recorded both messages."""
    app = make_app(database_factory(), subject_keys_token=KEYS_TOKEN)
    client = app.test_client()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    keys = HttpSubjectKeys(f"http://127.0.0.1:{server.server_port}", KEYS_TOKEN)
    cycle, ids = _season(app, client)
    client.post(
        f"/v1/cycles/{cycle['id']}/shortlist/publication", json={"days": 7}, headers=auth(ADMIN)
    )
    filed = _object(
        client,
        ids["c"],
        email=email,
        name="Sekar Ayuningtyas",
        file=(io.BytesIO(PDF), "bukti.pdf"),
    ).json
    client.post(
        f"/v1/objections/{filed['id']}/answer",
        json={"answer": "Keberatan Anda sudah kami periksa.", "status": "resolved"},
        headers=auth(ADMIN),
    )
    notification = make_engine(database_factory())
    create_schema(notification, notification_store.metadata)
    handle = dispatcher(
        notification, notification_store.inbox, handlers_for(Recorder(objector_keys=keys))
    )
    for event in outbox_events(app, "objection.filed") + outbox_events(app, "objection.answered"):
        handle(event)
    with notification.connect() as conn:
        held = conn.execute(select(deliveries.c.recipient, deliveries.c.data_subject)).all()
    subject = outbox_events(app, "objection.filed")[0].data["objector"]["subject"]
    assert sorted(held) == [(email.lower(), subject)] * 2, "a receipt and the answer"
    return app, server, (notification, handle), filed, ids


def _every_row(engine: Any) -> bytes:
    with engine.connect() as conn:
        return b"\n".join(
            repr(tuple(row)).lower().encode()
            for table in notification_store.metadata.sorted_tables
            for row in conn.execute(select(table))
        )


def test_an_erased_objector_leaves_nothing_in_the_notification_service(
    database_factory: Any,
) -> None:
    email = "sekar.ayu@example.org"
    app, server, (notification, handle), _, _ = _objection_delivered(database_factory, email)
    try:
        client = app.test_client()
        assert email.encode() in _every_row(notification)
        erased = client.post(
            "/v1/objectors/erasure", json={"email": email.upper()}, headers=auth(ADMIN)
        )
        assert erased.json == {"objections": 1}
        told = outbox_events(app, "objector.erased")
        subject = outbox_events(app, "objection.filed")[0].data["objector"]["subject"]
        assert [(e.subject, e.data["subject_id"], e.data["reason"]) for e in told] == [
            (subject, subject, "request")
        ]
        assert set(told[0].data) == {"subject_id", "erased_at", "reason"}, "names nobody"
        handle(told[0])
        handle(told[0])  # redelivered: nothing more to do, nothing fails
        everything = _every_row(notification)
        for trace in (email.encode(), b"sekar", b"ayuningtyas"):
            assert trace not in everything, trace
        with notification.connect() as conn:
            assert conn.execute(select(deliveries)).all() == []
    finally:
        server.shutdown()
        notification.dispose()
        engine_of(app).dispose()


def test_retention_erases_the_objectors_of_a_retained_proposal_once(
    database_factory: Any,
) -> None:
    email = "sekar.ayu@example.org"
    app, server, (notification, handle), filed, ids = _objection_delivered(database_factory, email)
    try:
        before = RETENTION_SUBJECTS.labels(service="review")._value.get()
        deliver(app, retained(ids["a"], "erased"))  # no objection to it: nothing
        assert outbox_events(app, "objector.erased") == []
        deliver(app, retained(ids["c"], "erased"))
        with engine_of(app).connect() as conn:
            row = conn.execute(
                select(objections_table).where(objections_table.c.id == filed["id"])
            ).one()
        assert (row.name, row.phone, row.subject_key, row.file_content, row.file_name) == (
            "Pengaju keberatan",
            None,
            None,
            None,
            None,
        )
        assert email not in row.email
        assert row.reason.startswith("Inovasi ini sudah ada") and row.answer, "the record stays"
        told = outbox_events(app, "objector.erased")
        assert [e.data["reason"] for e in told] == ["retention"]
        assert RETENTION_SUBJECTS.labels(service="review")._value.get() == before + 1
        deliver(app, retained(ids["c"], "erased"))  # another worker, the same proposal
        assert len(outbox_events(app, "objector.erased")) == 1, "once"
        assert RETENTION_SUBJECTS.labels(service="review")._value.get() == before + 1
        handle(told[0])
        assert email.encode() not in _every_row(notification)
    finally:
        server.shutdown()
        notification.dispose()
        engine_of(app).dispose()
