"""Failed-login counters, shared by every web process through the review database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from services.review.domain.login_limit import Counter, LoginLimit
from services.review.store.rows import aware
from services.review.store.tables import login_failures as table


def counters(conn: Connection, keys: Sequence[str]) -> list[Counter]:
    rows = conn.execute(select(table).where(table.c.key.in_(keys)))
    return [Counter(r.key, r.failures, aware(r.since) or r.since) for r in rows]


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def record_failure(conn: Connection, keys: Sequence[str], now: datetime, limit: LoginLimit) -> None:
    """Count one failure for each key: one atomic upsert each, so concurrent failures
    from several processes all count. A window that has closed starts again at one."""
    cutoff = now - limit.window
    closed = table.c.since <= cutoff  # the domain's ``not is_open``, in SQL
    for key in keys:
        statement = _insert(conn)(table).values(key=key, failures=1, since=now)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": case((closed, 1), else_=table.c.failures + 1),
                    "since": case((closed, now), else_=table.c.since),
                },
            )
        )
    # Keep the table to the counters that still matter (a spray of emails leaves rows).
    conn.execute(delete(table).where(closed))


def forget(conn: Connection, key: str) -> None:
    conn.execute(delete(table).where(table.c.key == key))


class LoginFailureStore:
    """The ``login_failures`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def counters(self, keys: Sequence[str]) -> list[Counter]:
        return counters(self.conn, keys)

    def record_failure(self, keys: Sequence[str], now: datetime, limit: LoginLimit) -> None:
        return record_failure(self.conn, keys, now, limit)

    def forget(self, key: str) -> None:
        return forget(self.conn, key)
