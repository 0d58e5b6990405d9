"""Persistence of the review service: proposals under review, outbox and inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.types import JSON

from services.review.domain import ReceivedProposal
from shared.inbox import inbox_table
from shared.outbox import outbox_table

metadata = MetaData()

proposals = Table(
    "review_proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("agency_id", String(36), nullable=False),
    Column("agency_code", String(50), nullable=False),
    Column("agency_name", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(30), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("correlation_id", String(64), nullable=True),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def save_received(conn: Connection, proposal: ReceivedProposal, correlation_id: str) -> None:
    conn.execute(
        proposals.insert().values(
            id=proposal.id,
            version=proposal.version,
            agency_id=proposal.agency_id,
            agency_code=proposal.agency_code,
            agency_name=proposal.agency_name,
            title=proposal.title,
            status=proposal.status,
            profile=proposal.profile,
            submitted_at=proposal.submitted_at,
            received_at=datetime.now(UTC),
            correlation_id=correlation_id,
        )
    )


def get_proposal(engine: Engine, proposal_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(proposals).where(proposals.c.id == proposal_id)).first()
    return dict(row._mapping) if row else None
