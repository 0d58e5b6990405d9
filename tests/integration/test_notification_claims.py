"""A claim is fenced: a sender whose lease ran out before its hand-over, and whose
delivery another sender claimed meanwhile, sends nothing and changes nothing.

In the store: every change A makes after B's claim is refused. Through the
dispatcher: sender A claims a delivery and stalls between the claim and the hand-over (as a
sender starved of CPU does); the lease runs out; sender B claims the delivery
and sends it. When A wakes, its hand-over is refused: it never writes the last
byte, so the server (a real aiosmtpd, the local SMS gateway) gets one message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from deploy.local.ports import free_port
from deploy.local.smsgateway import SmsGatewayServer
from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.mailer import SmtpMailer
from services.notification.adapters.sms import TwilioGateway
from services.notification.config import NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.domain import FAILED, PENDING, SENDING, SENT
from services.notification.store.deliveries import DeliveryStore
from services.notification.store.tables import attempts, deliveries
from services.notification.usecases.dispatch import (
    Dispatcher,
    EmailTransport,
    Policy,
    Send,
    SmsTransport,
    Transport,
    claim_deliveries,
    release_deliveries,
)
from services.notification.usecases.recording import Recorder
from services.notification.usecases.work import NotificationWork
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.integration.notification.support import Inbox, eventually, smtp_server
from tests.unit.notification import factories

SENDER = "Sekretariat Inovasi <noreply@inovasi.example.go.id>"
LEASE = timedelta(seconds=2)
NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def work(engine: Engine) -> NotificationWork:
    return NotificationWork(engine, store.outbox)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


def record(engine: Engine, clock: FakeClock, *, sms: bool) -> None:
    recorder = Recorder(sms=sms, secret="s", clock=clock, quiet_hours=None)
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(recorder))
    handle(factories.event("proposal.submitted", factories.submitted()))


def the_delivery(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        [row] = conn.execute(select(deliveries)).all()
    return dict(row._mapping)


def test_a_claim_taken_over_after_its_lease_refuses_every_later_change(engine: Engine) -> None:
    clock = FakeClock(NOON_IN_JAKARTA)
    record(engine, clock, sms=False)
    delivery_id = the_delivery(engine)["id"]

    [a] = claim_deliveries([delivery_id], clock.now(), LEASE, work(engine))
    assert (
        claim_deliveries([delivery_id], clock.now(), LEASE, work(engine)) == []
    )  # A's lease holds
    clock.advance(LEASE + timedelta(seconds=1))  # A stalls past its lease
    [b] = claim_deliveries([delivery_id], clock.now(), LEASE, work(engine))
    assert a["claim_token"] and b["claim_token"] and a["claim_token"] != b["claim_token"]

    with engine.begin() as conn:
        assert DeliveryStore(conn).hand_over(b, clock.now())
    with engine.begin() as conn:
        assert not DeliveryStore(conn).hand_over(a, clock.now()), "A must not send"
    taken = the_delivery(engine)
    # Whatever A tries next changes nothing of B's claim.
    with engine.begin() as conn:
        assert not DeliveryStore(conn).finish(a, SENT, clock.now(), provider_id="from-a")
        assert not DeliveryStore(conn).finish(a, FAILED, clock.now(), error="550")
        assert not DeliveryStore(conn).retry_later(a, clock.now(), "451", clock.now())
    release_deliveries([a], work(engine))
    assert the_delivery(engine) == taken
    assert (taken["status"], taken["claim_token"]) == (SENDING, b["claim_token"])

    with engine.begin() as conn:
        assert DeliveryStore(conn).finish(b, SENT, clock.now(), provider_id="from-b")
    done = the_delivery(engine)
    assert (done["status"], done["provider_id"], done["attempts"]) == (SENT, "from-b", 2)
    with engine.connect() as conn:
        assert conn.execute(select(attempts.c.number, attempts.c.outcome)).all() == [(2, SENT)]


def test_a_claim_still_held_gives_back_what_it_never_tried(engine: Engine) -> None:
    clock = FakeClock(NOON_IN_JAKARTA)
    record(engine, clock, sms=False)
    delivery_id = the_delivery(engine)["id"]
    [a] = claim_deliveries([delivery_id], clock.now(), LEASE, work(engine))

    release_deliveries([a], work(engine))

    given_back = the_delivery(engine)
    assert (given_back["status"], given_back["attempts"], given_back["claim_token"]) == (
        PENDING,
        0,
        None,
    )
    with engine.begin() as conn:
        assert not DeliveryStore(conn).hand_over(a, clock.now()), "a released claim is not held"


class Stalled:
    """A transport whose sends wait for ``go`` before they start (after the claim,
    before the hand-over): a sender that lost the CPU for longer than its lease."""

    def __init__(self, transport: Transport) -> None:
        self.channel = transport.channel
        self._transport = transport
        self.waiting = threading.Event()
        self.go = threading.Event()

    @contextmanager
    def session(self) -> Iterator[Send]:
        with self._transport.session() as send:

            def stalled(delivery: dict[str, Any], hand_over: Callable[[], None]) -> str | None:
                self.waiting.set()
                assert self.go.wait(30), "the test never let the stalled sender go"
                return send(delivery, hand_over)

            yield stalled


def race(engine: Engine, clock: FakeClock, transport: Callable[[], Transport]) -> None:
    """A claims and stalls; its lease runs out; B claims and sends; then A goes on."""
    stalled = Stalled(transport())
    a = Dispatcher(engine, stalled, Policy(lease=LEASE), clock=clock)
    b = Dispatcher(engine, transport(), Policy(lease=LEASE), clock=clock)
    outcome: list[BaseException | int] = []

    def run_a() -> None:
        try:
            outcome.append(a.send_due())
        except BaseException as exc:  # shown by the assertion below
            outcome.append(exc)

    thread = threading.Thread(target=run_a)
    thread.start()
    try:
        assert stalled.waiting.wait(30), "sender A never claimed the delivery"
        clock.advance(LEASE + timedelta(seconds=1))
        assert b.send_due() == 1
    finally:
        stalled.go.set()
        thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and not isinstance(outcome[0], BaseException), outcome


def test_two_email_senders_racing_over_an_expired_lease_send_once(engine: Engine) -> None:
    clock = FakeClock(NOON_IN_JAKARTA)
    record(engine, clock, sms=False)
    inbox = Inbox()
    server = smtp_server(inbox, free_port())
    settings = NotificationSettings(
        service="notification", smtp_port=server.port, smtp_timeout_s=10
    )
    try:
        race(engine, clock, lambda: EmailTransport(SmtpMailer(settings), SENDER))
    finally:
        server.stop()

    assert len(inbox.messages) == 1, [m.message_id for m in inbox.messages]
    assert the_delivery(engine)["status"] == SENT


def test_two_sms_senders_racing_over_an_expired_lease_send_once(
    engine: Engine, tmp_path: Path
) -> None:
    clock = FakeClock(NOON_IN_JAKARTA)
    record(engine, clock, sms=True)
    with engine.begin() as conn:  # only the SMS: the email is not what this test is about
        conn.execute(deliveries.delete().where(deliveries.c.channel != "sms"))
    with SmsGatewayServer(directory=tmp_path / "sms") as gateway:
        # The Twilio API keeps a repeat (the webhook would drop it by reference).
        race(engine, clock, lambda: SmsTransport(TwilioGateway(gateway.twilio_url(), "", "X")))
        eventually(lambda: gateway.gateway.messages, 5, "the SMS at the gateway")

        assert len(gateway.gateway.messages) == 1, gateway.gateway.messages
    assert the_delivery(engine)["status"] == SENT
