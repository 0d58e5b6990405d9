"""A person-wide export or erasure of the submission service reaches the review service's
objectors (docs/PRIVACY.md: "A person-wide request reaches objectors"), on SQLite and
PostgreSQL: the request carries keyed hashes of the email and phone (SUBJECT_MATCH_KEY),
the review service answers with the objectors they match (sealed under each objector's
key) and erases them, at once or when the notice period is over.

Sekar is an innovator (submission) and an objector (review); Dewi is an objector only;
Warga Peduli objects too and is nobody's business here."""

from __future__ import annotations

import copy
import hashlib
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, select, text, update
from werkzeug.serving import make_server

from deploy.local.stack import DEMO_PROPOSAL
from services.notification import store as notification_store
from services.notification.adapters.subject_keys import HttpSubjectKeys
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from services.review import store as review_store
from services.review.store.tables import audit_log, person_erasures
from services.review.store.tables import objections as objections_table
from services.review.usecases.objections import erase_due_objectors
from services.review.usecases.work import work_factory
from services.submission import store
from services.submission.adapters.blobs import MemoryBlobs
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.consumers import HANDLERS as SUBMISSION_HANDLERS
from shared.events.envelope import Event, from_record
from shared.events.inbox import dispatcher
from shared.events.matching import email_hash, phone_hash
from shared.platform import migrations
from shared.platform.db import create_schema, make_engine
from tests.integration.review.support import ADMIN as REVIEW_ADMIN
from tests.integration.review.support import deliver, engine_of, make_app, outbox_events
from tests.integration.review.test_review_objections import PDF, _object, _season
from tools.services import by_name

ADMIN = "admin-token-for-tests"
KEYS_TOKEN = "subject-keys-token-for-tests"
MATCH_KEY = "subject-match-key-for-tests"
SEKAR = {
    "name": "Sekar Ayuningtyas",
    "email": "Sekar.Ayu@Example.org",
    "phone": "0813-7777-1234",
}
DEWI = {"name": "Dewi Kartika", "email": "dewi.kartika@example.org", "phone": "0857 1122 3344"}
REASON = "Inovasi ini sudah ada sejak 2019 di kecamatan lain; bukan inovasi baru."
ANSWER = "Keberatan Anda sudah kami periksa."
# Every form in which Sekar or Dewi could be found again.
TRACES = [
    b"sekar.ayu@example.org",
    b"sekar",
    b"ayuningtyas",
    b"81377771234",
    b"dewi.kartika@example.org",
    b"dewi kartika",
    b"85711223344",
]


def served(app: Flask) -> tuple[str, Any, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server, thread


class Stack:
    """The submission app (served: the notification service reads subject keys from it),
    the review app (served: the submission service reads objector keys from it), a
    notification database, and the events carried between them by hand."""

    def __init__(self, database_factory: Any, notice_hours: float = 0.0) -> None:
        self.review = make_app(
            database_factory(), subject_keys_token=KEYS_TOKEN, subject_match_key=MATCH_KEY
        )
        self.review_client = self.review.test_client()
        self.review_url, self._review_server, self._review_thread = served(self.review)
        self.blobs = MemoryBlobs()
        self.submission = create_app(
            SubmissionSettings(
                service="submission",
                database_url=database_factory(),
                admin_token=ADMIN,
                proposal_event_version=2,
                subject_keys_token=KEYS_TOKEN,
                subject_match_key=MATCH_KEY,
                objector_keys_url=self.review_url,
                erasure_notice_hours=notice_hours,
            ),
            blobs=self.blobs,
        )
        self.client = self.submission.test_client()
        url, self._server, self._thread = served(self.submission)
        self.notification = make_engine(database_factory())
        create_schema(self.notification, notification_store.metadata)
        self.to_notification = dispatcher(
            self.notification,
            notification_store.inbox,
            handlers_for(
                Recorder(
                    sms=True,
                    keys=HttpSubjectKeys(url, KEYS_TOKEN),
                    objector_keys=HttpSubjectKeys(self.review_url, KEYS_TOKEN),
                )
            ),
        )
        self.to_submission = dispatcher(self.engine, store.inbox, SUBMISSION_HANDLERS)

    @property
    def engine(self) -> Engine:
        engine: Engine = self.submission.extensions["inagara"].engine
        return engine

    def close(self) -> None:
        for server, thread in (
            (self._server, self._thread),
            (self._review_server, self._review_thread),
        ):
            server.shutdown()
            thread.join(timeout=5)
        self.engine.dispose()
        engine_of(self.review).dispose()
        self.notification.dispose()

    def submission_events(self, type: str | None = None) -> list[Event]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
        found = [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]
        return [e for e in found if type is None or e.type == type]

    def notification_events(self, type: str) -> list[Event]:
        table = notification_store.outbox
        with self.notification.connect() as conn:
            rows = conn.execute(select(table).order_by(table.c.id)).all()
        found = [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]
        return [e for e in found if e.type == type]

    def to_everyone(self, event: Event) -> None:
        deliver(self.review, event)
        self.to_notification(event)


@pytest.fixture
def stack(database_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    # The review worker reads SUBJECT_MATCH_KEY from its environment (consumers.py).
    monkeypatch.setenv("SUBJECT_MATCH_KEY", MATCH_KEY)
    built = Stack(database_factory)
    yield built
    built.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submit_innovator(stack: Stack, innovator: dict[str, str]) -> str:
    with stack.engine.begin() as conn:
        agency = store.create_agency(conn, "DINKES", "Dinas Kesehatan", "dinas")
        key = store.add_api_key(conn, agency.id).secret
    profile = copy.deepcopy(DEMO_PROPOSAL)
    profile["innovators"] = [dict(innovator)]
    response = stack.client.post("/v1/proposals", json=profile, headers=auth(key))
    assert response.status_code == 201, response.json
    for event in stack.submission_events():
        stack.to_everyone(event)
    return str(response.json["id"])


def file_objections(stack: Stack) -> dict[str, dict[str, Any]]:
    """A season with a published shortlist; Sekar objects (with a file, answered), Dewi
    and Warga Peduli object too. The objections as the review API answered them."""
    client = stack.review_client
    cycle, ids = _season(stack.review, client)
    published = client.post(
        f"/v1/cycles/{cycle['id']}/shortlist/publication",
        json={"days": 7},
        headers=auth(REVIEW_ADMIN),
    )
    assert published.status_code == 200, published.json
    filed = {
        "sekar": _object(
            client,
            ids["c"],
            name=SEKAR["name"],
            email=SEKAR["email"],
            phone=SEKAR["phone"],
            reason=REASON,
            file=(io.BytesIO(PDF), "bukti-sekar.pdf"),
            _client="198.51.100.1",
        ),
        "dewi": _object(
            client,
            ids["a"],
            name=DEWI["name"],
            email=DEWI["email"],
            phone=DEWI["phone"],
            _client="198.51.100.2",
        ),
        "warga": _object(client, ids["a"], _client="198.51.100.3"),
    }
    for response in filed.values():
        assert response.status_code == 201, response.json
    answered = client.post(
        f"/v1/objections/{filed['sekar'].json['id']}/answer",
        json={"answer": ANSWER, "status": "resolved"},
        headers=auth(REVIEW_ADMIN),
    )
    assert answered.status_code == 200, answered.json
    with engine_of(stack.review).begin() as conn:
        # Sekar's objection as one filed before the hashes existed: backfilled at the match.
        conn.execute(
            update(objections_table)
            .where(objections_table.c.id == filed["sekar"].json["id"])
            .values(match_email=None, match_phone=None)
        )
    found = {k: dict(v.json) for k, v in filed.items()}
    with engine_of(stack.review).connect() as conn:
        for objection in found.values():
            row = conn.execute(
                select(objections_table).where(objections_table.c.id == objection["id"])
            ).one()
            objection.update(
                subject_id=row.subject_id,
                cycle_id=row.cycle_id,
                proposal_id=row.proposal_id,
                reason=row.reason,
            )
    return found


def answer_export(stack: Stack, export_id: str) -> list[Event]:
    """Carry ``subject.export_requested`` to review and notification, and their answers
    back to the submission service; the answers."""
    (request,) = [
        e
        for e in stack.submission_events("subject.export_requested")
        if e.data["export_id"] == export_id
    ]
    stack.to_everyone(request)
    # The review service's objectors reach the notification service too, which answers
    # for each of them (the messages sent them).
    for found in outbox_events(stack.review, "review.objectors_exported"):
        if found.data["export_id"] == export_id:
            stack.to_notification(found)
    answers = [
        e
        for e in outbox_events(stack.review)
        + stack.notification_events("notification.subject_exported")
        if e.type.endswith("_exported") and e.data["export_id"] == export_id
    ]
    for answer in answers:
        stack.to_submission(answer)
        stack.to_submission(answer)  # a redelivery changes nothing
    return answers


def every_review_row(stack: Stack) -> bytes:
    with engine_of(stack.review).connect() as conn:
        return b"\n".join(
            repr(tuple(row)).lower().encode()
            for table in review_store.metadata.sorted_tables
            for row in conn.execute(select(table))
        )


def test_a_person_who_is_innovator_and_objector_is_exported_field_by_field(
    stack: Stack,
) -> None:
    proposal_id = submit_innovator(stack, SEKAR)
    filed = file_objections(stack)
    # The notification service records the objectors' receipts and Sekar's answer.
    for event in outbox_events(stack.review):
        if event.type in ("objection.filed", "objection.answered"):
            stack.to_notification(event)
    asked = stack.client.post(
        "/v1/subjects/exports", json={"email": "sekar.ayu@example.org"}, headers=auth(ADMIN)
    )
    assert asked.status_code == 200, asked.json
    export_id = asked.json["export_id"]
    (subject,) = asked.json["subjects"]
    path = f"/v1/subjects/exports/{export_id}"
    waiting = stack.client.get(path, headers=auth(ADMIN)).json
    assert waiting["waiting_for"] == [
        f"review:{subject['id']}",
        f"notification:{subject['id']}",
        "review:objectors",
    ]

    (request,) = stack.submission_events("subject.export_requested")
    assert set(request.data["match"]) == {"email", "phone"}
    assert request.data["match"]["phone"] is None  # asked by email only
    for trace in TRACES:
        assert trace not in repr(request.data).lower().encode(), trace  # names nobody
    answers = answer_export(stack, export_id)
    assert sorted(e.type for e in answers) == [
        "notification.subject_exported",  # for Sekar the innovator
        "notification.subject_exported",  # for Sekar the objector
        "review.objectors_exported",
        "review.subject_exported",
    ]
    (objectors,) = [e for e in answers if e.type == "review.objectors_exported"]
    sekar_subject = filed["sekar"]["subject_id"]
    assert [o["subject_id"] for o in objectors.data["objectors"]] == [sekar_subject]
    for trace in [*TRACES, REASON.lower().encode(), ANSWER.lower().encode()]:
        assert trace not in repr(objectors.data).lower().encode(), trace  # sealed

    whole = stack.client.get(path, headers=auth(ADMIN))
    export = whole.json
    assert export["complete"] is True and export["waiting_for"] == []
    assert [p["proposal_id"] for p in export["submission"]["proposals"]] == [proposal_id]
    (mine,) = export["objectors"]
    assert mine["subject_id"] == sekar_subject
    (objection,) = mine["objections"]
    with engine_of(stack.review).connect() as conn:
        row = conn.execute(
            select(objections_table).where(objections_table.c.id == filed["sekar"]["id"])
        ).one()
    assert row.match_email and row.match_phone, "backfilled at the match"
    assert objection == {
        "objection_id": filed["sekar"]["id"],
        "proposal_id": filed["sekar"]["proposal_id"],
        "cycle_id": filed["sekar"]["cycle_id"],
        "title": filed["sekar"]["title"],
        "name": SEKAR["name"],
        "email": SEKAR["email"],
        "phone": "+6281377771234",  # as filed, normalised to E.164
        "language": "id",
        "reason": REASON,
        "status": "resolved",
        "answer": ANSWER,
        "filed_at": objection["filed_at"],
        "answered_at": objection["answered_at"],
        "resolved_at": objection["resolved_at"],
        "file": {
            "name": "bukti-sekar.pdf",
            "type": "application/pdf",
            "sha256": hashlib.sha256(PDF).hexdigest(),
        },
    }
    # The notification service's part for the objector: her receipt and the answer, to
    # her address, and nothing sent to the other objectors.
    told = mine["notification"]
    assert told["addresses"] == [SEKAR["email"].lower()]  # as the address is kept
    assert sorted(d["event_type"] for d in told["deliveries"]) == [
        "objection.answered",
        "objection.filed",
    ]
    assert {(d["channel"], d["recipient"]) for d in told["deliveries"]} == {
        ("email", SEKAR["email"].lower())
    }
    for answer in answers:
        if answer.type == "notification.subject_exported":
            assert b"sekar" not in repr(answer.data).lower().encode()  # sealed
    held = stack.review_client.get(
        f"/v1/objections/{filed['sekar']['id']}", headers=auth(REVIEW_ADMIN)
    ).json
    for moment in ("filed_at", "answered_at", "resolved_at"):
        exported, kept = (datetime.fromisoformat(v[moment]) for v in (objection, held))
        assert exported.replace(tzinfo=kept.tzinfo) == kept, moment
    text = whole.get_data(as_text=True).lower()
    assert "dewi" not in text and "warga" not in text  # nobody else's objections
    page = stack.client.get(path, headers={**auth(ADMIN), "Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert "Keberatan yang Anda ajukan" in html and "bukti-sekar.pdf" in html
    assert ANSWER in html and "sudah ada sejak 2019" in html

    # Found by phone alone too (any written form: E.164 after normalising).
    by_phone = stack.client.post(
        "/v1/subjects/exports", json={"phone": "+62 813 7777 1234"}, headers=auth(ADMIN)
    ).json
    answer_export(stack, by_phone["export_id"])
    again = stack.client.get(f"/v1/subjects/exports/{by_phone['export_id']}", headers=auth(ADMIN))
    assert [o["subject_id"] for o in again.json["objectors"]] == [sekar_subject]


def test_an_objector_only_person_is_exported_and_erased_by_a_person_wide_request(
    stack: Stack,
) -> None:
    filed = file_objections(stack)
    asked = stack.client.post(
        "/v1/subjects/exports", json={"phone": "0857-1122-3344"}, headers=auth(ADMIN)
    )
    assert asked.status_code == 200, asked.json
    assert asked.json["subjects"] == [] and asked.json["proposals"] == []
    answer_export(stack, asked.json["export_id"])
    export = stack.client.get(
        f"/v1/subjects/exports/{asked.json['export_id']}", headers=auth(ADMIN)
    ).json
    assert export["complete"] is True
    ((objection,),) = [o["objections"] for o in export["objectors"]]
    assert (objection["name"], objection["email"], objection["reason"]) == (
        DEWI["name"],
        DEWI["email"],
        filed["dewi"]["reason"],
    )
    assert objection["file"] is None
    # No message was recorded for her here: the notification service's part says so.
    (told,) = [o["notification"] for o in export["objectors"]]
    assert told["deliveries"] == [] and told["addresses"] == []

    # An agency admin may not ask about someone who is no innovator of its agency.
    with stack.engine.begin() as conn:
        agency = store.create_agency(conn, "DISDIK", "Dinas Pendidikan", "dinas")
        admin_key = store.add_api_key(conn, agency.id, "agency_admin").secret
    refused = stack.client.post(
        "/v1/subjects/erasures", json={"email": DEWI["email"]}, headers=auth(admin_key)
    )
    assert refused.status_code == 404
    assert stack.submission_events("person.erasure_requested") == []

    erased = stack.client.post(
        "/v1/subjects/erasures", json={"email": DEWI["email"].upper()}, headers=auth(ADMIN)
    )
    assert erased.status_code == 200 and erased.json == {"erased": [], "pending": []}
    (request,) = stack.submission_events("person.erasure_requested")
    for trace in TRACES:
        assert trace not in repr(request.data).lower().encode(), trace
    stack.to_everyone(request)
    stack.to_everyone(request)  # redelivered: nothing more
    told = outbox_events(stack.review, "objector.erased")
    assert [(e.data["subject_id"], e.data["reason"]) for e in told] == [
        (filed["dewi"]["subject_id"], "request")
    ]
    everything = every_review_row(stack)
    for trace in (b"dewi.kartika@example.org", b"dewi kartika", b"85711223344"):
        assert trace not in everything, trace
    assert b"warga.peduli@example.org" in everything  # the others stay
    # The export read again: Dewi's part is unreadable now (her key is gone).
    gone = stack.client.get(
        f"/v1/subjects/exports/{asked.json['export_id']}", headers=auth(ADMIN)
    ).json
    assert gone["objectors"] == [
        {
            "subject_id": filed["dewi"]["subject_id"],
            "unreadable": True,
            "notification": {"unreadable": True},  # sealed under the same key
        }
    ]


def test_an_innovator_and_objector_is_erased_everywhere(stack: Stack) -> None:
    submit_innovator(stack, SEKAR)
    filed = file_objections(stack)
    erased = stack.client.post(
        "/v1/subjects/erasures", json={"phone": "081377771234"}, headers=auth(ADMIN)
    )
    assert erased.status_code == 200 and len(erased.json["erased"]) == 1
    for event in stack.submission_events():
        if event.type in ("subject.erased", "person.erasure_requested"):
            stack.to_everyone(event)
    for event in outbox_events(stack.review, "objector.erased"):
        stack.to_notification(event)

    with engine_of(stack.review).connect() as conn:
        row = conn.execute(
            select(objections_table).where(objections_table.c.id == filed["sekar"]["id"])
        ).one()
        audited = conn.execute(
            select(audit_log.c.actor, audit_log.c.action).where(
                audit_log.c.action == "objector_erased"
            )
        ).all()
    assert (row.name, row.phone, row.subject_key, row.file_content, row.file_name) == (
        "Pengaju keberatan",
        None,
        None,
        None,
        None,
    )
    assert (row.reason, row.answer) == (REASON, ANSWER), "the record of the decision stays"
    assert audited == [("subject-request", "objector_erased")]
    everything = every_review_row(stack)
    for trace in (b"sekar.ayu@example.org", b"sekar", b"ayuningtyas", b"81377771234"):
        assert trace not in everything, trace
    assert b"dewi.kartika@example.org" in everything  # Dewi was not asked about
    with stack.engine.connect() as conn:
        held = b"\n".join(
            repr(tuple(r)).lower().encode()
            for table in store.metadata.sorted_tables
            if table.name != "outbox"  # v2 events: sealed, and the key is gone
            for r in conn.execute(select(table))
        )
    for trace in (b"sekar.ayu@example.org", b"ayuningtyas", b"81377771234"):
        assert trace not in held, trace
    with stack.notification.connect() as conn:
        noted = b"\n".join(
            repr(tuple(r)).lower().encode()
            for table in notification_store.metadata.sorted_tables
            for r in conn.execute(select(table))
        )
    for trace in (b"sekar.ayu@example.org", b"ayuningtyas", b"81377771234"):
        assert trace not in noted, trace


def test_with_a_notice_period_objectors_are_told_then_erased_when_it_is_over(
    database_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sekar (innovator and objector) is told as an innovator (subject.erasure_requested);
    Dewi (objector only) is told as an objector (objector.erasure_requested); both are
    erased in review when the period is over, once."""
    monkeypatch.setenv("SUBJECT_MATCH_KEY", MATCH_KEY)
    stack = Stack(database_factory, notice_hours=48)
    try:
        submit_innovator(stack, SEKAR)
        filed = file_objections(stack)
        for person in (SEKAR, DEWI):
            asked = stack.client.post(
                "/v1/subjects/erasures", json={"email": person["email"]}, headers=auth(ADMIN)
            )
            assert asked.status_code == 200, asked.json
        requests = stack.submission_events("person.erasure_requested")
        assert [r.data["subjects_told"] for r in requests] == [True, False]
        erase_after = datetime.fromisoformat(requests[0].data["erase_after"])
        assert timedelta(hours=47) < erase_after - datetime.now(UTC) <= timedelta(hours=48)
        for event in stack.submission_events():
            if event.type in ("subject.erasure_requested", "person.erasure_requested"):
                stack.to_everyone(event)
        assert outbox_events(stack.review, "objector.erased") == [], "not before the notice"
        (notice,) = outbox_events(stack.review, "objector.erasure_requested")
        assert notice.data["subject_id"] == filed["dewi"]["subject_id"]
        for trace in TRACES:
            assert trace not in repr(notice.data).lower().encode(), trace  # sealed
        stack.to_notification(notice)
        with stack.notification.connect() as conn:
            told = conn.execute(
                select(
                    deliveries.c.recipient, deliveries.c.subject, deliveries.c.data_subject
                ).order_by(deliveries.c.recipient)
            ).all()
        assert [tuple(t) for t in told if "dihapus" in t.subject] == [
            (DEWI["email"], "Data pribadi Anda akan dihapus", filed["dewi"]["subject_id"]),
            ("sekar.ayu@example.org", "Data pribadi Anda akan dihapus", None),
        ]

        review_work = work_factory(engine_of(stack.review))
        assert erase_due_objectors(datetime.now(UTC), review_work(), MATCH_KEY) == 0
        due = erase_after + timedelta(minutes=1)
        assert erase_due_objectors(due, review_work(), MATCH_KEY) == 2
        assert erase_due_objectors(due + timedelta(minutes=1), review_work(), MATCH_KEY) == 0, (
            "once"
        )
        erased = outbox_events(stack.review, "objector.erased")
        assert sorted(e.data["subject_id"] for e in erased) == sorted(
            [filed["sekar"]["subject_id"], filed["dewi"]["subject_id"]]
        )
        everything = every_review_row(stack)
        for trace in (b"sekar.ayu@example.org", b"dewi.kartika@example.org", b"ayuningtyas"):
            assert trace not in everything, trace
        for event in erased:
            stack.to_notification(event)
        with stack.notification.connect() as conn:
            left = conn.execute(select(deliveries.c.recipient)).scalars().all()
        assert DEWI["email"] not in left, "the objector's notice is forgotten with them"
    finally:
        stack.close()


def test_an_objection_filed_during_the_notice_period_is_erased_with_the_rest(
    database_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure takes every objection of the person that exists when it is carried out:
    Dewi objects again after asking to be erased, before the period is over; the review
    service kept the request (its keyed hashes and due time) and matches again then."""
    monkeypatch.setenv("SUBJECT_MATCH_KEY", MATCH_KEY)
    stack = Stack(database_factory, notice_hours=48)
    try:
        filed = file_objections(stack)
        asked = stack.client.post(
            "/v1/subjects/erasures", json={"email": DEWI["email"]}, headers=auth(ADMIN)
        )
        assert asked.status_code == 200, asked.json
        (request,) = stack.submission_events("person.erasure_requested")
        stack.to_everyone(request)
        erase_after = datetime.fromisoformat(request.data["erase_after"])
        later = _object(
            stack.review_client,
            filed["dewi"]["proposal_id"],
            name=DEWI["name"],
            email=DEWI["email"],
            phone=DEWI["phone"],
            reason="Saya keberatan lagi: data antreannya tidak terbuka.",
            _client="198.51.100.9",
        )
        assert later.status_code == 201, later.json
        with engine_of(stack.review).connect() as conn:
            again = conn.execute(
                select(objections_table.c.subject_id).where(
                    objections_table.c.id == later.json["id"]
                )
            ).scalar_one()

        review_work = work_factory(engine_of(stack.review))
        assert erase_due_objectors(datetime.now(UTC), review_work(), MATCH_KEY) == 0
        due = erase_after + timedelta(minutes=1)
        assert erase_due_objectors(due, review_work(), MATCH_KEY) == 2
        assert erase_due_objectors(due + timedelta(minutes=1), review_work(), MATCH_KEY) == 0
        erased = outbox_events(stack.review, "objector.erased")
        assert sorted(e.data["subject_id"] for e in erased) == sorted(
            [filed["dewi"]["subject_id"], again]
        )
        everything = every_review_row(stack)
        for trace in (b"dewi.kartika@example.org", b"dewi kartika", b"85711223344"):
            assert trace not in everything, trace
        assert b"warga.peduli@example.org" in everything  # the others stay
        # Nothing of the request is kept once it is carried out.
        with engine_of(stack.review).connect() as conn:
            assert conn.execute(select(person_erasures)).all() == []
    finally:
        stack.close()


def test_an_innovator_matched_as_objector_by_phone_is_told_at_the_objection_address_too(
    database_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sekar filed her objection with a personal address; the request names her innovator
    address and her phone. The submission service tells the innovator address; the review
    service tells the objection's address too, since it is not the one the request named."""
    monkeypatch.setenv("SUBJECT_MATCH_KEY", MATCH_KEY)
    stack = Stack(database_factory, notice_hours=48)
    personal = "sekar.pribadi@example.net"
    try:
        submit_innovator(stack, SEKAR)
        filed = file_objections(stack)
        other = _object(
            stack.review_client,
            filed["dewi"]["proposal_id"],
            name=SEKAR["name"],
            email=personal,
            phone=SEKAR["phone"],
            _client="198.51.100.9",
        )
        assert other.status_code == 201, other.json
        with engine_of(stack.review).connect() as conn:
            subjects = dict(
                conn.execute(
                    select(objections_table.c.id, objections_table.c.subject_id).where(
                        objections_table.c.id.in_([filed["sekar"]["id"], other.json["id"]])
                    )
                ).all()
            )
        asked = stack.client.post(
            "/v1/subjects/erasures",
            json={"email": SEKAR["email"], "phone": SEKAR["phone"]},
            headers=auth(ADMIN),
        )
        assert asked.status_code == 200 and len(asked.json["pending"]) == 1, asked.json
        (request,) = stack.submission_events("person.erasure_requested")
        assert request.data["subjects_told"] is True
        for event in stack.submission_events():
            if event.type in ("subject.erasure_requested", "person.erasure_requested"):
                stack.to_everyone(event)
        # Her objection filed with the innovator address is not told twice; the other is.
        (notice,) = outbox_events(stack.review, "objector.erasure_requested")
        assert notice.data["subject_id"] == subjects[other.json["id"]]
        stack.to_notification(notice)
        with stack.notification.connect() as conn:
            told = conn.execute(
                select(deliveries.c.recipient, deliveries.c.data_subject)
                .where(deliveries.c.subject == "Data pribadi Anda akan dihapus")
                .order_by(deliveries.c.recipient)
            ).all()
        assert [tuple(t) for t in told] == [
            ("sekar.ayu@example.org", None),  # as the innovator
            (personal, subjects[other.json["id"]]),  # as the objector
        ]
    finally:
        stack.close()


def test_an_erasure_renames_the_evidence_files_that_name_the_person_and_keeps_contents(
    stack: Stack,
) -> None:
    """Evidence is the agency's document about its innovation: an erasure request keeps
    the files' contents (retention deletes those of erased proposals), but a file whose
    name names the person is renamed, in the evidence rows, the addenda, the timeline and
    every submitted version's list."""
    with stack.engine.begin() as conn:
        agency = store.create_agency(conn, "DINKES", "Dinas Kesehatan", "dinas")
        key = store.add_api_key(conn, agency.id).secret
    profile = copy.deepcopy(DEMO_PROPOSAL)
    profile["innovators"] = [dict(SEKAR)]
    draft = stack.client.post("/v1/proposals?draft=true", json=profile, headers=auth(key))
    assert draft.status_code == 201, draft.json
    pid = draft.json["id"]
    contents = {}
    for name in ("KTP Sekar Ayuningtyas.pdf", "laporan-antrean.pdf"):
        data = b"%PDF-1.7\n" + name.encode()
        sent = stack.client.post(
            f"/v1/proposals/{pid}/evidence",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            headers=auth(key),
        )
        assert sent.status_code == 201, sent.json
        contents[sent.json["id"]] = data
    submitted = stack.client.post(f"/v1/proposals/{pid}/submit", headers=auth(key))
    assert submitted.status_code == 200, submitted.json
    added = stack.client.post(
        f"/v1/proposals/{pid}/addenda",
        data={
            "note": "Surat tambahan.",
            "file": (io.BytesIO(b"%PDF-1.7\nsurat"), "surat_081377771234.pdf"),
        },
        content_type="multipart/form-data",
        headers=auth(key),
    )
    assert added.status_code == 201, added.json

    erased = stack.client.post(
        "/v1/subjects/erasures", json={"email": SEKAR["email"]}, headers=auth(ADMIN)
    )
    assert erased.status_code == 200 and len(erased.json["erased"]) == 1
    listed = stack.client.get(f"/v1/proposals/{pid}/evidence", headers=auth(key)).json
    names = {e["id"]: e["filename"] for e in listed["items"]}
    assert sorted(names.values()) == ["berkas-1.pdf", "laporan-antrean.pdf"]
    for evidence_id, data in contents.items():
        got = stack.client.get(
            f"/v1/proposals/{pid}/evidence/{evidence_id}/content", headers=auth(key)
        )
        assert got.status_code == 200 and got.data == data, "the contents stay"
    with stack.engine.connect() as conn:
        versions = conn.execute(select(store.proposal_versions.c.evidence)).scalars().all()
        addenda = conn.execute(select(store.tables.addenda.c.filename)).scalars().all()
        facts = conn.execute(select(store.tables.timeline.c.facts)).scalars().all()
    assert [sorted(f["filename"] for f in v) for v in versions if v] == [
        ["berkas-1.pdf", "laporan-antrean.pdf"]
    ]
    assert addenda == ["berkas-1.pdf"]
    flat = repr(facts).lower() + repr(versions).lower() + repr(names).lower()
    for trace in ("sekar", "ayuningtyas", "81377771234"):
        assert trace not in flat, trace


@pytest.mark.real_migrations
def test_the_migration_fills_the_hashes_of_objectors_not_erased(
    database_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """c7a4e2f9d1b6 with SUBJECT_MATCH_KEY set: an objection filed before it gets the keyed
    hashes of its objector's email and phone; an erased objector (no key) gets none."""

    monkeypatch.setenv("SUBJECT_MATCH_KEY", MATCH_KEY)
    schema = by_name("review").schema
    url = database_factory()
    engine = make_engine(url)
    insert = text(
        "INSERT INTO review_objections (id, cycle_id, proposal_id, subject_id, subject_key, "
        "name, email, phone, language, reason, status, filed_at, client) VALUES (:id, 'c', "
        "'p', :id, :key, 'Sekar', :email, :phone, 'id', 'alasan', 'open', :at, 'h')"
    )
    try:
        command.upgrade(migrations.config(schema, url), "b5e8d2f4a6c1")
        with engine.begin() as conn:
            conn.execute(
                insert,
                {
                    "id": "live",
                    "key": b"k" * 32,
                    "email": SEKAR["email"],
                    "phone": "+6281377771234",
                    "at": datetime.now(UTC),
                },
            )
            conn.execute(
                insert,
                {
                    "id": "erased",
                    "key": None,
                    "email": "erased-x@invalid",
                    "phone": None,
                    "at": datetime.now(UTC),
                },
            )
        migrations.upgrade(schema, url)
        with engine.connect() as conn:
            rows = {
                r.id: (r.match_email, r.match_phone)
                for r in conn.execute(
                    text("SELECT id, match_email, match_phone FROM review_objections")
                )
            }
        assert rows == {
            "live": (email_hash(MATCH_KEY, SEKAR["email"]), phone_hash(MATCH_KEY, SEKAR["phone"])),
            "erased": (None, None),
        }
    finally:
        engine.dispose()
