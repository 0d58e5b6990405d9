"""The email channel against a real SMTP server (aiosmtpd): MIME structure, escaping,
headers, STARTTLS and implicit TLS with AUTH LOGIN, and a server that is down for a while."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from services.notification import store
from services.notification.adapters.mailer import SmtpMailer, TransientSendError, compose
from services.notification.adapters.rendering import RenderedEmail
from services.notification.consumers import handlers_for
from services.notification.domain import SENT
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import Dispatcher, EmailTransport, Policy
from services.notification.usecases.recording import Recorder
from shared.broker import free_port
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from shared.settings import Settings
from tests.integration.notification.support import (
    Inbox,
    client_tls,
    eventually,
    self_signed_certificate,
    server_tls,
    smtp_server,
)
from tests.unit.notification import factories

SENDER = "Sekretariat Inovasi <noreply@inovasi.example.go.id>"
HOSTILE = '<img src=x onerror=alert(1)> "Posyandu"\r\nBcc: victim@example.org'


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


def record(engine: Engine, *events: Any) -> None:
    handle = inbox_dispatcher(
        engine,
        store.inbox,
        handlers_for(Recorder(unsubscribe_url="https://n.example/unsubscribe", secret="s")),
    )
    for event in events:
        handle(event)


def settings(port: int, **changes: Any) -> Settings:
    return Settings(service="notification", smtp_port=port, smtp_timeout_s=10, **changes)


def send_all(engine: Engine, mailer: SmtpMailer) -> int:
    return Dispatcher(engine, EmailTransport(mailer, SENDER), Policy()).send_due()


def statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r.status for r in conn.execute(select(deliveries.c.status))]


def test_mime_structure_headers_and_escaping_on_a_real_server(engine: Engine) -> None:
    inbox = Inbox()
    server = smtp_server(inbox, free_port())
    proposal = factories.submitted(title=HOSTILE)
    scored = factories.payload_for("proposal.scored", proposal["proposal_id"])
    try:
        record(
            engine,
            factories.event("proposal.submitted", proposal),
            factories.event("proposal.scored", scored),
        )
        assert send_all(engine, SmtpMailer(settings(server.port))) == 3
    finally:
        server.stop()

    by_subject = {r.message["Subject"].split(":")[0]: r for r in inbox.messages}
    confirmation = by_subject["Usulan inovasi diterima"].message
    assert confirmation.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in confirmation.iter_parts()] == ["text/plain", "text/html"]
    assert confirmation["From"] == SENDER
    assert confirmation["To"] == "Innovator 1 <innovator1@dinkes.example.go.id>"
    assert confirmation["Date"] and confirmation["Message-ID"].endswith("@inovasi.example.go.id>")
    assert confirmation["Bcc"] is None
    assert "\n" not in confirmation["Subject"]
    assert "Bcc: victim@example.org" in confirmation["Subject"]
    html = confirmation.get_body(("html",)).get_content()
    plain = confirmation.get_body(("plain",)).get_content()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x onerror=alert(1)>" in plain
    assert confirmation["List-Unsubscribe"] is None, "a confirmation is essential"
    assert [r.rcpt_tos for r in inbox.messages if r.message is confirmation] == [
        ["innovator1@dinkes.example.go.id"]
    ]

    optional = by_subject["Penilaian usulan selesai"].message
    assert optional["List-Unsubscribe"].startswith("<https://n.example/unsubscribe?token=")
    assert optional["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(statuses(engine)) == {SENT}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def test_starttls_and_auth_login(engine: Engine, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    inbox = Inbox()
    server = smtp_server(
        inbox,
        free_port(),
        tls_context=server_tls(cert, key),
        require_starttls=True,
        authenticator=inbox.authenticator("s3cret"),
        auth_require_tls=True,
        auth_exclude_mechanism=["PLAIN"],
    )
    try:
        record(engine, factories.event("proposal.submitted", factories.submitted()))
        good = settings(
            server.port, smtp_starttls=True, smtp_username="mailer", smtp_password="s3cret"
        )
        bad = settings(server.port, smtp_starttls=True, smtp_username="mailer", smtp_password="no")

        with pytest.raises(TransientSendError, match="535"):
            send_all(engine, SmtpMailer(bad, client_tls(cert)))
        with pytest.raises(TransientSendError, match="CERTIFICATE_VERIFY_FAILED"):
            send_all(engine, SmtpMailer(good))  # the system trust store does not know it
        assert send_all(engine, SmtpMailer(good, client_tls(cert))) == 1
    finally:
        server.stop()

    assert ("LOGIN", "mailer") in inbox.logins
    assert len(inbox.messages) == 1
    assert statuses(engine) == [SENT]


def test_implicit_tls(engine: Engine, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    inbox = Inbox()
    server = smtp_server(
        inbox,
        free_port(),
        ssl_context=server_tls(cert, key),
        authenticator=inbox.authenticator("s3cret"),
        # aiosmtpd only counts STARTTLS as TLS; here the whole connection is.
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN"],
    )
    try:
        record(engine, factories.event("proposal.submitted", factories.submitted()))
        tls = settings(server.port, smtp_username="mailer", smtp_password="s3cret")
        assert send_all(engine, SmtpMailer(tls, client_tls(cert), implicit_tls=True)) == 1
    finally:
        server.stop()

    assert len(inbox.messages) == 1 and inbox.logins == [("LOGIN", "mailer")]


def test_a_server_down_for_a_while_gets_every_message_once_when_it_returns(
    engine: Engine,
) -> None:
    port = free_port()
    record(
        engine,
        *(factories.event("proposal.submitted", factories.submitted()) for _ in range(20)),
    )
    with pytest.raises(TransientSendError):
        send_all(engine, SmtpMailer(settings(port)))
    stop = threading.Event()
    dispatcher = Dispatcher(
        engine,
        EmailTransport(SmtpMailer(settings(port)), SENDER),
        Policy(idle_wait_s=0.02, outage_backoff_max_s=0.5, lease=timedelta(seconds=30)),
        rng=random.Random(1),
    )
    loop = threading.Thread(target=dispatcher.run, args=(stop,))
    loop.start()
    inbox = Inbox()
    try:
        stop.wait(1.5)  # the loop keeps knocking on a closed port meanwhile
        assert inbox.messages == []
        server = smtp_server(inbox, port)
        try:
            eventually(lambda: len(inbox.messages) >= 20, 30, "every message after the outage")
            stop.wait(0.5)  # room for a duplicate to show up
        finally:
            server.stop()
    finally:
        stop.set()
        loop.join(10)

    ids = [r.message_id for r in inbox.messages]
    assert len(ids) == 20 and len(set(ids)) == 20
    assert set(statuses(engine)) == {SENT}


def test_a_sender_that_dies_at_the_hand_over_leaves_no_message_at_the_server(
    engine: Engine,
) -> None:
    inbox = Inbox()
    server = smtp_server(inbox, free_port())
    message = compose(
        RenderedEmail("Subjek", "Teks\n.\n..\n", "<p>HTML</p>"),
        SENDER,
        "siti@dinkes.example.go.id",
        "Siti",
        "<m-1@inagara.local>",
    )

    def die() -> None:
        raise RuntimeError("killed at the hand-over")

    try:
        mailer = SmtpMailer(settings(server.port))
        with pytest.raises(RuntimeError), mailer.session() as session:
            session.send(message, die)
        with mailer.session() as session:
            session.send(message)
        eventually(lambda: inbox.messages, 5, "the second send")
    finally:
        server.stop()

    [received] = inbox.messages
    plain = received.message.get_body(("plain",)).get_content()
    assert plain.replace("\r\n", "\n") == "Teks\n.\n..\n"  # the dots survive stuffing
