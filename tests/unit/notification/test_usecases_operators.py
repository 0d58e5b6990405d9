"""What operators and recipients ask over HTTP, and the daily digest, with in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notification.adapters.clock import FakeClock
from services.notification.domain import DIGESTED, EMAIL, FAILED, PENDING, Preference
from services.notification.domain.schedule import QuietHours, earliest_send
from services.notification.usecases import operators
from services.notification.usecases.digest import compose_digest, find_held_recipients
from services.notification.usecases.dispatch import claim_deliveries, fail_delivery
from services.notification.usecases.recording import Recorder, record_deliveries
from shared.events import catalog
from tests.unit.notification import factories
from tests.unit.notification.fakes import FakeNotificationWork

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CONTACT = "inovasi@dinkes.example.go.id"


def one_failed_email() -> tuple[FakeNotificationWork, str]:
    uow = FakeNotificationWork()
    event = factories.event(catalog.PROPOSAL_SUBMITTED, factories.submitted("p-1"))
    record_deliveries(event, Recorder(clock=FakeClock(NOW), secret="s"), uow)
    [delivery_id] = [i for i, r in uow.deliveries.rows.items() if r["channel"] == EMAIL]
    [claimed] = claim_deliveries([delivery_id], NOW, timedelta(seconds=60), uow)
    fail_delivery(claimed, None, NOW, "550", uow)
    return uow, delivery_id


def test_a_failed_delivery_is_made_due_again_with_a_fresh_budget() -> None:
    uow, delivery_id = one_failed_email()

    again = operators.retry_delivery(delivery_id, NOW, uow)

    assert (again["status"], again["attempts"]) == (PENDING, 0)
    assert [a["outcome"] for a in again["attempt_log"]] == [FAILED]


def test_only_a_failed_delivery_is_retried_and_a_refusal_changes_nothing() -> None:
    uow, delivery_id = one_failed_email()
    operators.retry_delivery(delivery_id, NOW, uow)
    committed, published = uow.committed, list(uow.published)

    with pytest.raises(operators.NotFailed):
        operators.retry_delivery(delivery_id, NOW, uow)
    with pytest.raises(operators.NoSuchDelivery):
        operators.retry_delivery("nope", NOW, uow)

    assert uow.committed == committed and uow.rolled_back == 2
    assert uow.published == published
    assert uow.deliveries.rows[delivery_id]["status"] == PENDING
    with pytest.raises(operators.NoSuchDelivery):
        operators.get_delivery("nope", uow)


def test_unsubscribing_keeps_the_other_preferences() -> None:
    uow = FakeNotificationWork(Preference(CONTACT, sms=False, language="en"))

    operators.unsubscribe(CONTACT, uow)
    operators.unsubscribe("new@dinas.example.go.id", uow)

    assert operators.get_preference(CONTACT, uow) == (
        Preference(CONTACT, sms=False, language="en", unsubscribed=True),
        True,
    )
    assert operators.get_preference("new@dinas.example.go.id", uow)[0].unsubscribed
    assert operators.get_preference("other@x.example", uow) == (
        Preference("other@x.example"),
        False,
    )


def test_a_digest_carries_every_held_message_of_its_recipient_once() -> None:
    uow = FakeNotificationWork(Preference(CONTACT, digest=True, language="en"))
    recorder = Recorder(clock=FakeClock(NOW), secret="s")
    for proposal_id in ("p-1", "p-2"):
        payload = factories.submitted(proposal_id)
        record_deliveries(factories.event(catalog.PROPOSAL_SUBMITTED, payload), recorder, uow)
        decided = factories.payload_for(catalog.PROPOSAL_REJECTED, proposal_id)
        record_deliveries(factories.event(catalog.PROPOSAL_REJECTED, decided), recorder, uow)
    [held] = find_held_recipients(uow)

    assert compose_digest(held, NOW, NOW, uow) == 1
    assert compose_digest(held, NOW, NOW, uow) == 0  # nothing held any more

    carried = [r for r in uow.deliveries.rows.values() if r["status"] == DIGESTED]
    [digest] = [r for r in uow.deliveries.rows.values() if r["template"] == "digest"]
    assert {r["digest_id"] for r in carried} == {digest["id"]} and len(carried) == 2
    assert "p-1" in digest["body_text"] and "p-2" in digest["body_text"]


def test_quiet_hours_hold_back_sms_only() -> None:
    quiet = QuietHours.parse("21:00-07:00")
    ten_pm = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # in Jakarta

    assert earliest_send("sms", ten_pm, "Asia/Jakarta", quiet) == datetime(
        2026, 3, 3, 0, 0, tzinfo=UTC
    )
    assert earliest_send("email", ten_pm, "Asia/Jakarta", quiet) == ten_pm
    assert earliest_send("sms", ten_pm, "Asia/Jakarta", None) == ten_pm
    assert earliest_send("sms", NOW, "Asia/Jakarta", quiet) == NOW  # noon
