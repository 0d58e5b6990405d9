"""Agencies and their API keys: registration, key lifecycle, authentication."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from services.submission import domain
from services.submission.store.tables import agencies, api_keys
from shared.events.proposal import normalise_phone


@dataclass(frozen=True)
class Caller:
    """Who presented an agency API key."""

    agency: domain.Agency
    role: str
    key_id: str = ""


def aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def _agency(row: Any) -> domain.Agency:
    return domain.Agency(
        id=row.id,
        code=row.code,
        name=row.name,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        allow_drafter_submit=bool(row.allow_drafter_submit),
    )


def create_agency(
    conn: Connection,
    code: str,
    name: str,
    type: str,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    parent_id: str | None = None,
    allow_drafter_submit: bool = False,
) -> domain.Agency:
    agency_id = str(uuid.uuid4())
    # The CLI and the local stack call this directly: keep the phone in E.164 for them too.
    contact_phone = normalise_phone(contact_phone) if contact_phone else None
    conn.execute(
        insert(agencies).values(
            id=agency_id,
            code=code,
            name=name,
            type=type,
            parent_id=parent_id,
            contact_email=contact_email,
            contact_phone=contact_phone,
            allow_drafter_submit=allow_drafter_submit,
            created_at=datetime.now(UTC),
        )
    )
    return domain.Agency(agency_id, code, name, contact_email, contact_phone, allow_drafter_submit)


def find_agency_by_code(conn: Connection, code: str) -> domain.Agency | None:
    row = conn.execute(select(agencies).where(agencies.c.code == code)).first()
    return _agency(row) if row else None


def agency_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "type": row.type,
        "parent_id": row.parent_id,
        "contact_email": row.contact_email,
        "contact_phone": row.contact_phone,
        "allow_drafter_submit": bool(row.allow_drafter_submit),
        "created_at": iso(row.created_at),
    }


def get_agency(conn: Connection, agency_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(agencies).where(agencies.c.id == agency_id)).first()
    return agency_view(row) if row else None


def list_agencies(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(agencies).order_by(agencies.c.code)).all()
    return [agency_view(row) for row in rows]


def update_agency(conn: Connection, agency_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    if changes:
        conn.execute(update(agencies).where(agencies.c.id == agency_id).values(**changes))
    view = get_agency(conn, agency_id)
    assert view is not None
    return view


def add_api_key(
    conn: Connection, agency_id: str, role: str = domain.AGENCY_ADMIN, label: str | None = None
) -> domain.NewApiKey:
    return issue_api_key(conn, agency_id, role, label)[0]


def key_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "prefix": row.prefix,
        "role": row.role,
        "label": row.label,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "revoked_at": iso(row.revoked_at),
    }


def issue_api_key(
    conn: Connection, agency_id: str, role: str, label: str | None
) -> tuple[domain.NewApiKey, dict[str, Any]]:
    """A new key for the agency: the minted secret and the stored record's view."""
    key = domain.mint_api_key()
    key_id = str(uuid.uuid4())
    conn.execute(
        insert(api_keys).values(
            id=key_id,
            agency_id=agency_id,
            prefix=key.prefix,
            secret_hash=key.hash,
            role=role,
            label=label,
            created_at=datetime.now(UTC),
        )
    )
    row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
    return key, key_view(row)


def list_api_keys(conn: Connection, agency_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(api_keys)
        .where(api_keys.c.agency_id == agency_id)
        .order_by(api_keys.c.created_at, api_keys.c.id)
    ).all()
    return [key_view(row) for row in rows]


def revoke_api_key(conn: Connection, agency_id: str, key_id: str) -> bool:
    """Revoke the key (at once: authentication reads the row every time). False if unknown."""
    row = conn.execute(
        select(api_keys.c.revoked_at).where(
            api_keys.c.id == key_id, api_keys.c.agency_id == agency_id
        )
    ).first()
    if row is None:
        return False
    if row.revoked_at is None:
        conn.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=datetime.now(UTC))
        )
    return True


def authenticate(engine: Engine, secret: str) -> Caller | None:
    """The agency a presented API key belongs to, or None (unknown, wrong or revoked)."""
    prefix = domain.key_prefix(secret)
    if prefix is None:
        return None
    with engine.begin() as conn:
        row = conn.execute(
            select(
                api_keys,
                agencies.c.code,
                agencies.c.name,
                agencies.c.contact_email,
                agencies.c.contact_phone,
                agencies.c.allow_drafter_submit,
            )
            .join(agencies, agencies.c.id == api_keys.c.agency_id)
            .where(api_keys.c.prefix == prefix)
        ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, domain.hash_secret(secret)):
            return None
        now = datetime.now(UTC)
        # Record use at most once a minute so that reads do not all become writes.
        if row.last_used_at is None or aware(row.last_used_at) < now - timedelta(minutes=1):
            conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(last_used_at=now))
        agency = domain.Agency(
            row.agency_id,
            row.code,
            row.name,
            row.contact_email,
            row.contact_phone,
            bool(row.allow_drafter_submit),
        )
        return Caller(agency, row.role, row.id)
