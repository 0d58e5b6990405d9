"""The inbox: the ids of events a service has already acted on.

A handler's effect and its inbox row are written in one transaction, so a
redelivered event finds its id and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Column, Connection, DateTime, Engine, Insert, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from shared.events.envelope import Event
from shared.platform.logs import correlated

Effect = Callable[[Connection, Event], None]


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
    )


def seen(conn: Connection, inbox: Table, event_id: str) -> bool:
    """Whether the event was handled here before."""
    query = select(inbox.c.event_id).where(inbox.c.event_id == event_id)
    return conn.execute(query).first() is not None


@cache
def _claim(dialect_name: str, inbox: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` of an inbox row: one statement both
    asks "seen before?" (nothing returned) and records the event, taking the row's lock."""
    key = [inbox.c.event_id]
    if dialect_name == "postgresql":
        return postgresql.insert(inbox).on_conflict_do_nothing(index_elements=key).returning(*key)
    return sqlite.insert(inbox).on_conflict_do_nothing(index_elements=key).returning(*key)


def handle_all_once(
    engine: Engine, inbox: Table, events: Sequence[Event], effects: Mapping[str, Effect]
) -> None:
    """Apply, in one transaction and in order, the effect of each event not handled
    before (its inbox row claimed in the same transaction). Blocks on the database.

    Any failure rolls all of them back and raises; the consumer then hands them
    over one at a time to find the culprit. A concurrent duplicate waits on the
    inbox row of the first, then finds it and changes nothing.

    An effect may ask for something to run once its changes are committed
    (``after_commit``); a rollback forgets it."""
    hooks: list[Callable[[], None]] = []
    with engine.begin() as conn:
        try:
            claim = _claim(engine.dialect.name, inbox)
            for event in events:
                effect = effects.get(event.dataschema)
                if effect is None:
                    continue
                row = {
                    "event_id": event.id,
                    "event_type": event.type,
                    "received_at": datetime.now(UTC),
                }
                if conn.execute(claim, row).first() is None:
                    continue
                with correlated(event.correlation):
                    effect(conn, event)
        finally:
            hooks = conn.info.pop(_AFTER_COMMIT, [])
    for hook in hooks:
        hook()


_AFTER_COMMIT = "inagara.after_commit"


def after_commit(conn: Connection, hook: Callable[[], None]) -> None:
    """Run ``hook`` after the inbox transaction of ``conn`` commits (not on rollback)."""
    conn.info.setdefault(_AFTER_COMMIT, []).append(hook)


class Dispatcher:
    """The consumer handler that runs the effect registered for each event's schema,
    once: ``handle_all`` the events of a poll (one transaction), ``handle`` one.

    Events nobody here handles (other types, or versions this service does not
    know) are skipped: consumers ignore what is not for them.
    """

    def __init__(self, engine: Engine, inbox: Table, effects: Mapping[str, Effect]) -> None:
        self._engine, self._inbox, self._effects = engine, inbox, dict(effects)

    def handle(self, event: Event) -> None:
        self.handle_all([event])

    def handle_all(self, events: Sequence[Event]) -> None:
        handle_all_once(self._engine, self._inbox, events, self._effects)


def dispatcher(
    engine: Engine, inbox: Table, handlers: dict[str, Effect]
) -> Callable[[Event], None]:
    """``Dispatcher(…).handle``: delivers one event (tests, tools)."""
    return Dispatcher(engine, inbox, handlers).handle
