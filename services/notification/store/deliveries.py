"""Deliveries: recorded by the handlers, claimed and finished by the dispatcher.

``DeliveryStore`` works on the connection of a transaction its caller (a use case's
unit of work) opened; it opens none itself. A delivery's final state and its attempt
row are written in the caller's transaction, with the ``notification.delivered`` /
``notification.failed`` events the use case raises for the deliveries ``finish`` returns.

A claim is fenced. Each claim writes a new ``claim_token``; every later change
the claiming sender makes (the hand-over, the outcome, a retry, a release) is
one ``UPDATE`` that also asks for that token and ``status = 'sending'``, and
reports whether it changed the row. A sender whose lease ran out and whose
delivery another sender claimed meanwhile is refused: it must not send, and it
cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

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
    WEBHOOK,
    WHATSAPP,
    Message,
)
from services.notification.domain.webhooks import NOT_SENT_PREFIX, PARKED
from services.notification.store.tables import attempts, deliveries, instant_locks, utc
from shared.events.envelope import Event

SOURCE = "/inagara/notification"
# The Cloud API's "message undeliverable" (adapters/whatsapp.py NOT_ON_WHATSAPP), as the
# adapter writes it into a failed delivery's error: "..., error 131026: ...".
NOT_ON_WHATSAPP_CODE = 131026
DIGEST_TEMPLATE = "digest"
PARKED_NOTE = "parked: its failure disabled the endpoint"


@dataclass(frozen=True)
class Content:
    """What a delivery says: subject and HTML are empty for an instant message.

    A WhatsApp message also has its template's ``parameters`` and the SMS to send
    instead (``fallback_text``); an instant message a ``text_key`` (a digest of its
    SMS text) by which a repeat is recognised."""

    subject: str
    text: str
    html: str = ""
    unsubscribe_url: str | None = None
    parameters: tuple[str, ...] | None = None
    fallback_text: str | None = None
    text_key: str | None = None


_INSERT_DELIVERY = insert(deliveries)


# What an export shows of each delivery: what was sent, to whom, when and how it went.
EXPORTED = (
    "id",
    "proposal_id",
    "event_type",
    "channel",
    "recipient",
    "recipient_name",
    "language",
    "subject",
    "body_text",
    "status",
    "created_at",
    "sent_at",
)


def _claimable(now: datetime, lease: timedelta) -> Any:
    """Pending and due, or claimed by a sender that died before handing the message over."""
    return or_(
        and_(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now),
        and_(
            deliveries.c.status == SENDING,
            deliveries.c.claimed_at < now - lease,
            deliveries.c.handed_at.is_(None),
        ),
    )


def _parked_for(endpoint_id: str) -> tuple[Any, ...]:
    return (
        deliveries.c.channel == WEBHOOK,
        deliveries.c.recipient == endpoint_id,
        deliveries.c.status == PENDING,
        deliveries.c.next_attempt_at >= PARKED,
    )


def _held(delivery: dict[str, Any]) -> Any:
    """The delivery is still in the claim ``delivery`` was read from: being sent, under
    that claim's token (a later claim by another sender wrote another)."""
    return and_(
        deliveries.c.id == delivery["id"],
        deliveries.c.status == SENDING,
        deliveries.c.claim_token == delivery["claim_token"],
    )


# Asked several times a second by every sender: built once, with the times as parameters.
_DUE = (
    select(deliveries.c.id, deliveries.c.time_zone)
    .where(
        deliveries.c.channel == bindparam("channel"),
        or_(
            and_(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= bindparam("now")),
            and_(
                deliveries.c.status == SENDING,
                deliveries.c.claimed_at < bindparam("expired"),
                deliveries.c.handed_at.is_(None),
            ),
        ),
    )
    .order_by(deliveries.c.next_attempt_at)
    .limit(bindparam("limit"))
)

# A sender's steps on its claimed deliveries, a few times per message: built once too.
# Each asks for the claim's token (``_held``); a burst's deliveries share one claim, so a
# burst's outcomes and its release are one statement each, whatever their number. (A
# claim without a token, from before tokens, takes ``_held``'s ``IS NULL`` one by one.)
_HAND_OVER = (
    update(deliveries)
    .where(
        deliveries.c.id == bindparam("b_id"),
        deliveries.c.status == SENDING,
        deliveries.c.claim_token == bindparam("b_token"),
        deliveries.c.handed_at.is_(None),
    )
    .values(handed_at=bindparam("b_now"))
)
_ACCEPTED = (
    update(deliveries)
    .where(
        deliveries.c.id == bindparam("b_id"),
        deliveries.c.status == SENDING,
        deliveries.c.claim_token == bindparam("b_token"),
    )
    .values(provider_id=bindparam("b_provider"))
)
_ALL_HELD = (
    deliveries.c.id.in_(bindparam("b_ids", expanding=True)),
    deliveries.c.status == SENDING,
    deliveries.c.claim_token.in_(bindparam("b_tokens", expanding=True)),
)
_SENT_MANY = (
    update(deliveries)
    .where(*_ALL_HELD)
    .values(status=SENT, sent_at=bindparam("b_now"), last_error=None, provider_id=None)
    .returning(deliveries.c.id)
)
_PROVIDER_ID = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("b_id"))
    .values(provider_id=bindparam("b_provider"))
)
_RELEASE = (
    update(deliveries)
    .where(*_ALL_HELD, deliveries.c.handed_at.is_(None))
    .values(status=PENDING, claimed_at=None, claim_token=None, attempts=deliveries.c.attempts - 1)
)
_ATTEMPT = insert(attempts)

PUBLIC_COLUMNS = (
    "id",
    "event_id",
    "event_type",
    "proposal_id",
    "channel",
    "recipient",
    "template",
    "language",
    "essential",
    "subject",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "sent_at",
    "provider_id",
    "last_error",
    "digest_id",
    "note",
    "fallback_of",
)


def _shown(row: Any) -> dict[str, Any]:
    """A row as a plain dict: SQLite gives back naive datetimes, the API promises an offset."""
    return {k: utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def _one_by_one(delivery: dict[str, Any]) -> bool:
    """A digest (it ends the deliveries it carried) or a claim without a token."""
    return delivery["template"] == DIGEST_TEMPLATE or delivery["claim_token"] is None


def _attempt(
    delivery: dict[str, Any],
    outcome: str,
    now: datetime,
    error: str | None,
    provider_id: str | None,
) -> dict[str, Any]:
    """The attempt row of a delivery's try that ended ``now``."""
    return {
        "delivery_id": delivery["id"],
        "number": delivery["attempts"],
        "started_at": utc(delivery["claimed_at"]) or now,
        "finished_at": now,
        "outcome": outcome,
        "error": error[:2000] if error else None,
        "provider_id": provider_id,
    }


class DeliveryStore:
    """The deliveries table, on the connection of an open transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

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
        """Record one delivery: pending, held (for a digest) or skipped (a repeat)."""
        delivery_id = str(uuid.uuid4())
        # Values as parameters of a statement built once: no per-call statement building.
        self._conn.execute(
            _INSERT_DELIVERY,
            dict(
                id=delivery_id,
                event_id=event.id,
                event_type=event.type,
                correlation_id=event.correlation,
                proposal_id=proposal_id,
                channel=message.channel,
                recipient=message.recipient,
                recipient_name=message.recipient_name,
                role=message.role,
                template=message.template,
                language=message.language,
                essential=message.essential,
                time_zone=message.time_zone,
                subject=content.subject,
                body_text=content.text,
                body_html=content.html,
                unsubscribe_url=content.unsubscribe_url,
                status=SKIPPED if skipped else HELD if message.digest else PENDING,
                attempts=0,
                next_attempt_at=not_before,
                created_at=now,
                template_parameters=list(content.parameters)
                if content.parameters is not None
                else None,
                fallback_text=content.fallback_text,
                text_key=content.text_key,
                note=note,
                fallback_of=None,
                data_subject=message.data_subject,
            ),
        )
        return delivery_id

    # -- the instant-message policy ----------------------------------------------------

    def lock_recipient(self, recipient: str, now: datetime) -> None:
        """Lock ``recipient``'s row until the transaction ends (made if missing): whoever
        records an instant message for the number next waits, then sees this one.

        Nothing to do on SQLite: its transactions write one at a time, and this one
        already wrote (the inbox row), so no other can be recording meanwhile."""
        if self._conn.dialect.name != "postgresql":
            return
        self._conn.execute(
            postgresql.insert(instant_locks)
            .values(recipient=recipient, touched_at=now)
            .on_conflict_do_nothing(index_elements=["recipient"])
        )
        self._conn.execute(
            update(instant_locks)
            .where(instant_locks.c.recipient == recipient)
            .values(touched_at=now)
        )

    def repeat_of(self, recipient: str, text_key: str, since: datetime) -> dict[str, Any] | None:
        """The first instant message with the same text to ``recipient`` since ``since``
        that was not skipped or failed (id, channel, created_at), if any."""
        row = self._conn.execute(
            select(deliveries.c.id, deliveries.c.channel, deliveries.c.created_at)
            .where(
                deliveries.c.recipient == recipient,
                deliveries.c.text_key == text_key,
                deliveries.c.created_at >= since,
                deliveries.c.status.not_in((FAILED, SKIPPED)),
            )
            .order_by(deliveries.c.created_at)
            .limit(1)
        ).first()
        return _shown(row) if row is not None else None

    def refused_whatsapp(self, recipient: str, since: datetime) -> str | None:
        """The id of a WhatsApp delivery to ``recipient`` since ``since`` that failed because
        the number is not on WhatsApp, if any."""
        return self._conn.execute(
            select(deliveries.c.id)
            .where(
                deliveries.c.recipient == recipient,
                deliveries.c.channel == WHATSAPP,
                deliveries.c.status == FAILED,
                deliveries.c.created_at >= since,
                deliveries.c.last_error.contains(f"error {NOT_ON_WHATSAPP_CODE}:"),
            )
            .limit(1)
        ).scalar()

    def instant_count(self, recipient: str, since: datetime) -> int:
        """Instant messages to ``recipient`` recorded since ``since`` that go (or went) out
        on their own: not skipped, not held for a digest, not failed."""
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(deliveries)
                .where(
                    deliveries.c.recipient == recipient,
                    deliveries.c.channel.in_(INSTANT),
                    deliveries.c.created_at >= since,
                    deliveries.c.status.not_in((SKIPPED, HELD, DIGESTED, FAILED)),
                )
            ).scalar_one()
        )

    def fall_back(self, delivery: dict[str, Any], now: datetime, why: str) -> str | None:
        """Record the SMS that replaces a WhatsApp delivery that failed for good, once:
        its id, or None when the delivery has no SMS text or the SMS exists already."""
        if not delivery.get("fallback_text"):
            return None
        sms_id = str(uuid.uuid4())
        kind = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        keep = ("event_id", "event_type", "correlation_id", "proposal_id", "recipient")
        added = self._conn.execute(
            kind.insert(deliveries)
            .values(
                **{name: delivery[name] for name in keep},
                id=sms_id,
                channel=SMS,
                **{
                    name: delivery[name]
                    for name in (
                        "recipient_name",
                        "role",
                        "template",
                        "language",
                        "essential",
                        "time_zone",
                        "text_key",
                    )
                },
                subject="",
                body_text=delivery["fallback_text"],
                body_html="",
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                note=f"instead of WhatsApp delivery {delivery['id']}: {why}"[:2000],
                fallback_of=delivery["id"],
            )
            .on_conflict_do_nothing(index_elements=["event_id", "channel", "recipient"])
            .returning(deliveries.c.id)
        ).first()
        if added is None:
            return None
        self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery["id"])
            .values(note=f"fell back to SMS delivery {sms_id}")
        )
        return sms_id

    # -- the dispatcher's side -------------------------------------------------------

    def due(
        self, channel: str, now: datetime, lease: timedelta, limit: int
    ) -> list[tuple[str, str]]:
        """(id, time zone) of deliveries ready to send: due, or claimed by a sender that
        died (the same condition as ``_claimable``)."""
        params = {"channel": channel, "now": now, "expired": now - lease, "limit": limit}
        return [(row.id, row.time_zone) for row in self._conn.execute(_DUE, params)]

    def defer(self, delivery_id: str, now: datetime, lease: timedelta, until: datetime) -> None:
        """Put a due delivery off (quiet hours) without counting an attempt."""
        self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, _claimable(now, lease))
            .values(status=PENDING, next_attempt_at=until, claimed_at=None, claim_token=None)
        )

    def claim(
        self, delivery_ids: Sequence[str], now: datetime, lease: timedelta
    ) -> list[dict[str, Any]]:
        """Mark deliveries as being sent by us, in the order given; those another sender
        got first are left out. The rows come back with this claim's ``claim_token``.

        The caller commits the claim before the sends: a sender that dies mid-burst
        leaves the rows it had not handed over to be sent again once its lease has run
        out (by another sender, under a new token: this one's hand-over is then refused).
        """
        token = str(uuid.uuid4())
        claimed = self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(list(delivery_ids)), _claimable(now, lease))
            .values(
                status=SENDING,
                claimed_at=now,
                claim_token=token,
                handed_at=None,
                attempts=deliveries.c.attempts + 1,
            )
            .returning(*deliveries.c)
        ).all()
        by_id = {row.id: dict(row._mapping) for row in claimed}
        return [by_id[i] for i in delivery_ids if i in by_id]

    def hand_over(self, delivery: dict[str, Any], now: datetime) -> bool:
        """Record that the message is about to be complete at the server: never send it again.

        False, and nothing written, when the claim is no longer ours: the lease ran out
        and another sender claimed the delivery. The caller must then not send it.
        """
        if delivery["claim_token"] is None:
            statement: Any = (
                update(deliveries)
                .where(_held(delivery), deliveries.c.handed_at.is_(None))
                .values(handed_at=now)
            )
            return bool(self._conn.execute(statement).rowcount == 1)
        handed = self._conn.execute(
            _HAND_OVER, {"b_id": delivery["id"], "b_token": delivery["claim_token"], "b_now": now}
        ).rowcount
        return bool(handed == 1)

    def accepted(self, delivery: dict[str, Any], provider_id: str) -> None:
        """Note that the server accepted the message (its provider id), before its outcome
        is recorded: were the sender to die first, the delivery is known to have gone out
        (``presumed_sent`` returns it with the id), not merely presumed to. Nothing written
        if the claim is no longer ours."""
        if delivery["claim_token"] is None:
            return  # a claim from before tokens: its outcome says it
        params = {"b_id": delivery["id"], "b_token": delivery["claim_token"]}
        self._conn.execute(_ACCEPTED, {**params, "b_provider": provider_id})

    def presumed_sent(self, channel: str, now: datetime, lease: timedelta) -> list[dict[str, Any]]:
        """Deliveries handed over a lease ago or more, still without an outcome: their
        sender died before it heard the answer. (Counted from the hand-over, not the claim:
        a sender that handed a message over late in its lease is still waiting for the
        reply.)"""
        query = select(deliveries).where(
            deliveries.c.channel == channel,
            deliveries.c.status == SENDING,
            deliveries.c.handed_at < now - lease,
        )
        return [dict(row._mapping) for row in self._conn.execute(query)]

    def release(self, claimed: Sequence[dict[str, Any]]) -> None:
        """Give back claimed deliveries that were never tried (the burst ended early);
        those another sender claimed since stay its own. One statement."""
        tokened = [d for d in claimed if d["claim_token"] is not None]
        if tokened:
            self._conn.execute(
                _RELEASE,
                {
                    "b_ids": [d["id"] for d in tokened],
                    "b_tokens": sorted({d["claim_token"] for d in tokened}),
                },
            )
        for delivery in claimed:
            if delivery["claim_token"] is None:
                self._conn.execute(
                    update(deliveries)
                    .where(_held(delivery), deliveries.c.handed_at.is_(None))
                    .values(
                        status=PENDING,
                        claimed_at=None,
                        claim_token=None,
                        attempts=deliveries.c.attempts - 1,
                    )
                )

    def _record_attempt(
        self,
        delivery: dict[str, Any],
        outcome: str,
        now: datetime,
        error: str | None,
        provider_id: str | None,
    ) -> None:
        self._conn.execute(_ATTEMPT, _attempt(delivery, outcome, now, error, provider_id))

    def finish_sent(
        self, sent: Sequence[tuple[dict[str, Any], str | None]], now: datetime
    ) -> list[list[dict[str, Any]]]:
        """Record that the server accepted these (delivery, provider id): for each, in
        order, the deliveries its outcome ends, as ``finish`` (none if the delivery is no
        longer in its claim). One statement per table for the lot, digests aside."""
        ended: dict[str, list[dict[str, Any]]] = {}
        plain = [(d, p) for d, p in sent if not _one_by_one(d)]
        if plain:
            done = set(
                self._conn.execute(
                    _SENT_MANY,
                    {
                        "b_ids": [d["id"] for d, _ in plain],
                        "b_tokens": sorted({d["claim_token"] for d, _ in plain}),
                        "b_now": now,
                    },
                ).scalars()
            )
            mine = [(d, p) for d, p in plain if d["id"] in done]
            named = [{"b_id": d["id"], "b_provider": p} for d, p in mine if p is not None]
            if named:
                self._conn.execute(_PROVIDER_ID, named)
            if mine:
                self._conn.execute(_ATTEMPT, [_attempt(d, SENT, now, None, p) for d, p in mine])
            ended.update((d["id"], [d]) for d, _ in mine)
        for delivery, provider_id in sent:
            if _one_by_one(delivery):
                ended[delivery["id"]] = self.finish(delivery, SENT, now, provider_id=provider_id)
        return [ended.get(d["id"], []) for d, _ in sent]

    def finish(
        self,
        delivery: dict[str, Any],
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        provider_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Record a final outcome (sent or failed); returns the deliveries it ends (the
        caller announces each), none, and nothing written, if the delivery is no longer
        in ``delivery``'s claim.

        Only a delivery still being sent under the same claim is finished, so an outcome
        is announced once, and a sender that lost its claim cannot overwrite the new
        owner's. A digest's outcome is also the outcome of every delivery it carried:
        those are returned instead of the digest.
        """
        finished = self._conn.execute(
            update(deliveries)
            .where(_held(delivery))
            .values(
                status=status,
                sent_at=now if status == SENT else None,
                last_error=error[:2000] if error else None,
                provider_id=provider_id,
            )
        ).rowcount
        if not finished:
            return []  # another sender finished it (a presumed send) or claimed it since
        self._record_attempt(delivery, status, now, error, provider_id)
        if delivery["template"] != DIGEST_TEMPLATE:
            return [delivery]
        carried = [
            dict(row._mapping)
            for row in self._conn.execute(
                select(deliveries).where(deliveries.c.digest_id == delivery["id"])
            )
        ]
        self._conn.execute(
            update(deliveries)
            .where(deliveries.c.digest_id == delivery["id"])
            .values(
                status=status,
                sent_at=now if status == SENT else None,
                attempts=delivery["attempts"],
                last_error=error[:2000] if error else None,
            )
        )
        return [{**row, "attempts": delivery["attempts"]} for row in carried]

    def retry_later(
        self, delivery: dict[str, Any], now: datetime, error: str, next_attempt_at: datetime
    ) -> bool:
        """Schedule another try; False, and nothing written, if the claim is no longer ours."""
        retried = self._conn.execute(
            update(deliveries)
            .where(_held(delivery))
            .values(
                status=PENDING,
                last_error=error[:2000],
                next_attempt_at=next_attempt_at,
                handed_at=None,
                claim_token=None,
            )
        ).rowcount
        if retried != 1:
            return False
        self._record_attempt(delivery, "retry", now, error, None)
        return True

    # -- digests ---------------------------------------------------------------------

    def held_recipients(self) -> list[dict[str, Any]]:
        """Per recipient and channel with held deliveries: the oldest one's time, and the
        latest one's zone, language, name and role."""
        oldest = (
            select(
                deliveries.c.recipient,
                deliveries.c.channel,
                func.min(deliveries.c.created_at).label("since"),
            )
            .where(deliveries.c.status == HELD)
            .group_by(deliveries.c.recipient, deliveries.c.channel)
        )
        found = []
        for row in self._conn.execute(oldest):
            latest = self._conn.execute(
                select(
                    deliveries.c.time_zone,
                    deliveries.c.language,
                    deliveries.c.recipient_name,
                    deliveries.c.role,
                )
                .where(
                    deliveries.c.status == HELD,
                    deliveries.c.recipient == row.recipient,
                    deliveries.c.channel == row.channel,
                )
                .order_by(deliveries.c.created_at.desc())
                .limit(1)
            ).one()
            found.append(
                {
                    "recipient": row.recipient,
                    "channel": row.channel,
                    "role": latest.role,
                    "since": utc(row.since),
                    "time_zone": latest.time_zone,
                    "language": latest.language,
                    "name": latest.recipient_name,
                }
            )
        return found

    def held_for(self, recipient: str, channel: str) -> list[dict[str, Any]]:
        query = (
            select(deliveries)
            .where(
                deliveries.c.status == HELD,
                deliveries.c.recipient == recipient,
                deliveries.c.channel == channel,
            )
            .order_by(deliveries.c.created_at, deliveries.c.id)
        )
        return [dict(row._mapping) for row in self._conn.execute(query)]

    def carry_in_digest(self, digest_id: str, ids: Sequence[str]) -> None:
        self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(list(ids)), deliveries.c.status == HELD)
            .values(status=DIGESTED, digest_id=digest_id)
        )

    # -- the API's side ----------------------------------------------------------------

    def page(self, filters: dict[str, str | None], limit: int, offset: int) -> list[dict[str, Any]]:
        query = select(*(deliveries.c[name] for name in PUBLIC_COLUMNS)).order_by(
            deliveries.c.created_at, deliveries.c.id
        )
        for name in ("proposal_id", "recipient", "status", "channel"):
            if filters.get(name):
                query = query.where(deliveries.c[name] == filters[name])
        return [_shown(row) for row in self._conn.execute(query.limit(limit).offset(offset))]

    def find(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery's public columns, its text and its attempt log."""
        row = self._conn.execute(
            select(*(deliveries.c[n] for n in (*PUBLIC_COLUMNS, "body_text"))).where(
                deliveries.c.id == delivery_id
            )
        ).first()
        if row is None:
            return None
        found = _shown(row)
        found["attempt_log"] = [
            _shown(a)
            for a in self._conn.execute(
                select(attempts)
                .where(attempts.c.delivery_id == delivery_id)
                .order_by(attempts.c.id)
            )
        ]
        return found

    def retry_failed(self, delivery_id: str, now: datetime) -> bool:
        """Send a failed delivery again, with a fresh budget of attempts; False if it is
        not failed. The attempt log keeps the earlier tries."""
        changed = self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == FAILED)
            .values(
                status=PENDING, attempts=0, next_attempt_at=now, claimed_at=None, claim_token=None
            )
        ).rowcount
        return bool(changed == 1)

    def to_addresses(self, addresses: Collection[str]) -> list[dict[str, Any]]:
        """Access request: every message to these addresses, as the person received it."""
        if not addresses:
            return []
        rows = self._conn.execute(
            select(*(deliveries.c[name] for name in EXPORTED))
            .where(deliveries.c.recipient.in_(addresses))
            .order_by(deliveries.c.created_at, deliveries.c.id)
        )
        return [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row._mapping.items()}
            for row in rows
        ]

    def of_subject(self, subject: str) -> list[dict[str, Any]]:
        """Access request of a person named by id only (an objector): every message
        recorded for them, as they received it."""
        rows = self._conn.execute(
            select(*(deliveries.c[name] for name in EXPORTED))
            .where(deliveries.c.data_subject == subject)
            .order_by(deliveries.c.created_at, deliveries.c.id)
        )
        return [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row._mapping.items()}
            for row in rows
        ]

    # -- webhook endpoints paused, disabled, active again -------------------------------

    def park_webhooks(self, endpoint_id: str, also_failed: str | None = None) -> None:
        """The endpoint's pending deliveries wait until it is active again; so does the
        failed delivery ``also_failed`` (the one whose failure disabled it)."""
        self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.channel == WEBHOOK,
                deliveries.c.recipient == endpoint_id,
                deliveries.c.status == PENDING,
            )
            .values(next_attempt_at=PARKED)
        )
        if also_failed:
            self._conn.execute(
                update(deliveries)
                .where(deliveries.c.id == also_failed, deliveries.c.status == FAILED)
                .values(note=PARKED_NOTE)
            )

    def drop_parked_webhooks(self, endpoint_id: str) -> None:
        """The endpoint is deleted: what was parked for it is skipped."""
        self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.channel == WEBHOOK,
                deliveries.c.recipient == endpoint_id,
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at >= PARKED,
            )
            .values(status=SKIPPED, note="the endpoint was deleted")
        )

    def unpark_webhooks(self, endpoint_id: str, now: datetime) -> bool:
        """The endpoint is active again: what failed only because it was paused or
        disabled when its turn came (or disabled it) joins the parked ones, with a fresh
        budget of attempts, and the oldest parked one is due now (``unpark_next`` then
        makes the next one due as each ends: in the order recorded). Whether one was."""
        self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.channel == WEBHOOK,
                deliveries.c.recipient == endpoint_id,
                deliveries.c.status == FAILED,
                or_(
                    deliveries.c.note == PARKED_NOTE,
                    deliveries.c.last_error.startswith(NOT_SENT_PREFIX),
                ),
            )
            .values(
                status=PENDING,
                attempts=0,
                next_attempt_at=PARKED,
                claimed_at=None,
                claim_token=None,
                note=None,
            )
        )
        return self.unpark_next(endpoint_id, now)

    def has_parked(self, endpoint_id: str) -> bool:
        return (
            self._conn.execute(
                select(deliveries.c.id).where(*_parked_for(endpoint_id)).limit(1)
            ).first()
            is not None
        )

    def unpark_next(self, endpoint_id: str, now: datetime) -> bool:
        """The oldest parked delivery of the endpoint is due now; False if none is parked."""
        oldest = self._conn.execute(
            select(deliveries.c.id)
            .where(*_parked_for(endpoint_id))
            .order_by(deliveries.c.created_at, deliveries.c.id)
            .limit(1)
        ).scalar()
        if oldest is None:
            return False
        self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == oldest, deliveries.c.status == PENDING)
            .values(next_attempt_at=now)
        )
        return True

    def forget_of_proposal(self, proposal_id: str, addresses: Collection[str]) -> int:
        """Retention: the proposal's deliveries to these addresses and their attempts."""
        if not addresses:
            return 0
        ids = select(deliveries.c.id).where(
            deliveries.c.proposal_id == proposal_id, deliveries.c.recipient.in_(addresses)
        )
        self._conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
        gone = self._conn.execute(
            delete(deliveries).where(
                deliveries.c.proposal_id == proposal_id, deliveries.c.recipient.in_(addresses)
            )
        )
        return int(gone.rowcount or 0)

    def forget(self, addresses: Collection[str]) -> int:
        """Erasure: every delivery to these addresses, its attempts and its instant lock."""
        if not addresses:
            return 0
        ids = select(deliveries.c.id).where(deliveries.c.recipient.in_(addresses))
        self._conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
        self._conn.execute(delete(instant_locks).where(instant_locks.c.recipient.in_(addresses)))
        gone = self._conn.execute(delete(deliveries).where(deliveries.c.recipient.in_(addresses)))
        return int(gone.rowcount or 0)

    def forget_subject(self, subject: str) -> tuple[int, set[str]]:
        """Erasure of a subject named by id only (``objector.erased``): every delivery
        recorded for them and its attempts. Returns how many, and the addresses."""
        addresses = {
            str(r)
            for r in self._conn.execute(
                select(deliveries.c.recipient).where(deliveries.c.data_subject == subject)
            ).scalars()
        }
        ids = select(deliveries.c.id).where(deliveries.c.data_subject == subject)
        self._conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
        gone = self._conn.execute(delete(deliveries).where(deliveries.c.data_subject == subject))
        return int(gone.rowcount or 0), addresses

    def still_addressed(self, addresses: Collection[str]) -> set[str]:
        """Those of ``addresses`` some delivery still goes to (another role of the person)."""
        if not addresses:
            return set()
        query = select(deliveries.c.recipient).where(deliveries.c.recipient.in_(addresses))
        return {str(r) for r in self._conn.execute(query).scalars()}
