"""The channel policy: which kinds of channel per role and event, which instant channel, and
the instant limits (dedupe window, daily cap) through the recording use case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notification.adapters.clock import FakeClock
from services.notification.adapters.whatsapp import MemoryWhatsApp, WhatsAppError
from services.notification.domain import EMAIL, FAILED, HELD, PENDING, SMS, Person, Preference
from services.notification.domain.messages import REVIEWER, SKIPPED, WHATSAPP
from services.notification.domain.policy import (
    ChannelPolicy,
    InstantLimits,
    instant_channel,
)
from services.notification.domain.schedule import day_start
from services.notification.usecases.digest import compose_digest, find_held_recipients
from services.notification.usecases.dispatch import (
    WhatsAppTransport,
    claim_deliveries,
    fail_delivery,
    find_due,
)
from services.notification.usecases.recording import Recorder, record_deliveries
from shared.events import catalog
from tests.unit.notification import factories
from tests.unit.notification.fakes import FakeNotificationWork

NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
INNOVATOR_PHONE = "+6281234560001"
REVIEWER_PHONE = "+6281311112222"


def recorder(clock: FakeClock, **options: Any) -> Recorder:
    return Recorder(sms=True, whatsapp=True, clock=clock, secret="s", **options)


def record(uow: FakeNotificationWork, rec: Recorder, event_type: str, proposal_id: str) -> None:
    payload = factories.payload_for(event_type, proposal_id)
    record_deliveries(factories.event(event_type, payload), rec, uow)


def instant(uow: FakeNotificationWork) -> list[dict[str, Any]]:
    return [r for r in uow.deliveries.rows.values() if r["channel"] != EMAIL]


# -- the policy as a value --------------------------------------------------------------


def test_the_default_policy_sends_reviewers_receipts_by_email_only() -> None:
    policy = ChannelPolicy()
    assert policy.kinds("reviewer", "review.assigned") == {"email", "instant"}
    assert policy.kinds("reviewer", "review.reminder_due") == {"email", "instant"}
    assert policy.kinds("reviewer", "review.submitted") == {"email"}
    assert policy.kinds("innovator", "proposal.scored") == {"email", "instant"}
    assert policy.kinds("agency", "proposal.awarded") == {"email"}


def test_overrides_are_parsed_and_bad_ones_refused() -> None:
    policy = ChannelPolicy.parse(
        "agency:*=email+instant; reviewer:review.submitted=none\ninnovator:proposal.scored=email"
    )
    assert policy.kinds("agency", "proposal.awarded") == {"email", "instant"}
    assert policy.kinds("reviewer", "review.submitted") == set()
    assert policy.kinds("innovator", "proposal.scored") == {"email"}
    assert policy.kinds("innovator", "proposal.awarded") == {"email", "instant"}
    for bad in ("secretary:*=email", "reviewer=email", "reviewer:*=pigeon", "reviewer:*"):
        with pytest.raises(ValueError):
            ChannelPolicy.parse(bad)


def test_the_instant_channel_is_the_stored_one_then_the_events_then_the_default() -> None:
    person = Person("innovator", "Siti", "s@x.go.id", INNOVATOR_PHONE, instant=SMS)
    both = [WHATSAPP, SMS]
    assert instant_channel(person, (), WHATSAPP, both) == SMS
    by_phone = Preference(INNOVATOR_PHONE, instant=WHATSAPP)
    by_email = Preference("s@x.go.id", instant=SMS)
    assert instant_channel(person, (by_phone, by_email), SMS, both) == WHATSAPP
    assert instant_channel(person, (None, Preference("s@x.go.id")), WHATSAPP, both) == SMS
    plain = Person("innovator", "Siti", "s@x.go.id", INNOVATOR_PHONE)
    assert instant_channel(plain, (None,), WHATSAPP, both) == WHATSAPP
    assert instant_channel(plain, (), WHATSAPP, [SMS]) == SMS  # WhatsApp not configured
    assert instant_channel(plain, (), WHATSAPP, []) is None


def test_a_local_day_starts_at_midnight_in_the_recipients_zone() -> None:
    assert day_start(NOON_IN_JAKARTA, "Asia/Jakarta") == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert day_start(NOON_IN_JAKARTA, "Asia/Jayapura") == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


# -- through the recording use case -----------------------------------------------------


def test_whatsapp_is_recorded_with_its_template_and_the_sms_to_send_instead() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)

    record(uow, recorder(clock), catalog.PROPOSAL_SUBMITTED, "p-1")

    [row] = instant(uow)
    assert (row["channel"], row["recipient"], row["subject"]) == (
        WHATSAPP,
        INNOVATOR_PHONE,
        "inagara_proposal_submitted",
    )
    # The last parameter links the privacy notice; the SMS form ends with it too.
    notice = "http://127.0.0.1:8003/privasi"
    assert row["template_parameters"] == ["Innovator 1", "Posyandu Digital", "p-1", notice]
    assert row["body_text"].startswith('Yth. Innovator 1, usulan inovasi "Posyandu Digital"')
    assert f"Pemberitahuan privasi: {notice}." in row["body_text"]
    assert row["fallback_text"].startswith('Inagara: usulan "Posyandu Digital" telah diterima')
    assert row["fallback_text"].endswith(" Privasi: 127.0.0.1:8003/privasi")


def test_the_event_can_ask_for_sms() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    people = [factories.innovator(1, instant_channel="sms")]
    event = factories.event(
        catalog.PROPOSAL_SUBMITTED, factories.submitted("p-1", innovators=people)
    )

    record_deliveries(event, recorder(clock), uow)

    assert [r["channel"] for r in instant(uow)] == [SMS]


def test_a_reviewer_gets_assignments_on_whatsapp_and_receipts_by_email_only() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    rec = recorder(clock, limits=InstantLimits(daily_cap=0))
    for event_type in (
        catalog.PROPOSAL_SUBMITTED,
        catalog.REVIEW_ASSIGNED,
        catalog.REVIEW_REMINDER_DUE,
        catalog.REVIEW_SUBMITTED,
    ):
        record(uow, rec, event_type, "p-1")

    reviewer = [r for r in uow.deliveries.rows.values() if r["role"] == REVIEWER]
    assert sorted((r["event_type"], r["channel"]) for r in reviewer) == [
        (catalog.REVIEW_ASSIGNED, EMAIL),
        (catalog.REVIEW_ASSIGNED, WHATSAPP),
        (catalog.REVIEW_REMINDER_DUE, EMAIL),
        (catalog.REVIEW_REMINDER_DUE, WHATSAPP),
        (catalog.REVIEW_SUBMITTED, EMAIL),
    ]


def test_the_same_text_within_the_window_is_skipped_and_after_it_sent() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    rec = recorder(clock, limits=InstantLimits(dedupe_window=timedelta(hours=6), daily_cap=0))

    record(uow, rec, catalog.REVIEW_REMINDER_DUE, "p-1")
    clock.advance(timedelta(hours=5))
    record(uow, rec, catalog.REVIEW_REMINDER_DUE, "p-1")
    clock.advance(timedelta(hours=2))
    record(uow, rec, catalog.REVIEW_REMINDER_DUE, "p-1")

    first, repeat, later = instant(uow)
    assert [r["status"] for r in (first, repeat, later)] == [PENDING, SKIPPED, PENDING]
    assert first["id"] in repeat["note"] and repeat["note"].startswith("skipped:")
    assert later["note"] is None


def test_over_the_daily_cap_instant_messages_are_held_for_the_digest_email_is_not() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    rec = recorder(clock, limits=InstantLimits(daily_cap=2))
    record(uow, rec, catalog.PROPOSAL_SUBMITTED, "p-1")
    for event_type in (catalog.PROPOSAL_SCORED, catalog.PROPOSAL_SHORTLISTED):
        record(uow, rec, event_type, "p-1")
    clock.advance(timedelta(hours=14))  # 02:00 the next day in Jakarta: a new day
    record(uow, rec, catalog.PROPOSAL_AWARDED, "p-1")

    assert [r["status"] for r in instant(uow)] == [PENDING, PENDING, HELD, PENDING]
    assert instant(uow)[2]["note"] == (
        "deferred to the digest: 2 instant messages today, the cap is 2"
    )
    emails = [r for r in uow.deliveries.rows.values() if r["channel"] == EMAIL]
    assert HELD not in {r["status"] for r in emails if r["role"] == "innovator"}


def test_whatsapp_refused_for_good_falls_back_to_one_sms() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    record(uow, recorder(clock), catalog.PROPOSAL_SUBMITTED, "p-1")
    [wa] = claim_deliveries(
        [i for i, _ in find_due(WHATSAPP, NOON_IN_JAKARTA, LEASE, 10, uow)],
        NOON_IN_JAKARTA,
        LEASE,
        uow,
    )
    error = "WhatsApp answered 400, error 131026: Message undeliverable"

    fail_delivery(wa, None, NOON_IN_JAKARTA, error, uow, fall_back=True)
    fail_delivery(wa, None, NOON_IN_JAKARTA, error, uow, fall_back=True)  # told twice

    failed, sms = instant(uow)
    assert (failed["channel"], failed["status"]) == (WHATSAPP, FAILED)
    assert (sms["channel"], sms["status"], sms["fallback_of"]) == (SMS, PENDING, failed["id"])
    assert sms["body_text"] == failed["fallback_text"]
    assert [e.data["channel"] for e in uow.events_of(catalog.NOTIFICATION_FAILED)] == [WHATSAPP]


def test_the_whatsapp_transport_sends_the_template_with_its_parameters() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    record(uow, recorder(clock), catalog.PROPOSAL_SUBMITTED, "p-1")
    [row] = instant(uow)
    api = MemoryWhatsApp()

    with WhatsAppTransport(api).session() as send:
        provider_id = send(row, lambda: None)

    [sent] = api.sent
    assert provider_id == "wamid.000001"
    assert (sent.to, sent.template, sent.language) == (
        INNOVATOR_PHONE,
        "inagara_proposal_submitted",
        "id",
    )
    assert sent.parameters == row["template_parameters"]
    api.fail_with = [WhatsAppError("131026", 131026)]
    with pytest.raises(WhatsAppError), WhatsAppTransport(api).session() as send:
        send(row, lambda: None)


def test_held_sms_become_one_digest_sms_at_the_digest_hour() -> None:
    uow, clock = FakeNotificationWork(), FakeClock(NOON_IN_JAKARTA)
    rec = Recorder(sms=True, clock=clock, secret="s", limits=InstantLimits(daily_cap=1))
    for event_type in (
        catalog.PROPOSAL_SUBMITTED,
        catalog.PROPOSAL_SCORED,
        catalog.PROPOSAL_SHORTLISTED,
    ):
        record(uow, rec, event_type, "p-1")
    [held] = [h for h in find_held_recipients(uow) if h["channel"] == SMS]
    assert held["recipient"] == INNOVATOR_PHONE

    assert compose_digest(held, NOON_IN_JAKARTA, NOON_IN_JAKARTA, uow) == 1

    digest = instant(uow)[-1]
    assert (digest["channel"], digest["template"], digest["status"]) == (SMS, "digest", PENDING)
    assert digest["body_text"] == (
        "Inagara: 2 kabar lain tentang usulan Anda sejak pesan terakhir. Rincian lewat email."
    )
    carried = [r for r in instant(uow) if r["digest_id"] == digest["id"]]
    assert [r["event_type"] for r in carried] == [
        catalog.PROPOSAL_SCORED,
        catalog.PROPOSAL_SHORTLISTED,
    ]
