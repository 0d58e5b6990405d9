"""Agencies and their API keys: registration, key lifecycle, authentication."""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

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
        type=row.type,
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
    return domain.Agency(
        agency_id, code, name, contact_email, contact_phone, allow_drafter_submit, type
    )


def find_agency_by_code(conn: Connection, code: str) -> domain.Agency | None:
    row = conn.execute(select(agencies).where(agencies.c.code == code)).first()
    return _agency(row) if row else None


def add_api_key(
    conn: Connection, agency_id: str, role: str = domain.AGENCY_ADMIN, label: str | None = None
) -> domain.NewApiKey:
    return issue_api_key(conn, agency_id, role, label)[0]


def issue_api_key(
    conn: Connection, agency_id: str, role: str, label: str | None
) -> tuple[domain.NewApiKey, Any]:
    """A new key for the agency: the minted secret and the stored row."""
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
    return key, conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()


def revoke_api_key(conn: Connection, agency_id: str, key_id: str) -> bool:
    """Revoke the key. False if unknown.

    Callers that remember authentications (``RecentKeys``) must forget them after
    the commit; other processes stop accepting the key within their ``ttl_s``.
    """
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


_KEY_LOOKUP = (
    select(
        api_keys,
        agencies.c.code,
        agencies.c.name,
        agencies.c.contact_email,
        agencies.c.contact_phone,
        agencies.c.allow_drafter_submit,
        agencies.c.type,
    )
    .join(agencies, agencies.c.id == api_keys.c.agency_id)
    .where(api_keys.c.prefix == bindparam("prefix"))
)
_RECORD_USE = update(api_keys).where(api_keys.c.id == bindparam("key_id"))


def authenticate(conn: Connection, secret: str) -> Caller | None:
    """The agency a presented API key belongs to, or None (unknown, wrong or revoked).

    Records the key's use, at most once a minute so that reads do not all become writes.
    """
    prefix = domain.key_prefix(secret)
    if prefix is None:
        return None
    row = conn.execute(_KEY_LOOKUP, {"prefix": prefix}).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, domain.hash_secret(secret)):
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or aware(row.last_used_at) < now - timedelta(minutes=1):
        conn.execute(_RECORD_USE, {"key_id": row.id, "last_used_at": now})
    agency = domain.Agency(
        row.agency_id,
        row.code,
        row.name,
        row.contact_email,
        row.contact_phone,
        bool(row.allow_drafter_submit),
        row.type,
    )
    return Caller(agency, row.role, row.id)


class Registry:
    """Agencies and their keys, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create_agency(self, **fields: Any) -> domain.Agency:
        return create_agency(self._conn, **fields)

    def find_agency_by_code(self, code: str) -> domain.Agency | None:
        return find_agency_by_code(self._conn, code)

    def agency(self, agency_id: str) -> Any:
        """The agency's row, or None."""
        return self._conn.execute(select(agencies).where(agencies.c.id == agency_id)).first()

    def agencies(self) -> list[Any]:
        """Every agency's row, by code."""
        return list(self._conn.execute(select(agencies).order_by(agencies.c.code)).all())

    def update_agency(self, agency_id: str, changes: dict[str, Any]) -> None:
        if changes:
            self._conn.execute(update(agencies).where(agencies.c.id == agency_id).values(**changes))

    def issue_api_key(
        self, agency_id: str, role: str, label: str | None
    ) -> tuple[domain.NewApiKey, Any]:
        return issue_api_key(self._conn, agency_id, role, label)

    def api_keys(self, agency_id: str) -> list[Any]:
        """The agency's keys' rows, oldest first."""
        return list(
            self._conn.execute(
                select(api_keys)
                .where(api_keys.c.agency_id == agency_id)
                .order_by(api_keys.c.created_at, api_keys.c.id)
            ).all()
        )

    def revoke_api_key(self, agency_id: str, key_id: str) -> bool:
        return revoke_api_key(self._conn, agency_id, key_id)

    def authenticate(self, secret: str) -> Caller | None:
        return authenticate(self._conn, secret)


class RecentKeys:
    """The callers of keys authenticated in the last ``ttl_s`` seconds, by key hash.

    A portal sends the same key with every request; remembering the answer for a
    moment spares each of them a database round trip. The price is staleness,
    bounded by ``ttl_s``: a key revoked (or an agency changed) by another process
    is still accepted (or seen as it was) here for at most that long. Changes made
    through this process call ``forget`` and take effect at once. Only successful
    lookups are remembered: an unknown, wrong or revoked key always reads the row.
    Safe to share between threads (single dict operations under the GIL).
    """

    def __init__(
        self,
        ttl_s: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._callers: dict[str, tuple[float, Caller]] = {}

    def authenticate(self, lookup: Callable[[str], Caller | None], secret: str) -> Caller | None:
        """``lookup(secret)``, answered from memory while the last answer is young enough."""
        if self.ttl_s <= 0:
            return lookup(secret)
        digest = domain.hash_secret(secret)
        now = self._clock()
        found = self._callers.get(digest)
        if found is not None and now < found[0]:
            return found[1]
        caller = lookup(secret)
        if caller is None:
            self._callers.pop(digest, None)
            return None
        if len(self._callers) >= self.max_entries:
            self._callers.clear()  # many keys at once is rare: start afresh rather than sort
        self._callers[digest] = (now + self.ttl_s, caller)
        return caller

    def forget(self) -> None:
        """Drop every remembered answer (a key was revoked or an agency changed)."""
        self._callers.clear()
