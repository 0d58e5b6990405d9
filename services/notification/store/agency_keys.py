"""The agencies' API keys as hashes, on the connection of a transaction its caller opened."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.notification.store.tables import agency_keys

KEY_PREFIX = "inag"  # the submission service's key format: inag_<8 hex>_<secret>


def _prefix(secret: str) -> str | None:
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AgencyKeyStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, key: dict[str, Any], now: datetime) -> None:
        """Insert or update the key; a revocation stays (a late issue event cannot undo it)."""
        known = self._conn.execute(
            select(agency_keys.c.revoked_at).where(agency_keys.c.key_id == key["key_id"])
        ).first()
        values = {
            "agency_id": key["agency_id"],
            "prefix": key["prefix"],
            "secret_hash": key["secret_hash"],
            "role": key["role"],
            "revoked_at": key.get("revoked_at"),
            "updated_at": now,
        }
        if known is None:
            self._conn.execute(insert(agency_keys), {"key_id": key["key_id"], **values})
            return
        if known.revoked_at is not None:
            values["revoked_at"] = known.revoked_at
        self._conn.execute(
            update(agency_keys).where(agency_keys.c.key_id == key["key_id"]).values(values)
        )

    def holder(self, secret: str) -> tuple[str, str] | None:
        """(agency id, role) of a presented key that is known and not revoked, else None."""
        prefix = _prefix(secret)
        if prefix is None:
            return None
        digest = hashed(secret)
        rows = self._conn.execute(
            select(agency_keys).where(
                agency_keys.c.prefix == prefix, agency_keys.c.revoked_at.is_(None)
            )
        )
        for row in rows:
            if hmac.compare_digest(row.secret_hash, digest):
                return row.agency_id, row.role
        return None
