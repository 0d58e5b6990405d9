"""The notification service's tables (its own database; it reads no other service's)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.events.inbox import inbox_table
from shared.events.outbox import outbox_table

metadata = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")

# One row per (event id, channel, recipient): the unique key is what makes a
# redelivered event send nothing again.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("correlation_id", String(64), nullable=True),
    Column("proposal_id", String(36), nullable=False, index=True),
    Column("channel", String(10), nullable=False),
    Column("recipient", String(254), nullable=False, index=True),
    Column("recipient_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("template", String(100), nullable=False),
    Column("language", String(5), nullable=False),
    Column("essential", Boolean, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("unsubscribe_url", Text, nullable=True),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    # Written anew by every claim; a sender's later changes ask for its own (the fence).
    Column("claim_token", String(36), nullable=True),
    # Set just before the server could accept the message: never resend after it.
    Column("handed_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("provider_id", String(200), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("digest_id", String(36), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # WhatsApp: the approved template's parameters (body_text is the text they make).
    Column("template_parameters", JSON, nullable=True),
    # WhatsApp: the SMS to send instead when the number cannot get WhatsApp messages.
    Column("fallback_text", Text, nullable=True),
    # Instant messages: a digest of the text, the same for WhatsApp and its SMS (dedupe).
    Column("text_key", String(64), nullable=True),
    # Why the policy did what it did (skipped as a repeat, held over the cap, a fallback).
    Column("note", Text, nullable=True),
    # An SMS sent because this WhatsApp delivery failed for good.
    Column("fallback_of", String(36), nullable=True),
    # The recipient's data subject id, when the event named one (an objector, an innovator
    # of a sealed proposal): ``objector.erased`` names only the subject.
    Column("data_subject", String(36), nullable=True, index=True),
    UniqueConstraint("event_id", "channel", "recipient", name="uq_delivery_once"),
    Index("ix_deliveries_due", "channel", "status", "next_attempt_at"),
)

# Every try of a delivery, kept for the operator: the delivery row only holds the latest.
attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("error", Text, nullable=True),
    Column("provider_id", String(200), nullable=True),
)

# The projection of proposals from proposal.submitted / proposal.resubmitted:
# review events carry only the proposal id.
proposals = Table(
    "proposals",
    metadata,
    Column("proposal_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("agency_name", String(200), nullable=False),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(20), nullable=True),
    Column("innovators", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Whose webhooks hear about it (null for a proposal projected before webhooks).
    Column("agency_id", String(36), nullable=True, index=True),
)

# Agencies' webhook endpoints as webhook.endpoint_changed tells them (the newest revision
# wins); ``disabled_at`` is this service's own: set when deliveries kept failing for the
# retry period, cleared by the agency's next change of the endpoint.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", String(36), primary_key=True),
    Column("agency_id", String(36), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("state", String(10), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("previous_valid_until", DateTime(timezone=True), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The agencies' API keys as hashes (agency.api_key_changed): a portal reads its webhook
# deliveries with its agency's key.
agency_keys = Table(
    "agency_keys",
    metadata,
    Column("key_id", String(36), primary_key=True),
    Column("agency_id", String(36), nullable=False),
    Column("prefix", String(16), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Reviewers as review.assigned named them, so that review.submitted can be answered.
assignments = Table(
    "assignments",
    metadata,
    Column("assignment_id", String(64), primary_key=True),
    Column("proposal_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("language", String(5), nullable=True),
    # The reviewer's account id (review.assigned's reviewer.id): a scheduled presentation or
    # visit names its panel by id only.
    Column("reviewer_id", String(36), nullable=True, index=True),
)

# Review events that arrived before their proposal (the topics are not ordered
# with each other); replayed when the proposal arrives.
parked_events = Table(
    "parked_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("proposal_id", String(36), nullable=False, index=True),
    Column("event_type", String(100), nullable=False),
    Column("event", JSON, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False),
)

# What a recipient (an email address or an E.164 phone number) asked for.
preferences = Table(
    "preferences",
    metadata,
    Column("address", String(254), primary_key=True),
    Column("email", Boolean, nullable=False),
    Column("sms", Boolean, nullable=False),
    Column("language", String(5), nullable=True),
    Column("digest", Boolean, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("unsubscribed", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("instant", String(10), nullable=True),  # whatsapp or sms; None: not said
)

# Addresses that unsubscribed, as hashes only (domain.messages.suppression_key): an
# unsubscribe that outlives the erasure of the person (docs/PRIVACY.md: Consent) without
# keeping the address.
suppressions = Table(
    "suppressions",
    metadata,
    Column("address_hash", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per phone number that got an instant message: recording one locks its row,
# so that two events for one number recorded at once see each other's messages
# (the dedupe window and the daily cap are decided one at a time per number).
instant_locks = Table(
    "instant_locks",
    metadata,
    Column("recipient", String(254), primary_key=True),
    Column("touched_at", DateTime(timezone=True), nullable=False),
)

# The send rate limit of each channel, shared by every sender of every replica: a token
# bucket (tokens left, counted at `at`, seconds since the epoch). store/rates.py.
send_rates = Table(
    "send_rates",
    metadata,
    Column("channel", String(10), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", Float, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything is stored in UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
