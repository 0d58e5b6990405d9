"""Proposals, their versions and their timeline: the tables' queries, each run on the
caller's connection (the use case's unit of work holds the transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, or_, select, update

from services.submission.store.tables import (
    evidence,
    proposal_versions,
    proposals,
    reviewer_slots,
    timeline,
)

# Statements built once: building one per call (``insert(t).values(...)``) costs more
# CPU than running it, in coercing every value and working out the cache key.
_INSERT_PROPOSAL = insert(proposals)
_INSERT_VERSION = insert(proposal_versions)


def find(conn: Connection, proposal_id: str, agency_id: str) -> Any | None:
    """The agency's proposal row, or None (another agency's is as absent as an unknown one)."""
    return conn.execute(
        select(proposals).where(proposals.c.id == proposal_id, proposals.c.agency_id == agency_id)
    ).first()


def get(conn: Connection, proposal_id: str) -> Any:
    return conn.execute(select(proposals).where(proposals.c.id == proposal_id)).one()


def insert_proposal(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(_INSERT_PROPOSAL, row)


def insert_version(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_INSERT_VERSION, values)


def update_if_unchanged(
    conn: Connection, proposal_id: str, status: str, version: int, values: dict[str, Any]
) -> bool:
    """Write ``values`` if the row is still at ``status`` and ``version`` (optimistic:
    a concurrent change of the same proposal makes this match nothing); True if written."""
    result = conn.execute(
        update(proposals)
        .where(
            proposals.c.id == proposal_id,
            proposals.c.status == status,
            proposals.c.version == version,
        )
        .values(**values)
    )
    return result.rowcount == 1


def freeze_version(
    conn: Connection,
    proposal_id: str,
    version: int,
    submitted_at: datetime,
    files: list[dict[str, Any]],
    cycle_id: str | None,
) -> None:
    """Mark a version submitted, with the evidence it was submitted with."""
    conn.execute(
        update(proposal_versions)
        .where(
            proposal_versions.c.proposal_id == proposal_id,
            proposal_versions.c.version == version,
        )
        .values(submitted_at=submitted_at, evidence=files, cycle_id=cycle_id)
    )


def evidence_refs(conn: Connection, proposal_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(evidence)
        .where(evidence.c.proposal_id == proposal_id)
        .order_by(evidence.c.created_at, evidence.c.id)
    ).all()
    return [
        {
            "id": r.id,
            "filename": r.filename,
            "content_type": r.content_type,
            "size": r.size,
            "sha256": r.sha256,
        }
        for r in rows
    ]


def search(
    conn: Connection,
    agency_id: str,
    equal: Sequence[tuple[str, str | None]],
    title_contains: str | None,
    before: tuple[datetime, str] | None,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` of the agency's proposals, newest first by (created_at, id):
    ``equal`` columns matching, the title containing a text, after a cursor's row."""
    query: Select[Any] = select(proposals).where(proposals.c.agency_id == agency_id)
    for column, value in equal:
        if value is not None:
            query = query.where(proposals.c[column] == value)
    if title_contains:
        query = query.where(
            func.lower(proposals.c.title).contains(title_contains.lower(), autoescape=True)
        )
    if before:
        created_at, last_id = before
        query = query.where(
            or_(
                proposals.c.created_at < created_at,
                and_(proposals.c.created_at == created_at, proposals.c.id < last_id),
            )
        )
    query = query.order_by(proposals.c.created_at.desc(), proposals.c.id.desc())
    return list(conn.execute(query.limit(limit)).all())


def versions(conn: Connection, proposal_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(proposal_versions)
            .where(proposal_versions.c.proposal_id == proposal_id)
            .order_by(proposal_versions.c.version)
        ).all()
    )


def version(conn: Connection, proposal_id: str, number: int) -> Any | None:
    return conn.execute(
        select(proposal_versions).where(
            proposal_versions.c.proposal_id == proposal_id,
            proposal_versions.c.version == number,
        )
    ).first()


def timeline_entries(conn: Connection, proposal_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(timeline)
            .where(timeline.c.proposal_id == proposal_id)
            .order_by(timeline.c.at, timeline.c.id)
        ).all()
    )


def reviewers_per_round(conn: Connection, proposal_id: str) -> dict[str, int]:
    """How many reviewers each review round of the proposal had (numbered slots)."""
    return dict(
        conn.execute(
            select(reviewer_slots.c.round, func.count(reviewer_slots.c.number.distinct()))
            .where(reviewer_slots.c.proposal_id == proposal_id)
            .group_by(reviewer_slots.c.round)
        ).all()
    )
