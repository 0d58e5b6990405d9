"""Notification service: recipient rules, rendering, composing, and the dispatcher."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from services.notification import domain, store
from services.notification.dispatcher import Dispatcher
from services.notification.mailer import (
    MemoryMailer,
    PermanentSendError,
    TransientSendError,
    compose,
)
from services.notification.rendering import RenderedEmail, render_email
from shared.db import create_schema, make_engine
from tests.fakes import UpperBoundRandom

SENDER = "Inagara <noreply@inagara.local>"
HOSTILE_TITLE = "<script>alert(1)</script>\r\nBcc: x@evil"
LEASE = timedelta(seconds=60)


def payload(*innovators: tuple[str, str], title: str = "Posyandu Digital") -> dict[str, Any]:
    return {
        "proposal_id": "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a",
        "version": 1,
        "agency": {"id": "ag-1", "code": "DINKES", "name": "Dinas Kesehatan"},
        "submitted_at": "2025-02-03T04:05:06+00:00",
        "profile": {
            "title": title,
            "innovators": [
                {"name": name, "email": email, "phone": "+6281234567890"}
                for name, email in innovators
            ],
        },
    }


def message(title: str = "Posyandu Digital", language: str = "id") -> domain.Message:
    [confirmation] = domain.submission_confirmations(
        payload(("Siti Rahma", "siti@example.go.id"), title=title)
    )
    return domain.Message(**{**confirmation.__dict__, "language": language})


# -- who hears about what -------------------------------------------------------


def test_every_innovator_gets_one_confirmation_in_indonesian() -> None:
    messages = domain.submission_confirmations(
        payload(("Siti", "siti@example.go.id"), ("Budi", "budi@example.go.id"))
    )

    assert [m.recipient for m in messages] == ["siti@example.go.id", "budi@example.go.id"]
    assert [m.recipient_name for m in messages] == ["Siti", "Budi"]
    assert {m.language for m in messages} == {"id"}
    assert {m.channel for m in messages} == {domain.EMAIL}
    assert {m.template for m in messages} == {"proposal_submitted"}
    assert messages[0].context["title"] == "Posyandu Digital"
    assert messages[0].context["agency_name"] == "Dinas Kesehatan"
    assert messages[1].context["name"] == "Budi"


def test_a_shared_address_gets_one_email_whatever_its_case() -> None:
    messages = domain.submission_confirmations(
        payload(
            ("Siti", "Siti@Example.go.id"),
            ("Siti R.", " siti@example.go.id "),
            ("Budi", "budi@example.go.id"),
        )
    )

    assert [m.recipient for m in messages] == ["siti@example.go.id", "budi@example.go.id"]
    assert messages[0].recipient_name == "Siti"


def test_retry_delay_grows_then_is_capped() -> None:
    longest = UpperBoundRandom()
    delays = [domain.retry_delay(a, longest, base_s=2.0, cap_s=60.0) for a in range(1, 9)]

    assert [d.total_seconds() for d in delays] == [2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize("attempt", [0, 1, 3, 10, 50])
def test_retry_delay_stays_between_half_the_base_and_the_cap(attempt: int) -> None:
    rng = random.Random(attempt)
    for _ in range(100):
        seconds = domain.retry_delay(attempt, rng, base_s=2.0, cap_s=600.0).total_seconds()
        assert 1.0 <= seconds <= min(600.0, 2.0 * 2 ** max(attempt - 1, 0))


# -- rendering and composing ------------------------------------------------------


def test_indonesian_email_names_the_title_and_the_proposal() -> None:
    rendered = render_email(message())

    assert "Posyandu Digital" in rendered.subject
    assert rendered.subject.startswith("Usulan inovasi diterima")
    assert "Yth. Siti Rahma" in rendered.text
    assert "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a" in rendered.html
    assert '<html lang="id">' in rendered.html


def test_english_template_renders_too() -> None:
    rendered = render_email(message(language="en"))

    assert rendered.subject == "Innovation proposal received: Posyandu Digital"
    assert "Dear Siti Rahma" in rendered.text
    assert "<strong>Posyandu Digital</strong>" in rendered.html


def test_hostile_title_is_escaped_in_html_verbatim_in_text_and_one_line_in_subject() -> None:
    rendered = render_email(message(title=HOSTILE_TITLE))

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert HOSTILE_TITLE in rendered.text
    assert "\r" not in rendered.subject
    assert "\n" not in rendered.subject
    assert "<script>alert(1)</script> Bcc: x@evil" in rendered.subject


def test_hostile_title_cannot_add_a_header() -> None:
    rendered = render_email(message(title=HOSTILE_TITLE))

    composed = compose(rendered, SENDER, "siti@example.go.id", "Siti", "<m-1@inagara.local>")

    assert composed["Bcc"] is None
    assert "x@evil" not in composed["To"]


def test_missing_context_fails_loudly() -> None:
    broken = domain.Message(
        channel=domain.EMAIL,
        recipient="a@example.org",
        recipient_name="A",
        template="proposal_submitted",
        language="id",
        context={"title": "T"},
    )
    with pytest.raises(Exception, match="undefined"):
        render_email(broken)


def test_compose_builds_a_text_and_html_message() -> None:
    rendered = RenderedEmail("Subjek", "Teks biasa\n", "<p>HTML</p>\n")

    composed = compose(rendered, SENDER, "siti@example.go.id", "Siti Rahma", "<m-1@inagara.local>")

    assert composed["Message-ID"] == "<m-1@inagara.local>"
    assert composed["Date"]
    assert composed["From"] == SENDER
    assert composed["To"] == "Siti Rahma <siti@example.go.id>"
    assert composed["Subject"] == "Subjek"
    assert composed.get_content_type() == "multipart/alternative"
    parts = list(composed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert isinstance(parts[0], EmailMessage)
    assert parts[0].get_content() == "Teks biasa\n"
    assert parts[1].get_content() == "<p>HTML</p>\n"


# -- the dispatcher ---------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'notification.db'}")
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


def add_delivery(engine: Engine, event_id: str = "event-1") -> str:
    msg = message()
    with engine.begin() as conn:
        store.add_delivery(conn, event_id, "proposal.submitted", "p-1", msg, render_email(msg))
        query = select(store.deliveries.c.id).where(store.deliveries.c.event_id == event_id)
        return str(conn.execute(query).scalar_one())


def delivery(engine: Engine, delivery_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(store.deliveries).where(store.deliveries.c.id == delivery_id)
        ).one()
    return dict(row._mapping)


def aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; the code stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dispatcher(engine: Engine, mailer: MemoryMailer, **options: Any) -> Dispatcher:
    return Dispatcher(engine, mailer, SENDER, rng=random.Random(3), lease=LEASE, **options)


def test_pending_delivery_is_sent_once_and_marked_sent(engine: Engine) -> None:
    mailer = MemoryMailer()
    delivery_id = add_delivery(engine)
    sender = dispatcher(engine, mailer)

    assert sender.send_due() == 1
    assert sender.send_due() == 0

    assert len(mailer.sent) == 1
    sent = mailer.sent[0]
    assert sent["To"] == "Siti Rahma <siti@example.go.id>"
    assert sent["Message-ID"] == f"<{delivery_id}@inagara.local>"
    assert "Posyandu Digital" in sent["Subject"]
    row = delivery(engine, delivery_id)
    assert row["status"] == domain.SENT
    assert row["attempts"] == 1
    assert row["sent_at"] is not None
    assert row["last_error"] is None


def test_transient_failure_is_retried_later(engine: Engine) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("451 4.7.1 try again later")]
    delivery_id = add_delivery(engine)
    sender = dispatcher(engine, mailer)
    before = datetime.now(UTC)

    assert sender.send_due() == 0

    row = delivery(engine, delivery_id)
    assert row["status"] == domain.PENDING
    assert row["attempts"] == 1
    assert "451" in row["last_error"]
    assert aware(row["next_attempt_at"]) > before
    assert mailer.sent == []
    assert sender.send_due() == 0  # not due yet
    assert mailer.sent == []


def test_transient_failure_after_the_last_attempt_fails_the_delivery(engine: Engine) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("451 busy")]
    delivery_id = add_delivery(engine)

    dispatcher(engine, mailer, max_attempts=1).send_due()

    assert delivery(engine, delivery_id)["status"] == domain.FAILED


def test_lost_connection_ends_the_burst_and_keeps_the_delivery_due(engine: Engine) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("connection reset", connection_lost=True)]
    delivery_id = add_delivery(engine)

    with pytest.raises(TransientSendError):
        dispatcher(engine, mailer).send_due()

    row = delivery(engine, delivery_id)
    assert row["status"] == domain.PENDING
    assert row["attempts"] == 1


def test_permanent_failure_fails_the_delivery(engine: Engine) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [PermanentSendError("550 5.1.1 no such user")]
    delivery_id = add_delivery(engine)
    sender = dispatcher(engine, mailer)

    assert sender.send_due() == 0
    assert sender.send_due() == 0

    row = delivery(engine, delivery_id)
    assert row["status"] == domain.FAILED
    assert "550" in row["last_error"]
    assert mailer.sent == []


def claimed_by_another_sender(engine: Engine, delivery_id: str, claimed_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(store.deliveries)
            .where(store.deliveries.c.id == delivery_id)
            .values(status=domain.SENDING, claimed_at=claimed_at, attempts=1)
        )


def test_delivery_claimed_by_another_sender_is_left_alone(engine: Engine) -> None:
    mailer = MemoryMailer()
    delivery_id = add_delivery(engine)
    claimed_by_another_sender(engine, delivery_id, datetime.now(UTC))

    assert dispatcher(engine, mailer).send_due() == 0

    assert mailer.sent == []
    assert delivery(engine, delivery_id)["status"] == domain.SENDING


def test_delivery_whose_lease_expired_is_sent(engine: Engine) -> None:
    mailer = MemoryMailer()
    delivery_id = add_delivery(engine)
    claimed_by_another_sender(engine, delivery_id, datetime.now(UTC) - 2 * LEASE)

    assert dispatcher(engine, mailer).send_due() == 1

    assert len(mailer.sent) == 1
    row = delivery(engine, delivery_id)
    assert row["status"] == domain.SENT
    assert row["attempts"] == 2


def test_each_delivery_of_a_burst_is_sent(engine: Engine) -> None:
    mailer = MemoryMailer()
    ids = {add_delivery(engine, f"event-{n}") for n in range(3)}

    assert dispatcher(engine, mailer).send_due() == 3

    assert {m["Message-ID"] for m in mailer.sent} == {f"<{i}@inagara.local>" for i in ids}
