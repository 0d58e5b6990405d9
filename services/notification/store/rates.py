"""The send rate of each channel, shared by every sender of every worker replica.

One row per channel holds a token bucket: the tokens left and the time (seconds since the
epoch) they were counted at. Taking a token is one UPDATE that refills and takes in the
same statement, so two senders anywhere never take the same token: the database's row
lock orders them (PostgreSQL), or its write lock does (SQLite). Nothing outlives the
statement's transaction, so it works behind a transaction-pooling PgBouncer too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.notification.store.tables import send_rates


class RateStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        postgresql = conn.dialect.name == "postgresql"
        # Scalar min/max: LEAST/GREATEST on PostgreSQL, min/max of several arguments on SQLite.
        self._least: Any = func.least if postgresql else func.min
        self._greatest: Any = func.greatest if postgresql else func.max

    def take(self, channel: str, now: float, rate: float, capacity: float) -> float:
        """Take one token of ``channel`` at wall time ``now``; returns 0 when taken, else the
        seconds until one will be there (nothing taken)."""
        t = send_rates.c
        # The refill of the time since the last count; a clock behind the last count adds
        # nothing (replicas' clocks differ a little: the bucket never runs backwards).
        refilled = self._least(
            literal(capacity), t.tokens + self._greatest(literal(0.0), literal(now) - t.at) * rate
        )
        taken = self._conn.execute(
            update(send_rates)
            .where(t.channel == channel, refilled >= 1)
            .values(tokens=refilled - 1, at=self._greatest(t.at, literal(now)))
        ).rowcount
        if taken:
            return 0.0
        row = self._conn.execute(
            select(refilled.label("tokens")).where(t.channel == channel)
        ).one_or_none()
        if row is None:
            self._create(channel, now, capacity)
            return self.take(channel, now, rate, capacity)
        return max(0.0, (1 - float(row.tokens)) / rate)

    def _create(self, channel: str, now: float, capacity: float) -> None:
        """The channel's first send anywhere: a full bucket (another sender may win the race)."""
        values = {"channel": channel, "tokens": capacity, "at": now}
        if self._conn.dialect.name == "postgresql":
            statement: Any = postgresql_insert(send_rates).values(values)
        else:
            statement = sqlite_insert(send_rates).values(values)
        self._conn.execute(statement.on_conflict_do_nothing(index_elements=["channel"]))
