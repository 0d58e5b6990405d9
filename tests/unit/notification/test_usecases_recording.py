"""Recording the deliveries an event causes, through the use case with in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from marshmallow import ValidationError

from services.notification.adapters.clock import FakeClock
from services.notification.domain import EMAIL, HELD, PENDING, SMS, Preference
from services.notification.domain.schedule import QuietHours
from services.notification.usecases.recording import Recorder, record_deliveries
from shared.events import catalog
from shared.events.envelope import Event
from tests.unit.notification import factories
from tests.unit.notification.fakes import FakeNotificationWork

NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
TEN_PM_IN_JAKARTA = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def recorder(now: datetime = NOON_IN_JAKARTA, **options: Any) -> Recorder:
    return Recorder(clock=FakeClock(now), secret="s", **options)


def event_of(event_type: str, proposal_id: str = "p-1") -> Event:
    return factories.event(event_type, factories.payload_for(event_type, proposal_id))


def test_a_submission_records_an_email_and_an_sms_per_innovator_and_announces_nothing() -> None:
    uow = FakeNotificationWork()

    record_deliveries(event_of(catalog.PROPOSAL_SUBMITTED), recorder(sms=True), uow)

    rows = uow.deliveries.rows.values()
    assert sorted((r["channel"], r["recipient"]) for r in rows) == [
        (EMAIL, "innovator1@dinkes.example.go.id"),
        (SMS, "+6281234560001"),
    ]
    assert {r["status"] for r in rows} == {PENDING}
    assert uow.projection.find_proposal("p-1") is not None
    assert (uow.committed, uow.published) == (1, [])


def test_a_decision_before_its_proposal_is_parked_then_recorded_when_the_proposal_arrives() -> None:
    uow = FakeNotificationWork()

    record_deliveries(event_of(catalog.PROPOSAL_REJECTED, "p-early"), recorder(), uow)
    assert uow.deliveries.rows == {}
    assert uow.projection.count_parked() == 1

    record_deliveries(event_of(catalog.PROPOSAL_SUBMITTED, "p-early"), recorder(), uow)

    assert uow.projection.count_parked() == 0
    types = sorted({r["event_type"] for r in uow.deliveries.rows.values()})
    assert types == [catalog.PROPOSAL_REJECTED, catalog.PROPOSAL_SUBMITTED]
    assert uow.committed == 2


def test_an_invalid_payload_is_refused_and_keeps_nothing() -> None:
    uow = FakeNotificationWork()
    broken = factories.event(catalog.PROPOSAL_SUBMITTED, {"proposal_id": "p-1"})

    with pytest.raises(ValidationError):
        record_deliveries(broken, recorder(), uow)

    assert uow.deliveries.rows == {} and uow.projection.proposals == {}
    assert (uow.committed, uow.rolled_back, uow.published) == (0, 1, [])


def test_an_sms_recorded_in_quiet_hours_waits_for_the_morning_and_email_does_not() -> None:
    uow = FakeNotificationWork()
    quiet = QuietHours.parse("21:00-07:00")

    record_deliveries(
        event_of(catalog.PROPOSAL_SUBMITTED),
        recorder(TEN_PM_IN_JAKARTA, sms=True, quiet_hours=quiet),
        uow,
    )

    by_channel = {r["channel"]: r["next_attempt_at"] for r in uow.deliveries.rows.values()}
    assert by_channel[EMAIL] == TEN_PM_IN_JAKARTA
    assert by_channel[SMS] == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 07:00 in Jakarta


def test_a_review_receipt_for_an_unknown_assignment_records_nothing() -> None:
    uow = FakeNotificationWork()
    record_deliveries(event_of(catalog.PROPOSAL_SUBMITTED), recorder(), uow)
    before = dict(uow.deliveries.rows)

    record_deliveries(event_of(catalog.REVIEW_SUBMITTED), recorder(), uow)

    assert uow.deliveries.rows == before
    assert uow.committed == 2


def test_an_agency_contact_on_the_digest_has_its_messages_held() -> None:
    contact = "inovasi@dinkes.example.go.id"
    uow = FakeNotificationWork(Preference(contact, digest=True, language="en"))
    record_deliveries(event_of(catalog.PROPOSAL_SUBMITTED), recorder(), uow)

    record_deliveries(event_of(catalog.PROPOSAL_REJECTED), recorder(), uow)

    held = uow.deliveries.with_status(HELD)
    assert [r["recipient"] for r in held] == [contact]
