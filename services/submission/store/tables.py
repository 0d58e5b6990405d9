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
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
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

# An agency's webhook endpoints (docs/PORTALS.md). No secret is stored: each is derived
# from WEBHOOK_SECRET_KEY, the endpoint id and ``generation`` (shared/platform/webhooks.py).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_id", String(36), ForeignKey("agencies.id"), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("description", String(500), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("state", String(10), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("previous_valid_until", DateTime(timezone=True), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The notification service disabled it (webhook.endpoint_disabled); the agency's
    # next change enables it again.
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("disabled_reason", String(300), nullable=True),
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
    # The status a withdrawal left: a reopen goes back to it (then cleared).
    Column("withdrawn_from", String(30), nullable=True),
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

# Evidence added after submission (issue 15, item 5): a dated file and note beside the
# submitted version, which stays as it was; never deleted, so reviewers see what came when.
addenda = Table(
    "addenda",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proposal_id", String(36), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("note", Text, nullable=False),
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
    # One agency, one innovation: the cycle's expected minimum and allowed maximum per agency.
    Column("min_per_agency", Integer, nullable=False, default=0),
    Column("max_per_agency", Integer, nullable=True),
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

# One row per data subject (an innovator, by normalised email): the key their personal
# fields in events are sealed with (docs/PRIVACY.md). Erasure empties email, phone and key
# and keeps the row, so that a consumer asking for an erased key is told "gone", not "unknown".
subjects = Table(
    "subjects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=True, unique=True),
    Column("phone", String(20), nullable=True),
    Column("key", LargeBinary(32), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)

# The record of every access and erasure request (UU 27/2022): who asked, what was done,
# which subjects; never who the person was (the subject ids link to nobody once erased).
privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("subject_ids", JSON, nullable=False),
    Column("profiles_changed", Integer, nullable=False, default=0),
    Column("at", DateTime(timezone=True), nullable=False),
)

# An access request (export) and the other services' answers to it, one per service and
# subject: ``sealed`` under the subject's key (unreadable once they are erased) or a
# ``part`` that names nobody.
subject_exports = Table(
    "subject_exports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subject_ids", JSON, nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
)

subject_export_parts = Table(
    "subject_export_parts",
    metadata,
    Column("export_id", String(36), primary_key=True),
    Column("source", String(20), primary_key=True),
    Column("subject_id", String(36), primary_key=True),
    Column("sealed", Text, nullable=True),
    Column("part", JSON, nullable=True),
    Column("unreadable", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Erasures announced to the person first (ERASURE_NOTICE_HOURS; docs/PRIVACY.md): the
# subject is erased at ``due_at``, once (``done_at``).
pending_erasures = Table(
    "pending_erasures",
    metadata,
    Column("subject_id", String(36), primary_key=True),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False, index=True),
    Column("done_at", DateTime(timezone=True), nullable=True),
)

# Periodic jobs that must run on one worker at a time (the retention job): a worker holds
# the job while ``until`` is ahead; another takes it only once it has run out.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
)

# Each proposal retention has applied to, once (docs/PRIVACY.md: Retention): ``outcome``
# erased (not awarded) or minimised (awarded: names kept, contacts dropped).
# The reminders sent to agencies still at zero before a cycle's window closes: one row per
# (cycle, agency), inserted with the reminder's event, so that it is sent once across workers.
participation_reminders = Table(
    "participation_reminders",
    metadata,
    Column("cycle_id", String(100), primary_key=True),
    Column("agency_id", String(36), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

retention_applied = Table(
    "retention_applied",
    metadata,
    Column("proposal_id", String(36), primary_key=True),
    Column("cycle_id", String(100), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
