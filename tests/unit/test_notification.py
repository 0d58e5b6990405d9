"""Notification service through its use cases, on SQLite with fake mailer, gateway and clock:
recording (handlers), sending (dispatcher), digests."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import Engine, select, update

from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.mailer import (
    MemoryMailer,
    PermanentSendError,
    TransientSendError,
)
from services.notification.adapters.sms import MemoryGateway
from services.notification.consumers import handlers_for
from services.notification.domain import (
    DIGESTED,
    EMAIL,
    FAILED,
    HELD,
    PENDING,
    SENDING,
    SENT,
    SMS,
    Preference,
    tokens,
)
from services.notification.domain.schedule import QuietHours, TokenBucket
from services.notification.store.deliveries import DeliveryStore
from services.notification.store.preferences import PreferenceStore
from services.notification.store.projection import ProjectionStore
from services.notification.store.tables import attempts, deliveries, outbox, parked_events, utc
from services.notification.usecases.digest import DigestComposer
from services.notification.usecases.dispatch import (
    PRESUMED,
    ClaimLost,
    Dispatcher,
    EmailTransport,
    Policy,
    SmsTransport,
)
from services.notification.usecases.recording import Recorder
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

SENDER = "Inagara <noreply@inagara.local>"
LEASE = timedelta(seconds=60)
NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
LATE_IN_JAKARTA = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 23:00 WIB
SECRET = "unit-secret"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'notification.db'}")
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON_IN_JAKARTA)


def recorder(clock: FakeClock, **changes: Any) -> Recorder:
    options: dict[str, Any] = {
        "sms": True,
        "secret": SECRET,
        "quiet_hours": QuietHours.parse("21:00-07:00"),
        "clock": clock,
        **changes,
    }
    return Recorder(**options)


def consume(engine: Engine, rec: Recorder, *events: Event) -> None:
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(rec))
    for event in events:
        handle(event)


def rows(engine: Engine, **where: Any) -> list[dict[str, Any]]:
    query = select(deliveries).order_by(deliveries.c.created_at, deliveries.c.channel)
    for name, value in where.items():
        query = query.where(deliveries.c[name] == value)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def outcomes(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(select(outbox.c.event_type, outbox.c.value).order_by(outbox.c.id))
        return [{"type": r.event_type, **json.loads(r.value)} for r in found]


def parked_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return ProjectionStore(conn).count_parked()


def save_preference(engine: Engine, preference: Preference) -> None:
    with engine.begin() as conn:
        PreferenceStore(conn).save(preference)


def retry_failed(engine: Engine, delivery_id: str, now: datetime) -> bool:
    with engine.begin() as conn:
        return DeliveryStore(conn).retry_failed(delivery_id, now)


def submitted_event(proposal_id: str = "p-1", **changes: Any) -> Event:
    return factories.event("proposal.submitted", factories.submitted(proposal_id, **changes))


def event_of(event_type: str, proposal_id: str = "p-1") -> Event:
    return factories.event(event_type, factories.payload_for(event_type, proposal_id))


# -- recording ---------------------------------------------------------------------------


def test_a_submission_records_one_email_and_one_sms_per_innovator(
    engine: Engine, clock: FakeClock
) -> None:
    event = submitted_event(innovators=[factories.innovator(1), factories.innovator(2)])

    consume(engine, recorder(clock), event, event)  # the second is a redelivery

    found = rows(engine)
    assert sorted((r["channel"], r["recipient"]) for r in found) == [
        (EMAIL, "innovator1@dinkes.example.go.id"),
        (EMAIL, "innovator2@dinkes.example.go.id"),
        (SMS, "+6281234560001"),
        (SMS, "+6281234560002"),
    ]
    assert {r["status"] for r in found} == {PENDING}
    assert {r["event_id"] for r in found} == {event.id}
    sms = next(r for r in found if r["channel"] == SMS)
    assert "Posyandu Digital" in sms["body_text"] and sms["body_html"] == ""


def test_a_review_event_before_its_proposal_is_parked_and_sent_when_it_arrives(
    engine: Engine, clock: FakeClock
) -> None:
    rejected = event_of("proposal.rejected", "p-early")

    consume(engine, recorder(clock), rejected)
    assert rows(engine) == []
    assert parked_count(engine) == 1

    consume(engine, recorder(clock), submitted_event("p-early"))

    assert parked_count(engine) == 0
    by_event = {(r["event_type"], r["channel"], r["recipient"]) for r in rows(engine)}
    assert ("proposal.rejected", EMAIL, "inovasi@dinkes.example.go.id") in by_event
    assert ("proposal.rejected", SMS, "+6281234560001") in by_event
    assert ("proposal.submitted", EMAIL, "innovator1@dinkes.example.go.id") in by_event


def test_a_review_receipt_goes_to_the_reviewer_the_assignment_named(
    engine: Engine, clock: FakeClock
) -> None:
    consume(
        engine,
        recorder(clock),
        submitted_event(),
        event_of("review.assigned"),
        event_of("review.submitted"),
    )

    # A receipt is not worth an instant message (the channel policy): email only.
    receipts = rows(engine, event_type="review.submitted")
    assert {(r["channel"], r["recipient"], r["language"]) for r in receipts} == {
        (EMAIL, "ratna@univ.example.ac.id", "en"),
    }


def test_an_invalid_payload_is_poison(engine: Engine, clock: FakeClock) -> None:
    broken = factories.event("proposal.rejected", {"proposal_id": "p-1"})

    with pytest.raises(ValidationError):
        consume(engine, recorder(clock), broken)


def test_sms_recorded_in_quiet_hours_waits_for_the_morning_email_does_not(
    engine: Engine,
) -> None:
    clock = FakeClock(LATE_IN_JAKARTA)

    consume(engine, recorder(clock), submitted_event())

    [email] = rows(engine, channel=EMAIL)
    [sms] = rows(engine, channel=SMS)
    assert utc(email["next_attempt_at"]) == LATE_IN_JAKARTA
    assert utc(sms["next_attempt_at"]) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 07:00 WIB


def test_non_essential_email_carries_a_signed_unsubscribe_link(
    engine: Engine, clock: FakeClock
) -> None:
    consume(
        engine,
        recorder(clock, unsubscribe_url="https://n.example/unsubscribe"),
        submitted_event(),
        event_of("proposal.scored"),
        event_of("proposal.awarded"),
    )

    [scored] = rows(engine, event_type="proposal.scored", channel=EMAIL, role="innovator")
    [awarded] = rows(engine, event_type="proposal.awarded", channel=EMAIL, role="innovator")
    assert awarded["unsubscribe_url"] is None
    url = scored["unsubscribe_url"]
    assert url.startswith("https://n.example/unsubscribe?token=")
    assert tokens.verify(SECRET, url.split("token=")[1]) == "innovator1@dinkes.example.go.id"
    assert url in scored["body_text"]


def test_an_unsubscribed_innovator_gets_decisions_only(engine: Engine, clock: FakeClock) -> None:
    address = "innovator1@dinkes.example.go.id"
    save_preference(engine, Preference(address, unsubscribed=True))

    consume(
        engine,
        recorder(clock),
        submitted_event(),
        event_of("proposal.scored"),
        event_of("proposal.awarded"),
    )

    assert {r["event_type"] for r in rows(engine, recipient=address)} == {
        "proposal.submitted",
        "proposal.awarded",
    }


# -- sending -------------------------------------------------------------------------------


def email_dispatcher(
    engine: Engine, mailer: MemoryMailer, clock: FakeClock, **policy: Any
) -> Dispatcher:
    return Dispatcher(
        engine,
        EmailTransport(mailer, SENDER),
        Policy(**{"lease": LEASE, **policy}),
        clock=clock,
        rng=random.Random(3),
    )


def sms_dispatcher(
    engine: Engine, gateway: MemoryGateway, clock: FakeClock, quiet: str = "21:00-07:00"
) -> Dispatcher:
    return Dispatcher(
        engine,
        SmsTransport(gateway),
        Policy(lease=LEASE),
        clock=clock,
        quiet_hours=QuietHours.parse(quiet),
        rng=random.Random(3),
    )


def one_email(engine: Engine, clock: FakeClock) -> str:
    consume(engine, recorder(clock, sms=False), submitted_event())
    [row] = rows(engine)
    return str(row["id"])


def attempt_log(engine: Engine, delivery_id: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(attempts.c.number, attempts.c.outcome)
            .where(attempts.c.delivery_id == delivery_id)
            .order_by(attempts.c.id)
        )
        return [(r.number, r.outcome) for r in found]


def test_a_delivery_is_sent_once_and_its_outcome_announced(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    delivery_id = one_email(engine, clock)
    sender = email_dispatcher(engine, mailer, clock)

    assert sender.send_due() == 1
    assert sender.send_due() == 0

    [mail] = mailer.sent
    assert mail["Message-ID"] == f"<{delivery_id}@inagara.local>"
    assert mail["List-Unsubscribe"] is None  # a confirmation is essential
    [row] = rows(engine)
    assert (row["status"], row["attempts"], row["provider_id"]) == (
        SENT,
        1,
        mail["Message-ID"],
    )
    assert attempt_log(engine, delivery_id) == [(1, SENT)]
    [announced] = outcomes(engine)
    assert announced["type"] == "notification.delivered"
    assert announced["delivery_id"] == delivery_id
    assert announced["recipient"] == "i***@dinkes.example.go.id"
    assert announced["attempts"] == 1


def test_a_transient_failure_is_retried_later_without_an_announcement(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("451 4.7.1 try again later")]
    delivery_id = one_email(engine, clock)
    sender = email_dispatcher(engine, mailer, clock)

    assert sender.send_due() == 1
    [row] = rows(engine)
    assert (row["status"], row["attempts"]) == (PENDING, 1)
    assert utc(row["next_attempt_at"]) > clock.now()
    assert sender.send_due() == 0  # not due yet
    assert outcomes(engine) == []

    clock.advance(timedelta(minutes=5))
    assert sender.send_due() == 1
    assert len(mailer.sent) == 1
    assert attempt_log(engine, delivery_id) == [(1, "retry"), (2, SENT)]


def test_the_last_transient_failure_fails_the_delivery(engine: Engine, clock: FakeClock) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("451 busy")]
    one_email(engine, clock)

    email_dispatcher(engine, mailer, clock, max_attempts=1).send_due()

    assert rows(engine)[0]["status"] == FAILED
    [announced] = outcomes(engine)
    assert (announced["type"], announced["permanent"]) == ("notification.failed", False)


def test_a_permanent_failure_stops_at_once(engine: Engine, clock: FakeClock) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [PermanentSendError("550 5.1.1 no such user")]
    one_email(engine, clock)
    sender = email_dispatcher(engine, mailer, clock)

    sender.send_due()
    clock.advance(timedelta(hours=1))
    sender.send_due()

    [row] = rows(engine)
    assert (row["status"], row["attempts"]) == (FAILED, 1)
    assert "550" in row["last_error"]
    [announced] = outcomes(engine)
    assert announced["type"] == "notification.failed"
    assert announced["permanent"] is True and "550" in announced["error"]


def test_a_lost_connection_ends_the_burst_and_keeps_the_delivery_due(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("connection reset", connection_lost=True)]
    one_email(engine, clock)

    with pytest.raises(TransientSendError):
        email_dispatcher(engine, mailer, clock).send_due()

    assert (rows(engine)[0]["status"], rows(engine)[0]["attempts"]) == (PENDING, 1)


def claimed_by_another_sender(engine: Engine, claimed_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(deliveries).values(status=SENDING, claimed_at=claimed_at, attempts=1))


def test_a_delivery_claimed_by_another_sender_is_left_alone_until_its_lease_ends(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    one_email(engine, clock)
    claimed_by_another_sender(engine, clock.now())
    sender = email_dispatcher(engine, mailer, clock)

    assert sender.send_due() == 0
    clock.advance(2 * LEASE)
    assert sender.send_due() == 1

    assert len(mailer.sent) == 1
    assert (rows(engine)[0]["status"], rows(engine)[0]["attempts"]) == (SENT, 2)


def test_sms_due_in_quiet_hours_is_deferred_not_dropped(engine: Engine) -> None:
    clock = FakeClock(NOON_IN_JAKARTA)
    consume(engine, recorder(clock, quiet_hours=None), submitted_event())
    gateway = MemoryGateway()
    clock.set(LATE_IN_JAKARTA)
    sender = sms_dispatcher(engine, gateway, clock)

    assert sender.send_due() == 0
    [sms] = rows(engine, channel=SMS)
    assert (sms["status"], sms["attempts"]) == (PENDING, 0)
    assert utc(sms["next_attempt_at"]) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)

    clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert sender.send_due() == 1
    [message] = gateway.sent
    assert message.to == "+6281234560001" and message.reference == sms["id"]
    assert rows(engine, channel=SMS)[0]["provider_id"] == "SM000001"


def test_the_rate_limit_paces_a_burst(engine: Engine, clock: FakeClock) -> None:
    consume(
        engine,
        recorder(clock, sms=False),
        *(submitted_event(f"p-{n}") for n in range(5)),
    )
    mailer = MemoryMailer()

    email_dispatcher(engine, mailer, clock, rate_per_s=2.0).send_due()

    assert len(mailer.sent) == 5
    # 2 tokens at once, then one every half second.
    assert sum(clock.slept) == pytest.approx(1.5)


def test_a_failed_delivery_can_be_retried_with_a_fresh_budget(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    mailer.fail_with = [PermanentSendError("550 mailbox full")]
    delivery_id = one_email(engine, clock)
    sender = email_dispatcher(engine, mailer, clock)
    sender.send_due()

    assert retry_failed(engine, delivery_id, clock.now())
    assert not retry_failed(engine, delivery_id, clock.now())
    sender.send_due()

    assert rows(engine)[0]["status"] == SENT
    assert attempt_log(engine, delivery_id) == [(1, FAILED), (1, SENT)]
    assert [o["type"] for o in outcomes(engine)] == [
        "notification.failed",
        "notification.delivered",
    ]


# -- the digest ------------------------------------------------------------------------------


def test_an_agency_contact_on_the_digest_gets_one_email_a_day(
    engine: Engine, clock: FakeClock
) -> None:
    contact = "inovasi@dinkes.example.go.id"
    save_preference(engine, Preference(contact, digest=True, language="en"))
    consume(
        engine,
        recorder(clock, sms=False),
        submitted_event("p-1"),
        submitted_event("p-2"),
        event_of("proposal.rejected", "p-1"),
        event_of("proposal.shortlisted", "p-2"),
    )
    held = rows(engine, recipient=contact)
    assert [r["status"] for r in held] == [HELD, HELD]
    composer = DigestComposer(engine, time(7, 0), clock=clock)

    assert composer.compose_due() == 0  # noon: the digest goes out tomorrow at 07:00
    clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert composer.compose_due() == 1
    assert composer.compose_due() == 0

    [digest] = rows(engine, recipient=contact, template="digest")
    assert digest["subject"] == "Inagara daily digest: 2 updates"
    assert "p-1" in digest["body_text"] and "p-2" in digest["body_text"]
    assert {r["status"] for r in rows(engine, recipient=contact, template="proposal_rejected")} == {
        DIGESTED
    }

    mailer = MemoryMailer()
    email_dispatcher(engine, mailer, clock).send_due()

    assert [m["To"] for m in mailer.sent].count(f"Dinas Kesehatan <{contact}>") == 1
    assert {r["status"] for r in rows(engine, recipient=contact)} == {SENT}
    carried = {r["id"] for r in held}
    announced = [o for o in outcomes(engine) if o["delivery_id"] in carried]
    assert sorted((o["type"], o["proposal_id"]) for o in announced) == [
        ("notification.delivered", "p-1"),
        ("notification.delivered", "p-2"),
    ]
    with engine.connect() as conn:
        assert conn.execute(select(parked_events)).all() == []


def test_a_delivery_handed_over_by_a_sender_that_died_is_presumed_sent_not_repeated(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    one_email(engine, clock)
    claimed_by_another_sender(engine, clock.now())
    with engine.begin() as conn:
        assert DeliveryStore(conn).hand_over(rows(engine)[0], clock.now())
    sender = email_dispatcher(engine, mailer, clock)

    assert sender.send_due() == 0  # the other sender may still be waiting for the reply
    assert outcomes(engine) == []
    clock.advance(2 * LEASE)
    sender.send_due()
    sender.send_due()

    assert mailer.sent == []
    [row] = rows(engine)
    assert row["status"] == SENT and "presumed" in row["last_error"]
    [announced] = outcomes(engine)
    assert announced["type"] == "notification.delivered" and "presumed" in announced["error"]


def test_a_delivery_handed_over_late_in_its_lease_is_presumed_sent_a_lease_after_the_hand_over(
    engine: Engine, clock: FakeClock
) -> None:
    mailer = MemoryMailer()
    delivery_id = one_email(engine, clock)
    with engine.begin() as conn:
        [claimed] = DeliveryStore(conn).claim([delivery_id], clock.now(), LEASE)
    clock.advance(LEASE * 0.9)
    with engine.begin() as conn:
        assert DeliveryStore(conn).hand_over(claimed, clock.now())
    sender = email_dispatcher(engine, mailer, clock)

    clock.advance(LEASE * 0.6)  # the claim is a lease old; its sender awaits the reply
    sender.send_due()
    assert rows(engine)[0]["status"] == SENDING and outcomes(engine) == []
    clock.advance(LEASE * 0.5)  # a lease after the hand-over: its sender died
    sender.send_due()

    assert mailer.sent == []
    assert rows(engine)[0]["last_error"] == PRESUMED


def test_a_sender_whose_claim_another_took_over_sends_nothing_and_ends_its_burst(
    engine: Engine, clock: FakeClock
) -> None:
    from prometheus_client import REGISTRY

    def lost_claims() -> float:
        labels = {"channel": EMAIL, "outcome": "claim_lost"}
        return REGISTRY.get_sample_value("inagara_deliveries_total", labels) or 0.0

    before = lost_claims()
    consume(engine, recorder(clock, sms=False), *(submitted_event(f"p-{n}") for n in range(3)))
    other = MemoryMailer()
    b = email_dispatcher(engine, other, clock)
    refused: list[BaseException] = []

    class Stalling(MemoryMailer):
        """A sender that loses the CPU for two leases after its claim; B sends meanwhile."""

        def send(self, message: Any, hand_over: Any = None) -> None:
            clock.advance(2 * LEASE)
            assert b.send_due() == 3  # the expired claims of all three
            try:
                super().send(message, hand_over)
            except ClaimLost as exc:
                refused.append(exc)
                raise

    stalling = Stalling()
    a = email_dispatcher(engine, stalling, clock)

    assert a.send_due() == 1  # tried one, refused at its hand-over; the burst ended there
    assert len(refused) == 1 and stalling.sent == []
    assert len(other.sent) == 3
    assert {(r["status"], r["attempts"]) for r in rows(engine)} == {(SENT, 2)}
    assert lost_claims() - before == 1


def test_the_hand_over_is_recorded_before_the_server_can_accept(
    engine: Engine, clock: FakeClock
) -> None:
    seen: list[Any] = []

    class Watching(MemoryMailer):
        def send(self, message: Any, hand_over: Any = None) -> None:
            def check() -> None:
                hand_over()
                seen.append(rows(engine)[0]["handed_at"])

            super().send(message, check)

    one_email(engine, clock)
    email_dispatcher(engine, Watching(), clock).send_due()

    assert seen and seen[0] is not None


def test_a_burst_cut_short_gives_back_the_deliveries_it_never_tried(
    engine: Engine, clock: FakeClock
) -> None:
    consume(engine, recorder(clock, sms=False), *(submitted_event(f"p-{n}") for n in range(4)))
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("connection reset", connection_lost=True)]

    with pytest.raises(TransientSendError):
        email_dispatcher(engine, mailer, clock).send_due()

    found = rows(engine)
    assert sorted((r["status"], r["attempts"]) for r in found) == [
        (PENDING, 0),
        (PENDING, 0),
        (PENDING, 0),
        (PENDING, 1),  # the one that was tried, with its retry scheduled
    ]
    assert {r["claimed_at"] for r in found if r["attempts"] == 0} == {None}


def test_no_more_is_claimed_at_once_than_the_rate_lets_out_within_the_lease(
    engine: Engine, clock: FakeClock
) -> None:
    slow = email_dispatcher(engine, MemoryMailer(), clock, rate_per_s=0.1, lease=LEASE)
    fast = email_dispatcher(engine, MemoryMailer(), clock, rate_per_s=1000.0, lease=LEASE)

    assert slow._batch_size() == 1
    assert fast._batch_size() == Policy().batch_size


def test_outcomes_are_counted_per_channel(engine: Engine, clock: FakeClock) -> None:
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        labels = {"channel": EMAIL, "outcome": outcome}
        return REGISTRY.get_sample_value("inagara_deliveries_total", labels) or 0.0

    before = {o: count(o) for o in ("sent", "retry", "failed")}
    consume(engine, recorder(clock, sms=False), *(submitted_event(f"p-{n}") for n in range(3)))
    mailer = MemoryMailer()
    mailer.fail_with = [TransientSendError("451 later"), PermanentSendError("550 no")]

    email_dispatcher(engine, mailer, clock).send_due()

    assert {o: count(o) - before[o] for o in before} == {"sent": 1, "retry": 1, "failed": 1}


def test_senders_of_one_channel_take_turns_at_the_backlog_and_send_each_once(
    engine: Engine, clock: FakeClock
) -> None:
    for n in range(10):
        consume(engine, recorder(clock, sms=False), submitted_event(f"p-{n}"))
    mailers = [MemoryMailer(), MemoryMailer()]
    senders = [
        Dispatcher(
            engine,
            EmailTransport(mailer, SENDER),
            Policy(lease=LEASE, batch_size=3),
            clock=clock,
            lane=(lane, 2),
        )
        for lane, mailer in enumerate(mailers)
    ]

    assert [sender.send_due() for sender in senders] == [3, 3]  # each its own share
    while sum(sender.send_due() for sender in senders):
        pass

    sent = [m["Message-ID"] for mailer in mailers for m in mailer.sent]
    assert len(sent) == len(set(sent)) == 10
    assert {r["status"] for r in rows(engine)} == {SENT}


def test_senders_share_one_rate_limit(engine: Engine, clock: FakeClock) -> None:
    bucket = TokenBucket(2.0, now=clock.monotonic())
    senders = [
        Dispatcher(
            engine,
            EmailTransport(MemoryMailer(), SENDER),
            Policy(lease=LEASE, rate_per_s=2.0),
            clock=clock,
            bucket=bucket,
            lane=(lane, 2),
        )
        for lane in range(2)
    ]

    # Two tokens between them, then a half-second wait for each further one.
    assert [bucket.wait_for_token(clock.monotonic()) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert senders[0]._batch_size() == senders[1]._batch_size() == 15  # 2/s x 60 s / 4 / 2
