"""Every table of the review service's own database."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import JSON

from shared.events.inbox import inbox_table
from shared.events.outbox import outbox_table
from shared.web.idempotency import idempotency_table

metadata = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")
_WHEN = DateTime(timezone=True)

proposals = Table(
    "review_proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("agency_id", String(36), nullable=False),
    Column("agency_code", String(50), nullable=False),
    Column("agency_name", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("category", String(50), nullable=False, default=""),
    Column("status", String(30), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("evidence", JSON, nullable=False, default=list),
    Column("cycle_id", String(36), nullable=True, index=True),
    Column("submitted_at", _WHEN, nullable=False),
    Column("received_at", _WHEN, nullable=False),
    Column("updated_at", _WHEN, nullable=True),
    Column("correlation_id", String(64), nullable=True),
    # The latest summary per round: {"desk": {mean, reviewer_totals, spread, disagreement}}.
    Column("scores", JSON, nullable=False, default=dict),
    Column("verification", String(10), nullable=True),
    Column("verification_note", Text, nullable=True),
    Column("award", String(200), nullable=True),
    Column("screening_reasons", JSON, nullable=False, default=list),
    # The cycle's award category the proposal falls into (domain.categories.place).
    Column("award_category", String(50), nullable=True),
    # The proposing agency's type as the submission service registered it (categories by proposer).
    Column("agency_type", String(20), nullable=True),
    # The stage a withdrawal left: ``proposal.reopened`` goes back to it.
    Column("withdrawn_from", String(30), nullable=True),
    # Evidence the agency added after submission: [{id, version, note, file, added_at}].
    Column("addenda", JSON, nullable=False, default=list),
)

cycles = Table(
    "review_cycles",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("submission_opens_at", _WHEN, nullable=False),
    Column("submission_closes_at", _WHEN, nullable=False),
    Column("review_deadline", _WHEN, nullable=False),
    Column("panel_deadline", _WHEN, nullable=False),
    Column("reviewers_per_proposal", Integer, nullable=False),
    Column("shortlist_size", Integer, nullable=False),
    Column("award_count", Integer, nullable=False),
    Column("disagreement_spread", Float, nullable=False),
    Column("panel", JSON, nullable=False, default=list),
    Column("status", String(20), nullable=False),
    Column("created_at", _WHEN, nullable=False),
    # Award categories: [{code, name, shortlist_size, award_count, match, decided_at}].
    Column("categories", JSON, nullable=False, default=list),
    # How a proposal falls into one: "profile" (the rules) or "agency" (its choice first).
    Column("category_by", String(10), nullable=False, default="profile"),
    # Whether the cycle has a field verification stage: then only a verified finalist wins.
    Column("field_verification", Boolean, nullable=False, default=False),
    # One agency, one innovation: expected at least (reported, reminded), allowed at most.
    Column("min_per_agency", Integer, nullable=False, default=0),
    Column("max_per_agency", Integer, nullable=True),
    # The public objection window (uji publik): the shortlist as published (proposal ids),
    # when it was (last) published and when objections close.
    Column("published_shortlist", JSON, nullable=True),
    Column("shortlist_published_at", _WHEN, nullable=True),
    Column("objections_close_at", _WHEN, nullable=True),
)

rubrics = Table(
    "review_rubrics",
    metadata,
    Column("cycle_id", String(36), ForeignKey("review_cycles.id"), primary_key=True),
    Column("round", String(10), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", _WHEN, nullable=False),
    Column("frozen_at", _WHEN, nullable=True),
)

users = Table(
    "review_users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("phone", String(20), nullable=True),
    Column("language", String(2), nullable=False, default="id"),
    Column("agency_code", String(50), nullable=False, default=""),
    Column("expertise", JSON, nullable=False, default=list),
    Column("max_load", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", _WHEN, nullable=False),
)

# API tokens and UI sessions (kind "api" or "ui"), by the SHA-256 of their secret: each
# lasts until expires_at, and deleting the row ends it at once (logout, password change,
# deactivation, "sign out everywhere" delete every row of the account).
tokens = Table(
    "review_api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("review_users.id"), nullable=False, index=True),
    Column("created_at", _WHEN, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("expires_at", _WHEN, nullable=False),
)

# Invitation and password-reset links, by the SHA-256 of their secret: single use (the row
# is deleted when the password is set) and each lasts until expires_at.
access_links = Table(
    "review_access_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("review_users.id"), nullable=False, index=True),
    Column("purpose", String(10), nullable=False),
    Column("created_at", _WHEN, nullable=False),
    Column("expires_at", _WHEN, nullable=False),
)

# The second factor (TOTP, RFC 6238) of an account: its shared secret (base32, as the
# authenticator app holds it), confirmed once a first code matched; last_step is the time
# step of the last code accepted, so a code is never accepted twice.
second_factors = Table(
    "review_second_factors",
    metadata,
    Column("user_id", String(36), ForeignKey("review_users.id"), primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("created_at", _WHEN, nullable=False),
    Column("confirmed_at", _WHEN, nullable=True),
    Column("last_step", BigInteger, nullable=True),
)

# Recovery codes of an account's second factor, by the SHA-256 of the code (80 random
# bits): shown once, each used once (used_at), all replaced by a new set.
recovery_codes = Table(
    "review_recovery_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("review_users.id"), nullable=False, index=True),
    Column("created_at", _WHEN, nullable=False),
    Column("used_at", _WHEN, nullable=True),
)

assignments = Table(
    "review_assignments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proposal_id", String(36), ForeignKey("review_proposals.id"), nullable=False),
    Column("proposal_version", Integer, nullable=False),
    Column("cycle_id", String(36), nullable=True),
    Column("round", String(10), nullable=False),
    Column("reviewer_id", String(36), ForeignKey("review_users.id"), nullable=False),
    # pending → submitted; released (conflict, reassigned, superseded, withdrawn) ends it.
    Column("status", String(20), nullable=False),
    Column("deadline", _WHEN, nullable=False),
    Column("assigned_at", _WHEN, nullable=False),
    Column("replaces_id", String(36), nullable=True),
    Column("released_reason", String(200), nullable=True),
    Column("reminded_at", _WHEN, nullable=True),
    Column("submitted_at", _WHEN, nullable=True),
    Column("scores", JSON, nullable=True),
    Column("comment", Text, nullable=True),
    Column("weighted_total", Float, nullable=True),
    Column("rubric_version", Integer, nullable=True),
)
# Assignment reads per proposal (who has or had it in a round) and per reviewer (open work)
# find their rows instead of scanning every assignment ever made.
Index("ix_review_assignments_proposal_round", assignments.c.proposal_id, assignments.c.round)
Index("ix_review_assignments_reviewer_status", assignments.c.reviewer_id, assignments.c.status)

# Every scoring a reviewer sent, never changed: the record the what-if report re-scores.
review_submissions = Table(
    "review_submissions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("assignment_id", String(36), ForeignKey("review_assignments.id"), nullable=False),
    Column("scores", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("weighted_total", Float, nullable=False),
    Column("rubric_version", Integer, nullable=False),
    Column("submitted_at", _WHEN, nullable=False),
)

# One row per reminder sent: the unique key makes a second reminder impossible.
reminders = Table(
    "review_reminders",
    metadata,
    # The primary key is what makes a reminder once per assignment.
    Column("assignment_id", String(36), primary_key=True),
    Column("sent_at", _WHEN, nullable=False),
)

audit_log = Table(
    "review_audit_log",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", _WHEN, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("entity", String(20), nullable=False),
    Column("entity_id", String(36), nullable=False, index=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
)

# Idempotency-Key on the creating POSTs (shared.web.idempotency): claimed first, and
# the answer written with what the POST created.
idempotency_keys = idempotency_table(metadata, "review_idempotency_keys")

# Failed logins per email address and per client address (keys hashed), in the database
# so that every web process counts the same failures; rows outside the window are pruned.
login_failures = Table(
    "review_login_failures",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("since", _WHEN, nullable=False, index=True),
)

# The secretariat's CSV exports built in the background (the review worker): asked for
# from the cycle page, built while the page refreshes itself, downloaded when ready,
# deleted REVIEW_EXPORT_TTL_HOURS after they were asked for.
exports = Table(
    "review_exports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cycle_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("requested_by", String(36), nullable=False),
    Column("requested_at", _WHEN, nullable=False, index=True),
    Column("finished_at", _WHEN, nullable=True),
    Column("filename", String(200), nullable=False),
    Column("content", Text, nullable=True),
    Column("error", Text, nullable=True),
)

# The register of agencies as the submission service announces it (agency.registered,
# agency.updated): reviewers' agency codes are checked against it, conflicts of interest
# follow its parents (a kelurahan's kecamatan), and participation lists every agency.
agencies = Table(
    "review_agencies",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("agency_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent_code", String(50), nullable=True),
    # The announcement's moment: an older one arriving late changes nothing.
    Column("changed_at", _WHEN, nullable=False),
)

# Conflicts of interest a reviewer declared: an agency (by code) or a proposal (by id),
# up front or by flagging an assignment. Assignment never gives them such a proposal.
conflicts = Table(
    "review_conflicts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reviewer_id", String(36), ForeignKey("review_users.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("target", String(50), nullable=False),
    Column("reason", String(200), nullable=False, default=""),
    Column("declared_at", _WHEN, nullable=False),
    UniqueConstraint("reviewer_id", "kind", "target", name="uq_review_conflicts_target"),
)

# A finalist's presentation and field visit (kind), one row each: rescheduling changes the
# row and counts its revision, cancelling marks it; reminded_revision is the revision whose
# day-before reminder was sent (claimed by one conditional UPDATE: once per revision).
appointments = Table(
    "review_appointments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("proposal_id", String(36), ForeignKey("review_proposals.id"), nullable=False),
    Column("cycle_id", String(36), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("starts_at", _WHEN, nullable=False, index=True),
    Column("duration_minutes", Integer, nullable=False),
    Column("place", Text, nullable=True),
    Column("online_url", Text, nullable=True),
    Column("address", Text, nullable=True),
    Column("team", JSON, nullable=False, default=list),
    Column("scheduled_by", String(36), nullable=False),
    Column("scheduled_at", _WHEN, nullable=False),
    Column("reminded_revision", Integer, nullable=True),
    UniqueConstraint("proposal_id", "kind", name="uq_review_appointments_kind"),
)


# Objections to a shortlisted innovation, filed by anyone while the shortlist is published.
# The objector is a data subject (docs/PRIVACY.md): ``subject_id`` and ``subject_key`` seal
# their name and email in the events; erasing them empties the personal columns and the key.
objections = Table(
    "review_objections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("cycle_id", String(36), nullable=False, index=True),
    Column("proposal_id", String(36), nullable=False, index=True),
    Column("subject_id", String(36), nullable=False, unique=True),
    Column("subject_key", LargeBinary, nullable=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, index=True),
    Column("phone", String(20), nullable=True),
    Column("language", String(2), nullable=False, default="id"),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False, index=True),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(36), nullable=True),
    Column("answered_at", _WHEN, nullable=True),
    Column("resolved_at", _WHEN, nullable=True),
    Column("filed_at", _WHEN, nullable=False),
    # A hash of the client's address (the rate limit counts by it), never the address.
    Column("client", String(64), nullable=False, index=True),
    Column("file_name", String(200), nullable=True),
    Column("file_type", String(50), nullable=True),
    Column("file_sha256", String(64), nullable=True),
    Column("file_content", LargeBinary, nullable=True),
    # Keyed hashes (SUBJECT_MATCH_KEY) of the normalised email and the E.164 phone, with
    # which a person-wide request of the submission service finds the objector; the time
    # an erasure announced to the person is due (docs/PRIVACY.md).
    Column("match_email", String(64), nullable=True, index=True),
    Column("match_phone", String(64), nullable=True, index=True),
    Column("erase_after", _WHEN, nullable=True),
)

# A person-wide erasure announced first (person.erasure_requested with ``erase_after`` ahead):
# kept until it is carried out, so that it takes every objection the person filed by then,
# also those filed during the notice period; deleted once done (docs/PRIVACY.md).
person_erasures = Table(
    "review_person_erasures",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("match_email", String(64), nullable=True),
    Column("match_phone", String(64), nullable=True),
    Column("requested_at", _WHEN, nullable=False),
    Column("erase_after", _WHEN, nullable=False, index=True),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
