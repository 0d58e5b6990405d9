"""Persistence of the submission service: agencies, API keys, proposals,
idempotency records, and its outbox and inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import JSON

from services.submission import domain
from shared.envelope import Event
from shared.events.catalog import PROPOSAL_SUBMITTED, PROPOSALS, spec_for
from shared.inbox import inbox_table
from shared.outbox import add_to_outbox, outbox_table

SOURCE = "/inagara/submission"
metadata = MetaData()

agencies = Table(
    "agencies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(20), nullable=True),
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
    Column("title", String(200), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Index("ix_proposals_agency_created", "agency_id", "created_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("agency_id", String(36), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


@dataclass(frozen=True)
class Caller:
    agency: domain.Agency
    role: str


def create_agency(
    conn: Connection,
    code: str,
    name: str,
    type: str,
    contact_email: str | None = None,
    contact_phone: str | None = None,
) -> domain.Agency:
    agency = domain.Agency(id=str(uuid.uuid4()), code=code, name=name)
    conn.execute(
        insert(agencies).values(
            id=agency.id,
            code=code,
            name=name,
            type=type,
            contact_email=contact_email,
            contact_phone=contact_phone,
            created_at=datetime.now(UTC),
        )
    )
    return agency


def find_agency_by_code(conn: Connection, code: str) -> domain.Agency | None:
    row = conn.execute(select(agencies).where(agencies.c.code == code)).first()
    return domain.Agency(row.id, row.code, row.name) if row else None


def add_api_key(conn: Connection, agency_id: str, role: str = "agency_admin") -> domain.NewApiKey:
    key = domain.mint_api_key()
    conn.execute(
        insert(api_keys).values(
            id=str(uuid.uuid4()),
            agency_id=agency_id,
            prefix=key.prefix,
            secret_hash=key.hash,
            role=role,
            created_at=datetime.now(UTC),
        )
    )
    return key


def authenticate(engine: Engine, secret: str) -> Caller | None:
    """The agency a presented API key belongs to, or None (unknown, wrong or revoked)."""
    prefix = domain.key_prefix(secret)
    if prefix is None:
        return None
    with engine.begin() as conn:
        row = conn.execute(
            select(api_keys, agencies.c.code, agencies.c.name)
            .join(agencies, agencies.c.id == api_keys.c.agency_id)
            .where(api_keys.c.prefix == prefix)
        ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, domain.hash_secret(secret)):
            return None
        now = datetime.now(UTC)
        # Record use at most once a minute so that reads do not all become writes.
        if row.last_used_at is None or _aware(row.last_used_at) < now - timedelta(minutes=1):
            conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(last_used_at=now))
        return Caller(domain.Agency(row.agency_id, row.code, row.name), row.role)


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    """What an earlier request with the same Idempotency-Key got."""

    status_code: int
    body: dict[str, Any]
    same_request: bool


def find_replay(conn: Connection, agency_id: str, key: str, fingerprint: str) -> Replay | None:
    row = conn.execute(
        select(idempotency_keys).where(
            idempotency_keys.c.agency_id == agency_id, idempotency_keys.c.key == key
        )
    ).first()
    if row is None:
        return None
    return Replay(row.status_code, row.body, row.request_hash == fingerprint)


def proposal_view(row: Any) -> dict[str, Any]:
    """The JSON body an agency sees for a proposal (the same on create, replay and read)."""
    return {
        "id": row.id,
        "status": row.status,
        "version": row.version,
        "agency_id": row.agency_id,
        "created_at": _aware(row.created_at).isoformat(),
        "updated_at": _aware(row.updated_at).isoformat(),
        "submitted_at": _aware(row.submitted_at).isoformat() if row.submitted_at else None,
        "profile": row.profile,
    }


def submission_event(submitted: domain.ProposalSubmitted) -> Event:
    spec = spec_for(PROPOSAL_SUBMITTED)
    data = spec.schema().dump(
        {
            "proposal_id": submitted.proposal_id,
            "version": submitted.version,
            "agency": {
                "id": submitted.agency.id,
                "code": submitted.agency.code,
                "name": submitted.agency.name,
            },
            "submitted_at": submitted.submitted_at,
            "profile": submitted.profile,
        }
    )
    return Event(
        type=spec.type,
        source=SOURCE,
        subject=submitted.proposal_id,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=submitted.proposal_id,
    )


def submit_proposal(
    engine: Engine,
    caller: Caller,
    profile: dict[str, Any],
    stored_profile: dict[str, Any],
    idempotency_key: str | None,
    fingerprint: str,
) -> Replay:
    """Store a submitted proposal and its ``proposal.submitted`` event in one transaction.

    With an ``idempotency_key`` seen before, returns the earlier answer instead
    (``same_request`` False when the body differs). Blocks on the database.
    """
    try:
        with engine.begin() as conn:
            if idempotency_key:
                replay = find_replay(conn, caller.agency.id, idempotency_key, fingerprint)
                if replay:
                    return replay
            now = datetime.now(UTC)
            proposal = domain.submit_proposal(caller.agency, profile, now, domain.new_proposal_id())
            conn.execute(
                insert(proposals).values(
                    id=proposal.id,
                    agency_id=proposal.agency_id,
                    status=proposal.status,
                    version=proposal.version,
                    title=profile["title"],
                    profile=stored_profile,
                    created_at=now,
                    updated_at=now,
                    submitted_at=proposal.submitted_at,
                )
            )
            for change in proposal.events:
                add_to_outbox(conn, outbox, PROPOSALS, submission_event(change))
            row = conn.execute(select(proposals).where(proposals.c.id == proposal.id)).one()
            body = proposal_view(row)
            if idempotency_key:
                conn.execute(
                    insert(idempotency_keys).values(
                        agency_id=caller.agency.id,
                        key=idempotency_key,
                        request_hash=fingerprint,
                        status_code=201,
                        body=body,
                        created_at=now,
                    )
                )
            return Replay(201, body, True)
    except IntegrityError:
        if not idempotency_key:
            raise
        # A concurrent request with the same key won the race: answer as it did.
        with engine.connect() as conn:
            replay = find_replay(conn, caller.agency.id, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay


def get_proposal(engine: Engine, proposal_id: str, agency_id: str) -> dict[str, Any] | None:
    """The proposal if it belongs to ``agency_id``; None otherwise (never leak existence)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(proposals).where(
                proposals.c.id == proposal_id, proposals.c.agency_id == agency_id
            )
        ).first()
    return proposal_view(row) if row else None
