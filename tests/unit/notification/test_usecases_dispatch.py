"""The steps of a send, each its own use case: claim, hand over, outcome, release."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notification.adapters.clock import FakeClock
from services.notification.domain import EMAIL, FAILED, PENDING, SENDING, SENT
from services.notification.usecases.dispatch import (
    ACCEPTED,
    PRESUMED,
    Policy,
    Sent,
    claim_deliveries,
    fail_delivery,
    find_due,
    find_presumed_sent,
    finish_burst,
    finish_presumed,
    finish_sent,
    hand_over_delivery,
    release_deliveries,
    retry_or_fail,
)
from services.notification.usecases.recording import Recorder, record_deliveries
from shared.events import catalog
from tests.unit.notification import factories
from tests.unit.notification.fakes import FakeNotificationWork

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def with_emails(count: int = 1) -> FakeNotificationWork:
    """A unit of work holding ``count`` pending emails (one per innovator)."""
    uow = FakeNotificationWork()
    people = [factories.innovator(n) for n in range(1, count + 1)]
    event = factories.event(
        catalog.PROPOSAL_SUBMITTED, factories.submitted("p-1", innovators=people)
    )
    record_deliveries(event, Recorder(clock=FakeClock(NOW), secret="s"), uow)
    return uow


def claimed(uow: FakeNotificationWork, at: datetime = NOW) -> list[dict[str, Any]]:
    ids = [i for i, _ in find_due(EMAIL, at, LEASE, 10, uow)]
    return claim_deliveries(ids, at, LEASE, uow)


def test_a_send_is_claimed_handed_over_and_announced_once_it_is_recorded() -> None:
    uow = with_emails()
    [delivery] = claimed(uow)
    assert delivery["status"] == SENDING and delivery["attempts"] == 1

    assert hand_over_delivery(delivery, None, NOW, uow)
    finish_sent([Sent(delivery, "<mid@inagara>")], NOW, uow)

    [row] = uow.deliveries.rows.values()
    assert row["status"] == SENT and row["provider_id"] == "<mid@inagara>"
    [announced] = uow.events_of(catalog.NOTIFICATION_DELIVERED)
    assert announced.data["delivery_id"] == delivery["id"]
    assert announced.data["recipient"] != delivery["recipient"]  # masked
    assert uow.committed == 5  # recorded, found due, claimed, handed over, outcome


def test_each_step_is_its_own_unit_of_work() -> None:
    uow = with_emails()
    before = uow.committed
    [delivery] = claimed(uow)  # find_due, then claim_deliveries
    hand_over_delivery(delivery, None, NOW, uow)
    finish_sent([Sent(delivery, None)], NOW, uow)

    assert uow.committed - before == 4


def test_a_claim_taken_over_refuses_the_hand_over_but_the_earlier_outcomes_still_commit() -> None:
    uow = with_emails(2)
    first, second = claimed(uow)
    assert hand_over_delivery(first, None, NOW, uow)
    later = NOW + 2 * LEASE
    [taken] = claim_deliveries([second["id"]], later, LEASE, uow)  # another sender
    assert taken["claim_token"] != second["claim_token"]

    assert not hand_over_delivery(second, None, later, uow)
    finish_burst([Sent(first, "mid-1")], [second], later, uow)

    assert uow.deliveries.rows[first["id"]]["status"] == SENT
    assert uow.deliveries.rows[second["id"]]["handed_at"] is None
    assert [e.data["delivery_id"] for e in uow.events_of(catalog.NOTIFICATION_DELIVERED)] == [
        first["id"]
    ]


def test_a_lost_claim_cannot_overwrite_the_new_owners_outcome() -> None:
    uow = with_emails()
    [mine] = claimed(uow)
    [theirs] = claim_deliveries([mine["id"]], NOW + 2 * LEASE, LEASE, uow)

    fail_delivery(mine, [], NOW + 2 * LEASE, "550 no such user", uow)
    retry_or_fail(mine, [], NOW + 2 * LEASE, "451", Policy(), random.Random(1), uow)

    assert uow.deliveries.rows[mine["id"]]["status"] == SENDING
    assert uow.published == []
    assert hand_over_delivery(theirs, None, NOW + 2 * LEASE, uow)


def test_a_permanent_refusal_fails_the_delivery_and_announces_it() -> None:
    uow = with_emails()
    [delivery] = claimed(uow)

    fail_delivery(delivery, [], NOW, "550 mailbox unavailable", uow)

    [failed] = uow.events_of(catalog.NOTIFICATION_FAILED)
    assert failed.data["permanent"] is True and "550" in failed.data["error"]
    assert uow.deliveries.rows[delivery["id"]]["status"] == FAILED


def test_a_transient_failure_retries_later_until_the_attempts_are_spent() -> None:
    uow = with_emails()
    policy = Policy(max_attempts=2, retry_base_s=2.0)
    [first_try] = claimed(uow)

    retry_or_fail(first_try, [], NOW, "451 try later", policy, random.Random(1), uow)

    row = uow.deliveries.rows[first_try["id"]]
    assert row["status"] == PENDING and row["next_attempt_at"] > NOW
    assert uow.published == []
    later = row["next_attempt_at"]
    [second_try] = claimed(uow, later)
    retry_or_fail(second_try, [], later, "451 try later", policy, random.Random(1), uow)

    [failed] = uow.events_of(catalog.NOTIFICATION_FAILED)
    assert failed.data["permanent"] is False and failed.data["attempts"] == 2
    assert uow.deliveries.rows[first_try["id"]]["status"] == FAILED


def test_what_a_burst_never_tried_goes_back_without_counting_an_attempt() -> None:
    uow = with_emails(2)
    deliveries = claimed(uow)

    release_deliveries(deliveries, uow)
    release_deliveries([], uow)  # nothing to give back: no transaction

    assert {(r["status"], r["attempts"]) for r in uow.deliveries.rows.values()} == {(PENDING, 0)}
    assert uow.committed == 4  # recorded, due, claimed, released


def test_a_delivery_handed_over_by_a_dead_sender_is_presumed_sent_once() -> None:
    uow = with_emails()
    [delivery] = claimed(uow)
    hand_over_delivery(delivery, None, NOW, uow)

    assert finish_presumed(delivery, NOW + 2 * LEASE, uow)
    assert not finish_presumed(delivery, NOW + 2 * LEASE, uow)

    [announced] = uow.events_of(catalog.NOTIFICATION_DELIVERED)
    assert "presumed" in announced.data["error"]


def test_a_dead_senders_message_the_server_accepted_is_recorded_as_sent_not_presumed() -> None:
    uow = with_emails(2)
    first, second = claimed(uow)
    assert hand_over_delivery(first, None, NOW, uow)
    # The next hand-over notes that the server accepted the first; then the sender dies.
    assert hand_over_delivery(second, Sent(first, "<mid-1@inagara>"), NOW, uow)

    for delivery in find_presumed_sent(EMAIL, NOW + 2 * LEASE, LEASE, uow):
        assert finish_presumed(delivery, NOW + 2 * LEASE, uow)

    rows = uow.deliveries.rows
    assert (rows[first["id"]]["last_error"], rows[first["id"]]["provider_id"]) == (
        ACCEPTED,
        "<mid-1@inagara>",
    )
    assert rows[second["id"]]["last_error"] == PRESUMED  # its last byte may never have gone
    assert {r["status"] for r in rows.values()} == {SENT}


def test_a_burst_records_its_outcomes_together_and_gives_back_what_it_never_tried() -> None:
    uow = with_emails(4)
    first, second, failing, untried = claimed(uow)
    before = uow.committed
    assert hand_over_delivery(first, None, NOW, uow)
    assert hand_over_delivery(second, None, NOW, uow)
    sent = [Sent(first, "mid-1"), Sent(second, "mid-2")]
    assert uow.deliveries.rows[first["id"]]["status"] == SENDING  # outcome not yet recorded

    fail_delivery(failing, sent, NOW, "550 no such user", uow)  # the earlier ones with it
    finish_burst([], [untried], NOW, uow)

    rows = uow.deliveries.rows
    assert [rows[d["id"]]["status"] for d in (first, second, failing)] == [SENT, SENT, FAILED]
    assert (rows[untried["id"]]["status"], rows[untried["id"]]["attempts"]) == (PENDING, 0)
    assert [e.data["delivery_id"] for e in uow.events_of(catalog.NOTIFICATION_DELIVERED)] == [
        first["id"],
        second["id"],
    ]
    assert uow.committed - before == 4  # two hand-overs, the failure (with both), the end


def test_an_outcome_recorded_already_is_not_announced_again() -> None:
    uow = with_emails()
    [delivery] = claimed(uow)
    hand_over_delivery(delivery, None, NOW, uow)
    assert finish_presumed(delivery, NOW + 2 * LEASE, uow)  # its reply came late

    finish_sent([Sent(delivery, "mid")], NOW + 2 * LEASE, uow)

    assert len(uow.events_of(catalog.NOTIFICATION_DELIVERED)) == 1
