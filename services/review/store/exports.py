"""The secretariat's background CSV exports (``review_exports``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import exports as table

PENDING, READY, FAILED = "pending", "ready", "failed"


class ExportStore:
    """The ``exports`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: dict[str, Any]) -> None:
        self.conn.execute(table.insert().values(status=PENDING, **values))

    def get(self, export_id: str) -> dict[str, Any] | None:
        return as_dict(self.conn.execute(select(table).where(table.c.id == export_id)).first())

    def pending(self, limit: int = 10) -> list[dict[str, Any]]:
        """The oldest exports still to build (without their content)."""
        columns = [c for c in table.c if c.name != "content"]
        rows = self.conn.execute(
            select(*columns)
            .where(table.c.status == PENDING)
            .order_by(table.c.requested_at)
            .limit(limit)
        )
        return as_dicts(rows)

    def finish(
        self, export_id: str, now: datetime, content: str | None, error: str | None = None
    ) -> bool:
        """Store what was built (or why not); False when another worker was first."""
        done = self.conn.execute(
            update(table)
            .where(table.c.id == export_id, table.c.status == PENDING)
            .values(
                status=READY if error is None else FAILED,
                finished_at=now,
                content=content,
                error=error,
            )
        )
        return bool(done.rowcount)

    def purge(self, before: datetime) -> int:
        """Delete the exports asked for before ``before``, built or not."""
        return int(self.conn.execute(delete(table).where(table.c.requested_at < before)).rowcount)
