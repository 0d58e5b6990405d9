"""Evidence files of a proposal: their metadata rows (the bytes are in a ``BlobStore``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from services.submission.store.tables import evidence, proposals


class EvidenceStore:
    """The evidence table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def owner(self, proposal_id: str, agency_id: str, lock: bool = False) -> Any:
        """The proposal's id and status if it is the agency's, else None.

        ``lock`` takes the proposal's row lock, which serialises uploads to one
        proposal so that its total limit holds (PostgreSQL).
        """
        query = select(proposals.c.id, proposals.c.status).where(
            proposals.c.id == proposal_id, proposals.c.agency_id == agency_id
        )
        return self._conn.execute(query.with_for_update() if lock else query).first()

    def total_size(self, proposal_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.coalesce(func.sum(evidence.c.size), 0)).where(
                    evidence.c.proposal_id == proposal_id
                )
            ).scalar_one()
        )

    def add(self, row: dict[str, Any]) -> Any:
        """Insert a file's row; the row as stored."""
        self._conn.execute(insert(evidence).values(**row))
        return self._conn.execute(select(evidence).where(evidence.c.id == row["id"])).one()

    def get(self, proposal_id: str, evidence_id: str) -> Any:
        return self._conn.execute(
            select(evidence).where(
                evidence.c.id == evidence_id, evidence.c.proposal_id == proposal_id
            )
        ).first()

    def all(self, proposal_id: str) -> list[Any]:
        return list(
            self._conn.execute(
                select(evidence)
                .where(evidence.c.proposal_id == proposal_id)
                .order_by(evidence.c.created_at, evidence.c.id)
            ).all()
        )

    def refs(self, proposal_id: str) -> list[dict[str, Any]]:
        """The files as a submission event and a frozen version name them."""
        return [
            {
                "id": r.id,
                "filename": r.filename,
                "content_type": r.content_type,
                "size": r.size,
                "sha256": r.sha256,
            }
            for r in self.all(proposal_id)
        ]

    def remove(self, evidence_id: str) -> None:
        self._conn.execute(delete(evidence).where(evidence.c.id == evidence_id))
