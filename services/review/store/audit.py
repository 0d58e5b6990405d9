"""The audit log: who did what, when, with the record before and after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from services.review.store.rows import as_dicts
from services.review.store.tables import audit_log

_INSERT = audit_log.insert()  # built once; the values go in as parameters


def _jsonable(value: Any) -> Any:
    # Round-trip through JSON so datetimes are stored as ISO text on every backend.
    return None if value is None else json.loads(json.dumps(value, default=str))


def record(
    conn: Connection,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
) -> None:
    conn.execute(
        _INSERT,
        {
            "at": datetime.now(UTC),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": _jsonable(before),
            "after": _jsonable(after),
        },
    )


def entries(conn: Connection, entity_id: str) -> list[dict[str, Any]]:
    return as_dicts(
        conn.execute(
            select(audit_log).where(audit_log.c.entity_id == entity_id).order_by(audit_log.c.id)
        )
    )


def access_entries(conn: Connection, user_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The access changes (every entry about an account), newest first."""
    query = select(audit_log).where(audit_log.c.entity == "user")
    if user_id:
        query = query.where(audit_log.c.entity_id == user_id)
    return as_dicts(conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit)))


class AuditLog:
    """The ``audit`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        return record(self.conn, actor, action, entity, entity_id, before, after)

    def entries(self, entity_id: str) -> list[dict[str, Any]]:
        return entries(self.conn, entity_id)

    def access_entries(self, user_id: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        return access_entries(self.conn, user_id, limit)
