"""The WhatsApp channel against the local Cloud API stand-in (deploy/local/whatsapp.py) and
the SMS gateway stand-in, through the recorder and the dispatchers, on SQLite and on
PostgreSQL (``database_url``): accepted; not on WhatsApp -> one SMS instead; 429, 5xx and a
timeout retried later; the dedupe window; the daily cap and its digest."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from deploy.local.smsgateway import SmsGatewayServer
from deploy.local.whatsapp import WhatsAppServer, read_messages
from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.mailer import PermanentSendError, TransientSendError
from services.notification.adapters.sms import WebhookGateway
from services.notification.adapters.whatsapp import NOT_ON_WHATSAPP, CloudApi, WhatsAppError
from services.notification.consumers import handlers_for
from services.notification.domain import FAILED, SENT, SMS
from services.notification.domain.messages import DIGESTED, HELD, SKIPPED, WHATSAPP
from services.notification.domain.policy import InstantLimits
from services.notification.store.deliveries import DeliveryStore
from services.notification.store.tables import deliveries, outbox
from services.notification.usecases.digest import DigestComposer
from services.notification.usecases.dispatch import (
    Dispatcher,
    Policy,
    SmsTransport,
    WhatsAppTransport,
)
from services.notification.usecases.recording import Recorder
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

TOKEN = "wa-token"
PHONE_NUMBER_ID = "100000000000001"
TEMPLATES = Path(__file__).parents[3] / "services/notification/templates/whatsapp"
NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
INNOVATOR_PHONE = "+6281234560001"  # factories.innovator(1), normalised
REVIEWER_PHONE = "+6281311112222"


@pytest.fixture
def whatsapp(tmp_path: Path) -> Iterator[WhatsAppServer]:
    with WhatsAppServer(
        directory=tmp_path / "whatsapp", token=TOKEN, stall_s=3, templates=TEMPLATES
    ) as server:
        yield server


@pytest.fixture
def gateway() -> Iterator[SmsGatewayServer]:
    with SmsGatewayServer(stall_s=3) as server:
        yield server


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON_IN_JAKARTA)


def recorder(clock: FakeClock, **limits: Any) -> Recorder:
    return Recorder(
        sms=True,
        whatsapp=True,
        clock=clock,
        secret="s",
        limits=InstantLimits(**limits) if limits else InstantLimits(daily_cap=0),
    )


def consume(engine: Engine, recorder: Recorder, *events: Event) -> None:
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(recorder))
    for event in events:
        handle(event)


def whatsapp_sender(
    engine: Engine, server: WhatsAppServer, clock: FakeClock, timeout_s: float = 2.0
) -> Dispatcher:
    api = CloudApi(server.base_url, PHONE_NUMBER_ID, TOKEN, timeout_s=timeout_s)
    return Dispatcher(
        engine,
        WhatsAppTransport(api),
        Policy(fall_back_to_sms=True),
        clock=clock,
        rng=random.Random(7),
    )


def sms_sender(engine: Engine, gateway: SmsGatewayServer, clock: FakeClock) -> Dispatcher:
    sms = WebhookGateway(gateway.webhook_url, "", "INAGARA", 2.0)
    return Dispatcher(engine, SmsTransport(sms), Policy(), clock=clock)


def instant_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(row._mapping)
            for row in conn.execute(
                select(deliveries)
                .where(deliveries.c.channel.in_((WHATSAPP, SMS)))
                .order_by(deliveries.c.created_at, deliveries.c.channel.desc())
            )
        ]


def attempt_log(engine: Engine, delivery_id: str) -> list[str]:
    with engine.connect() as conn:
        found = DeliveryStore(conn).find(delivery_id)
    assert found is not None
    return [a["outcome"] for a in found["attempt_log"]]


def submitted() -> Event:
    return factories.event("proposal.submitted", factories.submitted())


# -- the adapter against the stand-in ---------------------------------------------------


def test_the_adapter_sends_a_template_message_and_reads_the_wamid(
    whatsapp: WhatsAppServer, tmp_path: Path
) -> None:
    api = CloudApi(whatsapp.base_url, PHONE_NUMBER_ID, TOKEN, timeout_s=2)

    wamid = api.send(
        "+6281234567890",
        "inagara_review_assigned",
        "id",
        ["Siti", "Posyandu", "Senin", "https://n.example.go.id/privasi"],
    )

    [kept] = whatsapp.state.messages
    assert wamid == kept.id and wamid.startswith("wamid.")
    assert (kept.to, kept.template, kept.language) == (
        "+6281234567890",
        "inagara_review_assigned",
        "id",
    )
    assert kept.text.startswith('Yth. Siti, Anda ditugaskan menilai usulan "Posyandu"')
    assert read_messages(tmp_path / "whatsapp") == [kept]


def test_the_adapter_classifies_the_cloud_api_errors(whatsapp: WhatsAppServer) -> None:
    api = CloudApi(whatsapp.base_url, PHONE_NUMBER_ID, TOKEN, timeout_s=10)
    impatient = CloudApi(whatsapp.base_url, PHONE_NUMBER_ID, TOKEN, timeout_s=1)
    wrong_token = CloudApi(whatsapp.base_url, PHONE_NUMBER_ID, "x", timeout_s=10)
    whatsapp.state.refuse("+62899")
    params = ["Siti", "Posyandu", "https://n.example.go.id/privasi"]

    with pytest.raises(WhatsAppError, match="131026") as refused:
        api.send("+6289912345678", "inagara_proposal_scored", "id", params)
    assert refused.value.code == NOT_ON_WHATSAPP
    with pytest.raises(WhatsAppError, match="190"):
        wrong_token.send("+6281234567890", "inagara_proposal_scored", "id", params)
    with pytest.raises(WhatsAppError, match="132000"):
        api.send("+6281234567890", "inagara_proposal_scored", "id", ["only one"])
    with pytest.raises(WhatsAppError, match="132001"):
        api.send("+6281234567890", "inagara_no_such_template", "id", params)
    whatsapp.state.plan(429, 500, 503, "stall")
    for said in ("429, error 130429", "500, error 131000", "503, error 131000"):
        with pytest.raises(TransientSendError, match=said):
            api.send("+6281234567890", "inagara_proposal_scored", "id", params)
    with pytest.raises(TransientSendError, match="timed out"):
        impatient.send("+6281234567890", "inagara_proposal_scored", "id", params)
    assert whatsapp.state.messages == []
    assert issubclass(WhatsAppError, PermanentSendError)


# -- through the recorder and the dispatchers -------------------------------------------


def test_an_accepted_message_is_recorded_as_sent_with_its_wamid(
    engine: Engine, whatsapp: WhatsAppServer, gateway: SmsGatewayServer, clock: FakeClock
) -> None:
    consume(engine, recorder(clock), submitted())

    [row] = instant_rows(engine)
    assert (row["channel"], row["recipient"], row["subject"]) == (
        WHATSAPP,
        INNOVATOR_PHONE,
        "inagara_proposal_submitted",
    )
    assert whatsapp_sender(engine, whatsapp, clock).send_due() == 1

    [kept] = whatsapp.state.messages
    [row] = instant_rows(engine)
    assert (row["status"], row["provider_id"], row["attempts"]) == (SENT, kept.id, 1)
    assert kept.parameters == list(row["template_parameters"])
    assert kept.text == row["body_text"]
    assert kept.text.startswith('Yth. Innovator 1, usulan inovasi "Posyandu Digital"')
    assert gateway.gateway.messages == []


def test_a_number_not_on_whatsapp_gets_the_message_by_sms_exactly_once(
    engine: Engine, whatsapp: WhatsAppServer, gateway: SmsGatewayServer, clock: FakeClock
) -> None:
    whatsapp.state.refuse(INNOVATOR_PHONE)
    event = submitted()
    consume(engine, recorder(clock), event)
    wa, sms = whatsapp_sender(engine, whatsapp, clock), sms_sender(engine, gateway, clock)

    assert wa.send_due() == 1
    assert sms.send_due() == 1
    consume(engine, recorder(clock), event)  # redelivered: nothing new
    clock.advance(timedelta(hours=1))
    assert wa.send_due() == 0 and sms.send_due() == 0

    [failed, fallback] = instant_rows(engine)
    assert (failed["channel"], failed["status"]) == (WHATSAPP, FAILED)
    assert "131026" in failed["last_error"]
    assert failed["note"] == f"fell back to SMS delivery {fallback['id']}"
    assert (fallback["channel"], fallback["status"], fallback["fallback_of"]) == (
        SMS,
        SENT,
        failed["id"],
    )
    assert fallback["note"].startswith(f"instead of WhatsApp delivery {failed['id']}")
    [text] = [m.text for m in gateway.gateway.messages]
    assert text == failed["fallback_text"] == fallback["body_text"]
    assert text.startswith('Inagara: usulan "Posyandu Digital" telah diterima')
    assert whatsapp.state.messages == []
    with engine.connect() as conn:
        announced = [
            (row.event_type, json.loads(row.value)["channel"])
            for row in conn.execute(select(outbox).order_by(outbox.c.id))
        ]
    assert ("notification.failed", WHATSAPP) in announced
    assert ("notification.delivered", SMS) in announced

    # The number's next message goes by SMS at once: WhatsApp is not asked again.
    requests = whatsapp.state.requests
    consume(
        engine,
        recorder(clock),
        factories.event(
            "proposal.scored", factories.payload_for("proposal.scored", event.data["proposal_id"])
        ),
    )
    assert wa.send_due() == 0 and sms.send_due() == 1
    direct = instant_rows(engine)[-1]
    assert (direct["channel"], direct["status"], direct["fallback_of"]) == (SMS, SENT, None)
    assert direct["note"] == f"by SMS: the number is not on WhatsApp (delivery {failed['id']})"
    assert whatsapp.state.requests == requests
    assert len(gateway.gateway.messages) == 2


@pytest.mark.parametrize("failure", [429, 500, "stall"])
def test_a_throttled_failing_or_silent_api_is_tried_again_later(
    engine: Engine,
    whatsapp: WhatsAppServer,
    gateway: SmsGatewayServer,
    clock: FakeClock,
    failure: int | str,
) -> None:
    consume(engine, recorder(clock), submitted())
    whatsapp.state.plan(failure)
    wa = whatsapp_sender(engine, whatsapp, clock, timeout_s=1.0)  # the stall is 3 s

    assert wa.send_due() == 1
    [row] = instant_rows(engine)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"].replace(tzinfo=UTC) > clock.now()
    assert wa.send_due() == 0  # not due yet: backing off
    clock.advance(timedelta(minutes=10))
    assert wa.send_due() == 1

    [row] = instant_rows(engine)
    assert (row["status"], row["attempts"]) == (SENT, 2)
    assert attempt_log(engine, row["id"]) == ["retry", SENT]
    assert len(whatsapp.state.messages) == 1
    assert gateway.gateway.messages == []  # a transient failure never falls back


def test_the_same_text_within_the_window_is_skipped_and_recorded_as_such(
    engine: Engine, whatsapp: WhatsAppServer, clock: FakeClock
) -> None:
    proposal = factories.submitted()
    reminder = factories.payload_for("review.reminder_due", proposal["proposal_id"])
    record = recorder(clock, dedupe_window=timedelta(hours=24), daily_cap=0)
    consume(engine, record, factories.event("proposal.submitted", proposal))
    consume(engine, record, factories.event("review.reminder_due", reminder))
    clock.advance(timedelta(hours=2))
    consume(engine, record, factories.event("review.reminder_due", reminder))  # a new event id
    clock.advance(timedelta(hours=23))
    consume(engine, record, factories.event("review.reminder_due", reminder))  # out of the window
    wa = whatsapp_sender(engine, whatsapp, clock)
    while wa.send_due():
        pass

    reminders = [r for r in instant_rows(engine) if r["recipient"] == REVIEWER_PHONE]
    assert [r["status"] for r in reminders] == [SENT, SKIPPED, SENT]
    first, skipped, _ = reminders
    assert skipped["note"].startswith("skipped: the same text went to this number at")
    assert first["id"] in skipped["note"]
    texts = [m.text for m in whatsapp.state.messages if m.to == REVIEWER_PHONE]
    assert len(texts) == 2 and texts[0] == texts[1]


def test_over_the_daily_cap_messages_wait_for_one_digest_message(
    engine: Engine, whatsapp: WhatsAppServer, clock: FakeClock
) -> None:
    record = recorder(clock, daily_cap=2)
    first, second = (
        factories.submitted(title="Posyandu Digital"),
        factories.submitted(title="Sampah Jadi Emas"),
    )
    for event in (
        factories.event("proposal.submitted", first),
        factories.event("proposal.submitted", second),
        *(
            factories.event(kind, factories.payload_for(kind, p["proposal_id"]))
            for kind in ("proposal.scored", "proposal.shortlisted")
            for p in (first, second)
        ),
    ):
        consume(engine, record, event)
        clock.advance(timedelta(minutes=1))
    wa = whatsapp_sender(engine, whatsapp, clock)
    while wa.send_due():
        pass

    rows = instant_rows(engine)
    assert [r["status"] for r in rows] == [SENT, SENT, HELD, HELD, HELD, HELD]
    assert all(
        r["note"] == "deferred to the digest: 2 instant messages today, the cap is 2"
        for r in rows[2:]
    )
    assert len(whatsapp.state.messages) == 2

    composer = DigestComposer(engine, datetime.strptime("07:00", "%H:%M").time(), clock=clock)
    assert composer.compose_due() == 0  # not before tomorrow 07:00 WIB
    clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 07:00 in Jakarta
    assert composer.compose_due() == 1
    assert wa.send_due() == 1

    rows = instant_rows(engine)
    digest = rows[-1]
    assert (digest["template"], digest["status"], digest["channel"]) == ("digest", SENT, WHATSAPP)
    assert [r["status"] for r in rows[2:-1]] == [SENT] * 4  # carried by the digest
    assert all(r["digest_id"] == digest["id"] for r in rows[2:-1])
    last = whatsapp.state.messages[-1]
    assert last.template == "inagara_digest" and last.parameters[1] == "4"
    assert "Sampah Jadi Emas" in last.text and "daftar pendek" in last.text
    assert {r["status"] for r in rows} == {SENT}
    assert DIGESTED not in {r["status"] for r in rows}


def test_two_events_recorded_at_once_for_one_number_send_the_text_once(
    engine: Engine, clock: FakeClock
) -> None:
    # Two workers recording the same reminder (two events, two partitions) at the same
    # moment: the number's lock makes the second see the first, so one of them is skipped.
    record = recorder(clock, dedupe_window=timedelta(hours=24), daily_cap=0)
    for _ in range(5):
        proposal_id = str(uuid.uuid4())
        reminder = factories.payload_for("review.reminder_due", proposal_id)
        events = [factories.event("review.reminder_due", reminder) for _ in range(2)]
        start = threading.Barrier(2)

        def consume_one(event: Event, start: threading.Barrier = start) -> None:
            start.wait()
            consume(engine, record, event)

        threads = [threading.Thread(target=consume_one, args=(e,)) for e in events]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(
            r["status"]
            for r in instant_rows(engine)
            if r["proposal_id"] == proposal_id and r["recipient"] == REVIEWER_PHONE
        )
        assert statuses == ["pending", SKIPPED], statuses
        clock.advance(timedelta(days=2))  # the next round is outside the window
