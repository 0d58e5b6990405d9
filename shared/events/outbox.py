"""The transactional outbox: an event is stored in the same transaction as the
state change that caused it, and published later by the relay."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
)
from sqlalchemy.sql import Insert
from sqlalchemy.types import JSON

from shared.events.envelope import Event, to_record

_ID = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", LargeBinary, nullable=True),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_unsent",
        table.c.id,
        postgresql_where=table.c.sent_at.is_(None),
        sqlite_where=table.c.sent_at.is_(None),
    )
    return table


@cache
def _insert_into(outbox: Table) -> Insert:
    """One INSERT statement per outbox table, built once: a statement is recognised by
    identity where it is prepared for the driver (``shared/platform/group_commit.py``)."""
    return insert(outbox)


def add_to_outbox(conn: Connection, outbox: Table, topic: str, event: Event) -> None:
    """Store ``event`` for publication; call inside the state change's transaction."""
    # Values as parameters of a bare insert: ``.values(...)`` would coerce each one
    # into the statement and make its cache key cost more than the insert itself.
    conn.execute(_insert_into(outbox), _row(topic, event, datetime.now(UTC)))


def add_all_to_outbox(conn: Connection, outbox: Table, events: list[tuple[str, Event]]) -> None:
    """Store (topic, event) pairs for publication, in order, with one statement (an
    executemany); call inside the state change's transaction."""
    now = datetime.now(UTC)
    conn.execute(_insert_into(outbox), [_row(topic, event, now) for topic, event in events])


def _row(topic: str, event: Event, now: datetime) -> dict[str, object]:
    record = to_record(event)
    return {
        "event_id": event.id,
        "event_type": event.type,
        "topic": topic,
        "key": record.key,
        "value": record.value,
        "headers": [[name, raw.decode("utf-8")] for name, raw in record.headers],
        "created_at": now,
    }
