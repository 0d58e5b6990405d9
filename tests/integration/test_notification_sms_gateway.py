"""The SMS channel against the local gateway server (deploy/local/smsgateway.py):
both APIs, 4xx, 5xx, a stall, and "500 twice then 200" through the dispatcher."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from deploy.local.smsgateway import SmsGatewayServer, read_sms
from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.mailer import PermanentSendError, TransientSendError
from services.notification.adapters.sms import TwilioGateway, WebhookGateway
from services.notification.config import NotificationConfig, gateway_kind
from services.notification.consumers import handlers_for
from services.notification.domain import FAILED, SENT, SMS
from services.notification.store.deliveries import find_delivery
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import Dispatcher, Policy, SmsTransport
from services.notification.usecases.recording import Recorder
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

TOKEN = "gateway-token"
NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SmsGatewayServer]:
    with SmsGatewayServer(directory=tmp_path / "sms", token=TOKEN, stall_s=3) as server:
        yield server


def test_twilio_adapter_posts_a_form_with_basic_auth_and_reads_the_sid(
    gateway: SmsGatewayServer, tmp_path: Path
) -> None:
    sms = TwilioGateway(gateway.twilio_url("AC123"), TOKEN, "INAGARA", timeout_s=2)

    sid = sms.send("+6281234567890", "Inagara: usulan diterima", "d-1")

    [kept] = gateway.gateway.messages
    assert (kept.api, kept.id, kept.to, kept.sender, kept.text) == (
        "twilio",
        sid,
        "+6281234567890",
        "INAGARA",
        "Inagara: usulan diterima",
    )
    assert read_sms(tmp_path / "sms") == [kept]


def test_webhook_adapter_posts_json_with_a_bearer_token_and_reference(
    gateway: SmsGatewayServer,
) -> None:
    sms = WebhookGateway(gateway.webhook_url, TOKEN, "INAGARA", timeout_s=2)

    first = sms.send("+6281234567890", "a" * 200, "d-1")
    again = sms.send("+6281234567890", "a" * 200, "d-1")  # a resend after a crash

    assert first == again
    [kept] = gateway.gateway.messages
    assert (kept.api, kept.reference, len(kept.text)) == ("webhook", "d-1", 200)


def test_the_adapter_is_chosen_by_setting_or_by_the_url(gateway: SmsGatewayServer) -> None:
    auto = NotificationConfig()
    assert gateway_kind(auto, gateway.twilio_url()) == "twilio"
    assert gateway_kind(auto, gateway.webhook_url) == "webhook"
    assert gateway_kind(auto.with_(sms_gateway_kind="twilio"), "https://x/y") == "twilio"


@pytest.mark.parametrize("api", ["twilio", "webhook"])
def test_failures_are_classified(gateway: SmsGatewayServer, api: str) -> None:
    url = gateway.twilio_url() if api == "twilio" else gateway.webhook_url
    adapter = TwilioGateway if api == "twilio" else WebhookGateway
    sms = adapter(url, TOKEN, "INAGARA", 10.0)
    impatient = adapter(url, TOKEN, "INAGARA", 1.0)  # the gateway stalls for 3 s
    wrong_token = adapter(url, "x", "INAGARA", 10.0)

    with pytest.raises(PermanentSendError, match="400"):
        sms.send("0812 not e164", "x", "d-1")
    with pytest.raises(PermanentSendError, match="401"):
        wrong_token.send("+6281234567890", "x", "d-2")
    gateway.gateway.plan(500, 503, 429, "stall")
    for status in ("500", "503", "429"):
        with pytest.raises(TransientSendError, match=status):
            sms.send("+6281234567890", "x", "d-3")
    with pytest.raises(TransientSendError, match="timed out"):
        impatient.send("+6281234567890", "x", "d-3")
    gateway.stop()
    with pytest.raises(TransientSendError, match="unreachable"):
        sms.send("+6281234567890", "x", "d-3")
    assert gateway.gateway.messages == []


def test_a_gateway_failing_twice_with_500_gets_three_attempts_and_sends_one_sms(
    gateway: SmsGatewayServer, database_url: str
) -> None:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    clock = FakeClock(NOON_IN_JAKARTA)
    try:
        inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(sms=True, clock=clock)))(
            factories.event("proposal.submitted", factories.submitted())
        )
        gateway.gateway.plan(500, 500)
        sender = Dispatcher(
            engine,
            SmsTransport(TwilioGateway(gateway.twilio_url(), TOKEN, "INAGARA", 2.0)),
            Policy(),
            clock=clock,
            rng=random.Random(7),
        )
        for _ in range(3):
            assert sender.send_due() == 1
            clock.advance(timedelta(minutes=10))  # past any backoff
        assert sender.send_due() == 0

        with engine.connect() as conn:
            [delivery_id] = conn.execute(
                select(deliveries.c.id).where(deliveries.c.channel == SMS)
            ).scalars()
        found = find_delivery(engine, delivery_id)
        assert found is not None
        assert found["status"] == SENT and found["attempts"] == 3
        assert [a["outcome"] for a in found["attempt_log"]] == ["retry", "retry", SENT]
        assert "500" in (found["attempt_log"][0]["error"] or "")
        assert found["provider_id"] == gateway.gateway.messages[0].id
        assert gateway.gateway.requests == 3
        assert len(gateway.gateway.messages) == 1
    finally:
        engine.dispose()


def test_a_number_the_gateway_refuses_fails_at_once(
    gateway: SmsGatewayServer, database_url: str
) -> None:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    clock = FakeClock(NOON_IN_JAKARTA)
    try:
        inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(sms=True, clock=clock)))(
            factories.event("proposal.submitted", factories.submitted())
        )
        gateway.gateway.plan(400)
        sender = Dispatcher(
            engine,
            SmsTransport(WebhookGateway(gateway.webhook_url, TOKEN, "INAGARA", 2.0)),
            Policy(),
            clock=clock,
        )
        assert sender.send_due() == 1
        with engine.connect() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.channel == SMS)).one()
        assert (row.status, row.attempts) == (FAILED, 1)
        assert gateway.gateway.requests == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("api", ["twilio", "webhook"])
def test_a_sender_that_dies_at_the_hand_over_leaves_no_sms_at_the_gateway(
    gateway: SmsGatewayServer, api: str
) -> None:
    url = gateway.twilio_url() if api == "twilio" else gateway.webhook_url
    sms = (TwilioGateway if api == "twilio" else WebhookGateway)(url, TOKEN, "INAGARA", 2.0)
    handed: list[str] = []

    def die() -> None:
        raise RuntimeError("killed at the hand-over")

    with pytest.raises(RuntimeError):
        sms.send("+6281234567890", "x", "d-1", die)
    sms.send("+6281234567890", "y", "d-2", lambda: handed.append("d-2"))

    assert [m.text for m in gateway.gateway.messages] == ["y"]
    assert handed == ["d-2"]
