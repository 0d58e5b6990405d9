"""Addenda: evidence added after submission, a file and a note each (bytes in a ``BlobStore``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from services.submission.store.tables import addenda


class AddendumStore:
    """The addenda table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, row: dict[str, Any]) -> None:
        self._conn.execute(insert(addenda).values(**row))

    def get(self, proposal_id: str, addendum_id: str) -> Any:
        return self._conn.execute(
            select(addenda).where(addenda.c.id == addendum_id, addenda.c.proposal_id == proposal_id)
        ).first()

    def all(self, proposal_id: str) -> list[Any]:
        """The proposal's addenda, oldest first."""
        return list(
            self._conn.execute(
                select(addenda)
                .where(addenda.c.proposal_id == proposal_id)
                .order_by(addenda.c.created_at, addenda.c.id)
            ).all()
        )
