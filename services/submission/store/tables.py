"""The submission service's tables (its own database; no other service reads it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.types import JSON

from shared.events.inbox import inbox_table
from shared.events.outbox import outbox_table

metadata = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")

agencies = Table(
    "agencies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("parent_id", String(36), ForeignKey("agencies.id"), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(20), nullable=True),
    Column("allow_drafter_submit", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(36), ForeignKey("agencies.id"), nullable=False, index=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("label", String(100), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(36), ForeignKey("agencies.id"), nullable=False),
    Column("status", String(30), nullable=False),
    Column("version", Integer, nullable=False),
    Column("submitted_version", Integer, nullable=False, default=0),
    Column("title", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("maturity", String(30), nullable=False),
    Column("cycle_id", String(100), nullable=True, index=True),
    Column("profile", JSON, nullable=False),
    Column("revision_request", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Index("ix_proposals_agency_created", "agency_id", "created_at", "id"),
)

proposal_versions = Table(
    "proposal_versions",
    metadata,
    Column("proposal_id", String(36), ForeignKey("proposals.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("profile", JSON, nullable=False),
    Column("cycle_id", String(100), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    # The evidence files as they were when this version went to review.
    Column("evidence", JSON, nullable=True),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proposal_id", String(36), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("proposal_id", String(36), nullable=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("version", Integer, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("facts", JSON, nullable=False),
    Index("ix_timeline_proposal_at", "proposal_id", "at"),
)

reviewer_slots = Table(
    "reviewer_slots",
    metadata,
    Column("proposal_id", String(36), primary_key=True),
    Column("assignment_id", String(100), primary_key=True),
    Column("round", String(20), nullable=False),
    Column("number", Integer, nullable=False),
)

cycles = Table(
    "cycles",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("year", Integer, nullable=True),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    # The award categories announced with the cycle: [{code, name}], and how one is chosen.
    Column("categories", JSON, nullable=False, default=list),
    Column("category_by", String(10), nullable=False, default="profile"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("body", JSON, nullable=True),
    Column("headers", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
