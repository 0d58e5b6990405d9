"""Proposals and their versions: the rows an agency's proposal is kept in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from services.submission.store.tables import proposal_versions, proposals

# Statements built once: building one per call (``insert(t).values(...)``) costs more
# CPU than running it, in coercing every value and working out the cache key.
_INSERT_PROPOSAL = insert(proposals)
_INSERT_VERSION = insert(proposal_versions)


class ProposalStore:
    """The proposals table, on one connection. Reads by agency are scoped to it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, proposal_id: str, agency_id: str) -> Any:
        """The agency's proposal row, or None (another agency's is as absent)."""
        return self._conn.execute(
            select(proposals).where(
                proposals.c.id == proposal_id, proposals.c.agency_id == agency_id
            )
        ).first()

    def standing(self, proposal_id: str) -> Any:
        """Any agency's proposal's id, status and submitted version, or None (what a
        fact from the review service is projected onto)."""
        return self._conn.execute(
            select(proposals.c.id, proposals.c.status, proposals.c.submitted_version).where(
                proposals.c.id == proposal_id
            )
        ).first()

    def add(self, row: dict[str, Any]) -> None:
        self._conn.execute(_INSERT_PROPOSAL, row)

    def change(self, proposal_id: str, status: str, version: int, values: dict[str, Any]) -> bool:
        """Write ``values`` if the proposal is still at ``status`` and ``version``.

        False when a concurrent change got there first (the update matched nothing).
        """
        result = self._conn.execute(
            update(proposals)
            .where(
                proposals.c.id == proposal_id,
                proposals.c.status == status,
                proposals.c.version == version,
            )
            .values(**values)
        )
        return result.rowcount == 1

    def project(self, proposal_id: str, status: str, values: dict[str, Any]) -> None:
        """Write ``values`` if the proposal is still at ``status`` (a review fact's projection)."""
        self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal_id, proposals.c.status == status)
            .values(**values)
        )

    def search(
        self,
        agency_id: str,
        filters: dict[str, str | None],
        title_contains: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Any]:
        """Up to ``limit`` of the agency's rows, newest first by (created_at, id),
        older than ``after`` when given. ``filters`` are column equalities."""
        query = select(proposals).where(proposals.c.agency_id == agency_id)
        for name, value in filters.items():
            if value is not None:
                query = query.where(proposals.c[name] == value)
        if title_contains:
            query = query.where(
                func.lower(proposals.c.title).contains(title_contains.lower(), autoescape=True)
            )
        if after is not None:
            created_at, last_id = after
            query = query.where(
                or_(
                    proposals.c.created_at < created_at,
                    and_(proposals.c.created_at == created_at, proposals.c.id < last_id),
                )
            )
        query = query.order_by(proposals.c.created_at.desc(), proposals.c.id.desc())
        return list(self._conn.execute(query.limit(limit)).all())


class VersionStore:
    """Every saved version of a proposal's profile, and the evidence frozen on submission."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, row: dict[str, Any]) -> None:
        self._conn.execute(_INSERT_VERSION, row)

    def freeze(
        self,
        proposal_id: str,
        version: int,
        submitted_at: datetime,
        evidence: list[dict[str, Any]],
        cycle_id: str | None,
    ) -> None:
        """Mark the version submitted, with the evidence files it was submitted with."""
        self._conn.execute(
            update(proposal_versions)
            .where(
                proposal_versions.c.proposal_id == proposal_id,
                proposal_versions.c.version == version,
            )
            .values(submitted_at=submitted_at, evidence=evidence, cycle_id=cycle_id)
        )

    def all(self, proposal_id: str) -> list[Any]:
        return list(
            self._conn.execute(
                select(proposal_versions)
                .where(proposal_versions.c.proposal_id == proposal_id)
                .order_by(proposal_versions.c.version)
            ).all()
        )

    def get(self, proposal_id: str, version: int) -> Any:
        return self._conn.execute(
            select(proposal_versions).where(
                proposal_versions.c.proposal_id == proposal_id,
                proposal_versions.c.version == version,
            )
        ).first()
