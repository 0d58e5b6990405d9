"""Data subjects and their keys (crypto-shredding, docs/PRIVACY.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.submission.store.tables import subjects
from shared.events import sealing


@dataclass(frozen=True)
class Subject:
    id: str
    key: bytes


class SubjectStore:
    """The subjects table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def key_of(self, email: str, phone: str | None, now: datetime) -> Subject:
        """The subject with this (normalised) email, created with a new key when first seen."""
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        self._conn.execute(
            dialect(subjects)
            .values(
                id=str(uuid.uuid4()),
                email=email,
                phone=phone,
                key=sealing.new_key(),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["email"])
        )
        row = self._conn.execute(
            select(subjects.c.id, subjects.c.key).where(subjects.c.email == email)
        ).one()
        return Subject(row.id, bytes(row.key))

    def key(self, subject_id: str) -> tuple[bool, bytes | None]:
        """(known, key): key None for an erased subject."""
        row = self._conn.execute(
            select(subjects.c.key).where(subjects.c.id == subject_id)
        ).one_or_none()
        if row is None:
            return False, None
        return True, None if row.key is None else bytes(row.key)

    def find(self, email: str | None, phone: str | None) -> list[str]:
        """The ids of the live subjects with this email or phone."""
        conditions = [
            c == v for c, v in ((subjects.c.email, email), (subjects.c.phone, phone)) if v
        ]
        if not conditions:
            return []
        query = select(subjects.c.id).where(subjects.c.erased_at.is_(None))
        found: set[str] = set()
        for condition in conditions:
            found.update(self._conn.execute(query.where(condition)).scalars())
        return sorted(found)

    def shred(self, subject_id: str, now: datetime) -> None:
        """Forget who the subject was and their key: every sealed copy becomes unreadable."""
        self._conn.execute(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(email=None, phone=None, key=None, erased_at=now)
        )
