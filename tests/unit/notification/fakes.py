"""In-memory stores of the notification service's shape, for use-case tests."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.notification.domain.messages import (
    DIGESTED,
    FAILED,
    HELD,
    INSTANT,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    SMS,
    Message,
    Person,
    Preference,
    suppression_key,
)
from services.notification.domain.recipients import Proposal
from services.notification.domain.webhooks import Endpoint
from services.notification.store.deliveries import DIGEST_TEMPLATE, Content
from shared.events.envelope import Event
from shared.events.unit_of_work import FakeUnitOfWork


class FakeDeliveryStore:
    """Deliveries as dicts with the table's columns, in the order they were added."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.attempts: list[dict[str, Any]] = []

    def add(
        self,
        event: Event,
        proposal_id: str,
        message: Message,
        content: Content,
        *,
        now: datetime,
        not_before: datetime,
        skipped: bool = False,
        note: str | None = None,
    ) -> str:
        delivery_id = str(uuid.uuid4())
        self.rows[delivery_id] = {
            "id": delivery_id,
            "event_id": event.id,
            "event_type": event.type,
            "correlation_id": event.correlation_id or event.id,
            "proposal_id": proposal_id,
            "channel": message.channel,
            "recipient": message.recipient,
            "recipient_name": message.recipient_name,
            "template": message.template,
            "language": message.language,
            "time_zone": message.time_zone,
            "subject": content.subject,
            "body_text": content.text,
            "status": SKIPPED if skipped else HELD if message.digest else PENDING,
            "role": message.role,
            "essential": message.essential,
            "template_parameters": list(content.parameters) if content.parameters else None,
            "fallback_text": content.fallback_text,
            "text_key": content.text_key,
            "note": note,
            "fallback_of": None,
            "attempts": 0,
            "next_attempt_at": not_before,
            "created_at": now,
            "claimed_at": None,
            "claim_token": None,
            "handed_at": None,
            "last_error": None,
            "provider_id": None,
            "digest_id": None,
        }
        return delivery_id

    def lock_recipient(self, recipient: str, now: datetime) -> None:
        pass  # one thread: nothing to wait for

    def repeat_of(self, recipient: str, text_key: str, since: datetime) -> dict[str, Any] | None:
        return next(
            (
                dict(r)
                for r in self.rows.values()
                if r["recipient"] == recipient
                and r["text_key"] == text_key
                and r["created_at"] >= since
                and r["status"] not in (FAILED, SKIPPED)
            ),
            None,
        )

    def refused_whatsapp(self, recipient: str, since: datetime) -> str | None:
        return next(
            (
                r["id"]
                for r in self.rows.values()
                if r["recipient"] == recipient
                and r["channel"] == "whatsapp"
                and r["status"] == FAILED
                and r["created_at"] >= since
                and "error 131026:" in (r["last_error"] or "")
            ),
            None,
        )

    def instant_count(self, recipient: str, since: datetime) -> int:
        return sum(
            1
            for r in self.rows.values()
            if r["recipient"] == recipient
            and r["channel"] in INSTANT
            and r["created_at"] >= since
            and r["status"] not in (SKIPPED, HELD, DIGESTED, FAILED)
        )

    def fall_back(self, delivery: dict[str, Any], now: datetime, why: str) -> str | None:
        key = (delivery["event_id"], SMS, delivery["recipient"])
        taken = {(r["event_id"], r["channel"], r["recipient"]) for r in self.rows.values()}
        if not delivery.get("fallback_text") or key in taken:
            return None
        sms_id = str(uuid.uuid4())
        self.rows[sms_id] = {
            **copy.deepcopy(self.rows[delivery["id"]]),
            "id": sms_id,
            "channel": SMS,
            "subject": "",
            "body_text": delivery["fallback_text"],
            "template_parameters": None,
            "fallback_text": None,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "claimed_at": None,
            "claim_token": None,
            "handed_at": None,
            "last_error": None,
            "note": f"instead of WhatsApp delivery {delivery['id']}: {why}",
            "fallback_of": delivery["id"],
        }
        self.rows[delivery["id"]]["note"] = f"fell back to SMS delivery {sms_id}"
        return sms_id

    def _claimable(self, row: dict[str, Any], now: datetime, lease: timedelta) -> bool:
        if row["status"] == PENDING:
            return bool(row["next_attempt_at"] <= now)
        return (
            row["status"] == SENDING
            and row["claimed_at"] < now - lease
            and row["handed_at"] is None
        )

    def _held(self, delivery: dict[str, Any]) -> dict[str, Any] | None:
        row = self.rows.get(delivery["id"])
        if row and row["status"] == SENDING and row["claim_token"] == delivery["claim_token"]:
            return row
        return None

    def due(
        self, channel: str, now: datetime, lease: timedelta, limit: int
    ) -> list[tuple[str, str]]:
        ready = [
            r
            for r in self.rows.values()
            if r["channel"] == channel and self._claimable(r, now, lease)
        ]
        ready.sort(key=lambda r: r["next_attempt_at"])
        return [(r["id"], r["time_zone"]) for r in ready[:limit]]

    def defer(self, delivery_id: str, now: datetime, lease: timedelta, until: datetime) -> None:
        row = self.rows[delivery_id]
        if self._claimable(row, now, lease):
            row.update(status=PENDING, next_attempt_at=until, claimed_at=None, claim_token=None)

    def claim(
        self, delivery_ids: Sequence[str], now: datetime, lease: timedelta
    ) -> list[dict[str, Any]]:
        token = str(uuid.uuid4())
        claimed = []
        for delivery_id in delivery_ids:
            row = self.rows.get(delivery_id)
            if row is not None and self._claimable(row, now, lease):
                row.update(
                    status=SENDING,
                    claimed_at=now,
                    claim_token=token,
                    handed_at=None,
                    attempts=row["attempts"] + 1,
                )
                claimed.append(dict(row))
        return claimed

    def hand_over(self, delivery: dict[str, Any], now: datetime) -> bool:
        row = self._held(delivery)
        if row is None or row["handed_at"] is not None:
            return False
        row["handed_at"] = now
        return True

    def accepted(self, delivery: dict[str, Any], provider_id: str) -> None:
        row = self._held(delivery)
        if row is not None:
            row["provider_id"] = provider_id

    def presumed_sent(self, channel: str, now: datetime, lease: timedelta) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.rows.values()
            if r["channel"] == channel
            and r["status"] == SENDING
            and r["handed_at"] is not None
            and r["handed_at"] < now - lease
        ]

    def release(self, claimed: Sequence[dict[str, Any]]) -> None:
        for delivery in claimed:
            row = self._held(delivery)
            if row is not None and row["handed_at"] is None:
                row.update(
                    status=PENDING, claimed_at=None, claim_token=None, attempts=row["attempts"] - 1
                )

    def finish(
        self,
        delivery: dict[str, Any],
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        provider_id: str | None = None,
    ) -> list[dict[str, Any]]:
        row = self._held(delivery)
        if row is None:
            return []
        row.update(status=status, last_error=error, provider_id=provider_id)
        self.attempts.append({"delivery_id": row["id"], "outcome": status, "error": error})
        if delivery["template"] != DIGEST_TEMPLATE:
            return [delivery]
        carried = [r for r in self.rows.values() if r["digest_id"] == delivery["id"]]
        for r in carried:
            r.update(status=status, attempts=delivery["attempts"], last_error=error)
        return [dict(r) for r in carried]

    def finish_sent(
        self, sent: Sequence[tuple[dict[str, Any], str | None]], now: datetime
    ) -> list[list[dict[str, Any]]]:
        return [self.finish(d, SENT, now, provider_id=p) for d, p in sent]

    def retry_later(
        self, delivery: dict[str, Any], now: datetime, error: str, next_attempt_at: datetime
    ) -> bool:
        row = self._held(delivery)
        if row is None:
            return False
        row.update(
            status=PENDING,
            last_error=error,
            next_attempt_at=next_attempt_at,
            handed_at=None,
            claim_token=None,
        )
        self.attempts.append({"delivery_id": row["id"], "outcome": "retry", "error": error})
        return True

    def held_recipients(self) -> list[dict[str, Any]]:
        held: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in self.rows.values():
            if row["status"] == HELD:
                held.setdefault((row["recipient"], row["channel"]), []).append(row)
        return [
            {
                "recipient": recipient,
                "channel": channel,
                "role": rows[-1]["role"],
                "since": min(r["created_at"] for r in rows),
                "time_zone": rows[-1]["time_zone"],
                "language": rows[-1]["language"],
                "name": rows[-1]["recipient_name"],
            }
            for (recipient, channel), rows in held.items()
        ]

    def held_for(self, recipient: str, channel: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.rows.values()
            if r["status"] == HELD and r["recipient"] == recipient and r["channel"] == channel
        ]

    def carry_in_digest(self, digest_id: str, ids: Sequence[str]) -> None:
        for delivery_id in ids:
            if self.rows[delivery_id]["status"] == HELD:
                self.rows[delivery_id].update(status=DIGESTED, digest_id=digest_id)

    def page(self, filters: dict[str, str | None], limit: int, offset: int) -> list[dict[str, Any]]:
        found = [
            dict(r)
            for r in self.rows.values()
            if all(not v or r.get(k) == v for k, v in filters.items())
        ]
        return found[offset : offset + limit]

    def find(self, delivery_id: str) -> dict[str, Any] | None:
        row = self.rows.get(delivery_id)
        if row is None:
            return None
        log = [a for a in self.attempts if a["delivery_id"] == delivery_id]
        return {**row, "attempt_log": log}

    def retry_failed(self, delivery_id: str, now: datetime) -> bool:
        row = self.rows.get(delivery_id)
        if row is None or row["status"] != FAILED:
            return False
        row.update(
            status=PENDING, attempts=0, next_attempt_at=now, claimed_at=None, claim_token=None
        )
        return True

    def with_status(self, status: str) -> list[dict[str, Any]]:
        return [r for r in self.rows.values() if r["status"] == status]


class FakeProjectionStore:
    def __init__(self) -> None:
        self.proposals: dict[str, Proposal] = {}
        self.assignments: dict[str, Person] = {}
        self.reviewers: dict[str, Person] = {}
        self.parked: list[tuple[str, Event]] = []

    def save_proposal(self, proposal: Proposal) -> None:
        known = self.proposals.get(proposal.proposal_id)
        if known is None or known.version <= proposal.version:
            self.proposals[proposal.proposal_id] = proposal

    def find_proposal(self, proposal_id: str) -> Proposal | None:
        return self.proposals.get(proposal_id)

    def save_assignment(
        self, assignment_id: str, proposal_id: str, person: Person, reviewer_id: str | None = None
    ) -> None:
        self.assignments[assignment_id] = person
        if reviewer_id:
            self.reviewers[reviewer_id] = person

    def find_reviewers(self, reviewer_ids: list[str]) -> list[Person]:
        return [self.reviewers[i] for i in reviewer_ids if i in self.reviewers]

    def find_reviewer(self, assignment_id: str) -> Person | None:
        return self.assignments.get(assignment_id)

    def park(self, event: Event, proposal_id: str) -> None:
        self.parked.append((proposal_id, event))

    def take_parked(self, proposal_id: str) -> list[Event]:
        taken = [e for p, e in self.parked if p == proposal_id]
        self.parked = [(p, e) for p, e in self.parked if p != proposal_id]
        return taken

    def count_parked(self) -> int:
        return len(self.parked)


class FakePreferenceStore:
    def __init__(self, *stored: Preference) -> None:
        self.stored = {p.address: p for p in stored}
        self.hashes: set[str] = set()  # unsubscribed addresses, by suppression_key

    def of(self, addresses: Iterable[str | None]) -> dict[str, Preference]:
        found = self.rows(a for a in addresses if a)
        for address in (a for a in addresses if a and suppression_key(a) in self.hashes):
            found[address] = replace(found.get(address) or Preference(address), unsubscribed=True)
        return found

    def rows(self, addresses: Iterable[str]) -> dict[str, Preference]:
        return {a: self.stored[a] for a in addresses if a in self.stored}

    def find(self, address: str) -> Preference | None:
        return self.of([address]).get(address)

    def save(self, preference: Preference) -> None:
        if preference.unsubscribed:
            self.hashes.add(suppression_key(preference.address))
        else:
            self.hashes.discard(suppression_key(preference.address))
        self.stored[preference.address] = preference

    def suppress(self, addresses: Iterable[str], now: datetime) -> None:
        self.hashes.update(suppression_key(a) for a in addresses)


class FakeWebhookStore:
    """Endpoints by id; a newer revision wins and clears a disablement."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}

    def save(self, endpoint: Endpoint, now: datetime) -> bool:
        known = self.endpoints.get(endpoint.endpoint_id)
        if known is not None and known.revision >= endpoint.revision:
            return False
        self.endpoints[endpoint.endpoint_id] = replace(endpoint, disabled_at=None)
        return True

    def of_agency(self, agency_id: str) -> list[Endpoint]:
        return [e for e in self.endpoints.values() if e.agency_id == agency_id]

    def find(self, endpoint_id: str) -> Endpoint | None:
        return self.endpoints.get(endpoint_id)

    def disable(self, endpoint_id: str, now: datetime) -> bool:
        known = self.endpoints.get(endpoint_id)
        if known is None or known.disabled_at is not None:
            return False
        self.endpoints[endpoint_id] = replace(known, disabled_at=now)
        return True


class FakeNotificationWork(FakeUnitOfWork):
    """``NotificationWork`` without a database: the stores outlive each use case, the
    way the tables do, so one test can run several use cases on the same data.

    Like the real one, a use case that raises keeps nothing: the stores are put back
    as they were when it opened."""

    def __init__(self, *preferences: Preference) -> None:
        super().__init__()
        self.deliveries = FakeDeliveryStore()
        self.projection = FakeProjectionStore()
        self.preferences = FakePreferenceStore(*preferences)
        self.webhooks = FakeWebhookStore()
        self._saved: Any = None

    def __enter__(self) -> FakeNotificationWork:
        super().__enter__()
        self._saved = copy.deepcopy(
            (self.deliveries, self.projection, self.preferences, self.webhooks)
        )
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self.deliveries, self.projection, self.preferences, self.webhooks = self._saved
        super().__exit__(exc_type, exc, traceback)

    def events_of(self, event_type: str) -> list[Event]:
        return [e for _, e in self.published if e.type == event_type]
