"""Objections to shortlisted innovations (``review_objections``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import objections as table
from services.review.store.tables import person_erasures

# What a list shows: everything but the file's bytes and the objector's key.
_LISTED = [c for c in table.c if c.name not in ("file_content", "subject_key")]


class ObjectionStore:
    """The ``objections`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: dict[str, Any]) -> None:
        self.conn.execute(table.insert().values(**values))

    def get(self, objection_id: str) -> dict[str, Any] | None:
        """One objection with its key (not its file's bytes)."""
        columns = [*_LISTED, table.c.subject_key]
        return as_dict(
            self.conn.execute(select(*columns).where(table.c.id == objection_id)).first()
        )

    def file(self, objection_id: str) -> dict[str, Any] | None:
        query = select(table.c.file_name, table.c.file_type, table.c.file_content).where(
            table.c.id == objection_id
        )
        return as_dict(self.conn.execute(query).first())

    def listing(
        self,
        *,
        cycle_id: str | None = None,
        proposal_id: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        query = select(*_LISTED).order_by(table.c.filed_at, table.c.id)
        if cycle_id is not None:
            query = query.where(table.c.cycle_id == cycle_id)
        if proposal_id is not None:
            query = query.where(table.c.proposal_id == proposal_id)
        if status is not None:
            query = query.where(table.c.status == status)
        return as_dicts(self.conn.execute(query))

    def filed_since(self, client: str, since: datetime) -> int:
        """How many objections this client (its address's hash) filed since ``since``."""
        query = select(func.count()).where(table.c.client == client, table.c.filed_at >= since)
        return int(self.conn.execute(query).scalar_one())

    def change(self, objection_id: str, **values: Any) -> None:
        self.conn.execute(update(table).where(table.c.id == objection_id).values(**values))

    def forget(self, objection_id: str, **values: Any) -> bool:
        """Erase the objector of an objection not erased yet (its key is there); False
        when it was (a concurrent update waits for the other and then finds no key)."""
        query = (
            update(table)
            .where(table.c.id == objection_id, table.c.subject_key.is_not(None))
            .values(**values)
        )
        return self.conn.execute(query).rowcount == 1

    def by_email(self, email: str) -> list[dict[str, Any]]:
        """An objector's objections (an export or an erasure finds them by email)."""
        query = select(*_LISTED).where(func.lower(table.c.email) == email.strip().lower())
        return as_dicts(self.conn.execute(query))

    def by_subject(self, subject_id: str) -> dict[str, Any] | None:
        query = select(table.c.id, table.c.subject_key).where(table.c.subject_id == subject_id)
        return as_dict(self.conn.execute(query).first())

    def with_objector(self, proposal_id: str) -> list[dict[str, Any]]:
        """The proposal's objections whose objector was not erased yet (retention)."""
        query = select(*_LISTED).where(
            table.c.proposal_id == proposal_id, table.c.subject_key.is_not(None)
        )
        return as_dicts(self.conn.execute(query))

    def unmatched(self) -> list[dict[str, Any]]:
        """Objections of objectors not erased whose match hashes are not computed yet
        (filed before the hashes, or while SUBJECT_MATCH_KEY was empty)."""
        query = select(table.c.id, table.c.email, table.c.phone).where(
            table.c.subject_key.is_not(None), table.c.match_email.is_(None)
        )
        return as_dicts(self.conn.execute(query))

    def matching(self, email: str | None, phone: str | None) -> list[dict[str, Any]]:
        """The objections, with their key, of objectors not erased whose keyed hashes are
        these (a person-wide request of the submission service)."""
        conditions = [
            c == v for c, v in ((table.c.match_email, email), (table.c.match_phone, phone)) if v
        ]
        if not conditions:
            return []
        query = (
            select(*_LISTED, table.c.subject_key)
            .where(table.c.subject_key.is_not(None))
            .where(conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1])
            .order_by(table.c.filed_at, table.c.id)
        )
        return as_dicts(self.conn.execute(query))

    def erasures_due(self, now: datetime) -> list[dict[str, Any]]:
        """Objections of objectors not erased whose announced erasure is due."""
        query = select(*_LISTED).where(
            table.c.subject_key.is_not(None),
            table.c.erase_after.is_not(None),
            table.c.erase_after <= now,
        )
        return as_dicts(self.conn.execute(query))

    # A person-wide erasure announced first (``review_person_erasures``): kept until due.

    def pend_person_erasure(self, values: dict[str, Any]) -> None:
        self.conn.execute(person_erasures.insert().values(**values))

    def person_erasures_due(self, now: datetime) -> list[dict[str, Any]]:
        query = (
            select(person_erasures)
            .where(person_erasures.c.erase_after <= now)
            .order_by(person_erasures.c.erase_after, person_erasures.c.request_id)
        )
        return as_dicts(self.conn.execute(query))

    def finish_person_erasure(self, request_id: str) -> bool:
        """Take the request off the list; False when another worker did already (the
        delete waits for theirs to commit), so each request is carried out once."""
        query = delete(person_erasures).where(person_erasures.c.request_id == request_id)
        return self.conn.execute(query).rowcount == 1
