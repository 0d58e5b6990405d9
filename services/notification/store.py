"""Persistence of the notification service: deliveries, outbox and inbox.

One delivery row per (event id, channel, recipient): the unique key is what
makes a redelivered event send nothing again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    insert,
    or_,
    select,
    update,
)

from services.notification import domain
from services.notification.rendering import RenderedEmail
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = MetaData()

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("proposal_id", String(36), nullable=False, index=True),
    Column("channel", String(10), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("template", String(100), nullable=False),
    Column("language", String(5), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("event_id", "channel", "recipient", name="uq_delivery_once"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def add_delivery(
    conn: Connection,
    event_id: str,
    event_type: str,
    proposal_id: str,
    message: domain.Message,
    rendered: RenderedEmail,
) -> None:
    now = datetime.now(UTC)
    conn.execute(
        insert(deliveries).values(
            id=str(uuid.uuid4()),
            event_id=event_id,
            event_type=event_type,
            proposal_id=proposal_id,
            channel=message.channel,
            recipient=message.recipient,
            recipient_name=message.recipient_name,
            template=message.template,
            language=message.language,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            status=domain.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def due_ids(conn: Connection, now: datetime, lease: timedelta, limit: int) -> list[str]:
    """Deliveries ready to send: pending and due, or claimed by a sender that died."""
    query = (
        select(deliveries.c.id)
        .where(_claimable(now, lease))
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    return [row.id for row in conn.execute(query)]


def _claimable(now: datetime, lease: timedelta) -> Any:
    return or_(
        and_(deliveries.c.status == domain.PENDING, deliveries.c.next_attempt_at <= now),
        and_(deliveries.c.status == domain.SENDING, deliveries.c.claimed_at < now - lease),
    )


def claim(
    engine: Engine, delivery_id: str, now: datetime, lease: timedelta
) -> dict[str, Any] | None:
    """Mark a delivery as being sent by us; None if another sender got it first.

    The claim is committed before the send: a sender that dies mid-send leaves
    the row to be retried once its lease has run out.
    """
    with engine.begin() as conn:
        claimed = conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, _claimable(now, lease))
            .values(status=domain.SENDING, claimed_at=now, attempts=deliveries.c.attempts + 1)
        ).rowcount
        if claimed != 1:
            return None
        return dict(
            conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()._mapping
        )


def mark_sent(engine: Engine, delivery_id: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(status=domain.SENT, sent_at=now, last_error=None)
        )


def mark_retry(engine: Engine, delivery_id: str, error: str, next_attempt_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(status=domain.PENDING, last_error=error[:2000], next_attempt_at=next_attempt_at)
        )


def mark_failed(engine: Engine, delivery_id: str, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(status=domain.FAILED, last_error=error[:2000])
        )


PUBLIC_COLUMNS = (
    "id",
    "event_id",
    "event_type",
    "proposal_id",
    "channel",
    "recipient",
    "template",
    "language",
    "subject",
    "status",
    "attempts",
    "created_at",
    "sent_at",
    "last_error",
)


def list_deliveries(
    engine: Engine, proposal_id: str | None, limit: int = 200
) -> list[dict[str, Any]]:
    query = select(*(deliveries.c[name] for name in PUBLIC_COLUMNS)).order_by(
        deliveries.c.created_at, deliveries.c.id
    )
    if proposal_id:
        query = query.where(deliveries.c.proposal_id == proposal_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query.limit(limit))]
