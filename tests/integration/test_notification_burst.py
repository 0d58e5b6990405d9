"""A burst of 1,000 events over the real broker, through the worker's loops in-process,
to aiosmtpd and the local SMS gateway: exactly the expected emails and SMS, once each.

Half the events are decisions on a second topic, produced BEFORE the proposals they
are about, so many arrive first and must be parked and replayed, not lost.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from sqlalchemy import func, select

from deploy.local.smsgateway import SmsGatewayServer
from services.notification import store
from services.notification.adapters.mailer import SmtpMailer
from services.notification.adapters.sms import TwilioGateway
from services.notification.consumers import handlers_for
from services.notification.domain import SENT
from services.notification.store.tables import deliveries, parked_events
from services.notification.usecases.dispatch import Dispatcher, EmailTransport, Policy, SmsTransport
from services.notification.usecases.recording import Recorder
from shared.broker import ensure_topics, free_port
from shared.events.consumer import ConsumerConfig, EventConsumer
from shared.events.envelope import Event, to_record
from shared.events.inbox import Dispatcher as InboxDispatcher
from shared.events.producer import KafkaPublisher
from shared.events.relay import OutboxRelay
from shared.events.runner import run_loops
from shared.platform.db import create_schema, make_engine
from shared.settings import Settings
from tests.integration.notification.support import Inbox, eventually, one_database, smtp_server
from tests.unit.notification import factories

PROPOSALS = 500  # 500 submissions + 500 awards = 1,000 events


def produce(bootstrap: str, topic: str, events: list[Event]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=5)
    try:
        for event in events:
            record = to_record(event)
            producer.send(topic, key=record.key, value=record.value, headers=record.headers)
        producer.flush(30)
    finally:
        producer.close()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    # Heavy: once per session, on PostgreSQL when there is one (see one_database).
    with one_database(tmp_path) as url:
        yield url


def test_a_burst_of_1000_events_sends_exactly_the_expected_messages(
    kafka_bootstrap: str, topic: str, database_url: str
) -> None:
    decisions_topic = f"{topic}.decisions"
    ensure_topics(kafka_bootstrap, [decisions_topic, f"{decisions_topic}.dlq"], partitions=3)
    run = uuid.uuid4().hex[:8]
    submissions = [
        factories.submitted(
            innovators=[factories.innovator(n, email=f"i{n}-{run}@dinkes.example.go.id")],
            contact_email=f"contact{n}-{run}@dinkes.example.go.id",
        )
        for n in range(PROPOSALS)
    ]
    awards = [factories.payload_for("proposal.awarded", s["proposal_id"]) for s in submissions]
    produce(
        kafka_bootstrap, decisions_topic, [factories.event("proposal.awarded", a) for a in awards]
    )
    produce(kafka_bootstrap, topic, [factories.event("proposal.submitted", s) for s in submissions])

    inbox = Inbox()
    smtp = smtp_server(inbox, free_port())
    gateway = SmsGatewayServer().start()
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    settings = Settings(
        service="notification",
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        smtp_port=smtp.port,
        sms_gateway_url=gateway.twilio_url(),
        sms_quiet_hours="",
    )
    publisher = KafkaPublisher(kafka_bootstrap)
    consumer = EventConsumer(
        settings,
        ConsumerConfig(group_id=f"notification-burst-{run}", topics=(topic, decisions_topic)),
        InboxDispatcher(engine, store.inbox, handlers_for(Recorder(sms=True))).handle_all,
        publisher,
    )
    fast = Policy(idle_wait_s=0.01)
    email = Dispatcher(engine, EmailTransport(SmtpMailer(settings), settings.mail_from), fast)
    sms = Dispatcher(engine, SmsTransport(TwilioGateway(gateway.twilio_url(), "", "INAGARA")), fast)
    relay = OutboxRelay(engine, store.outbox, publisher, idle_wait_s=0.01)
    loops: dict[str, Callable[[threading.Event], None]] = {
        "consumer": consumer.run,
        "email": email.run,
        "sms": sms.run,
        "relay": relay.run,
    }
    stop = threading.Event()
    started = time.monotonic()
    worker = threading.Thread(target=run_loops, args=(loops, stop))
    worker.start()
    expected_emails = 3 * PROPOSALS  # confirmation + award to the innovator, award to the contact

    def recorded() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(deliveries)).scalar() or 0)

    try:
        eventually(lambda: recorded() >= 5 * PROPOSALS, 120, "every delivery recorded")
        recorded_at = time.monotonic()
        eventually(lambda: len(inbox.messages) >= expected_emails, 120, "every email")
        emails_done = time.monotonic()
        eventually(lambda: len(gateway.gateway.messages) >= 2 * PROPOSALS, 60, "every SMS")
        sms_done = time.monotonic()
        stop.wait(1.0)  # room for a duplicate to show up
    finally:
        stop.set()
        worker.join(30)
        smtp.stop()
        gateway.stop()
        publisher.close()

    recipients = Counter(
        (r.rcpt_tos[0], r.message["Subject"].split(":")[0]) for r in inbox.messages
    )
    assert len(inbox.messages) == expected_emails
    assert all(count == 1 for count in recipients.values())
    assert len({r.message_id for r in inbox.messages}) == expected_emails
    texts = Counter((m.to, m.text.split(":")[1][:8]) for m in gateway.gateway.messages)
    assert len(gateway.gateway.messages) == 2 * PROPOSALS
    assert all(count == 1 for count in texts.values())
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            ).all()
        )
        assert statuses == {SENT: 5 * PROPOSALS}
        assert conn.execute(select(func.count()).select_from(parked_events)).scalar() == 0
    engine.dispose()
    elapsed_emails = emails_done - started
    print(
        f"\nburst of {2 * PROPOSALS} events: {expected_emails} emails in {elapsed_emails:.1f}s "
        f"({expected_emails / elapsed_emails:.0f} emails/s including consumption), "
        f"{2 * PROPOSALS} SMS done after {sms_done - started:.1f}s; "
        f"all recorded after {recorded_at - started:.1f}s"
    )
