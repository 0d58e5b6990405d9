"""The review service's copy of the agency register, and the conflicts reviewers declared."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from services.review.store.rows import as_dict, as_dicts, aware
from services.review.store.tables import agencies, conflicts


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class AgencyStore:
    """``review_agencies`` on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def keep(self, values: dict[str, Any]) -> bool:
        """Insert or update the agency unless what is stored is newer; whether it changed."""
        found = self.conn.execute(
            select(agencies.c.changed_at).where(agencies.c.code == values["code"])
        ).first()
        if found is None:
            statement = _insert(self.conn)(agencies).values(**values)
            done = self.conn.execute(statement.on_conflict_do_nothing(index_elements=["code"]))
            return bool(done.rowcount)
        stored = aware(found.changed_at)
        if stored is not None and stored > values["changed_at"]:
            return False
        self.conn.execute(
            update(agencies).where(agencies.c.code == values["code"]).values(**values)
        )
        return True

    def by_code(self, code: str) -> dict[str, Any] | None:
        query = select(agencies).where(func.lower(agencies.c.code) == code.strip().lower())
        return as_dict(self.conn.execute(query).first())

    def listing(self) -> list[dict[str, Any]]:
        return as_dicts(self.conn.execute(select(agencies).order_by(agencies.c.code)))

    def codes(self) -> list[str]:
        return list(self.conn.execute(select(agencies.c.code).order_by(agencies.c.code)).scalars())

    def parents(self) -> list[tuple[str, str | None]]:
        """(code, parent code) of every agency that has a parent: the organisation."""
        rows = self.conn.execute(
            select(agencies.c.code, agencies.c.parent_code).where(
                agencies.c.parent_code.is_not(None)
            )
        )
        return [(r.code, r.parent_code) for r in rows]


class ConflictStore:
    """``review_conflicts`` on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def declare(
        self, reviewer_id: str, kind: str, target: str, reason: str, now: datetime
    ) -> dict[str, Any]:
        """The declaration (the earlier one when it was declared before)."""
        statement = _insert(self.conn)(conflicts).values(
            id=str(uuid.uuid4()),
            reviewer_id=reviewer_id,
            kind=kind,
            target=target,
            reason=reason,
            declared_at=now,
        )
        self.conn.execute(statement.on_conflict_do_nothing())
        query = select(conflicts).where(
            conflicts.c.reviewer_id == reviewer_id,
            conflicts.c.kind == kind,
            conflicts.c.target == target,
        )
        found = as_dict(self.conn.execute(query).first())
        assert found is not None
        return found

    def withdraw(self, reviewer_id: str, conflict_id: str) -> bool:
        done = self.conn.execute(
            delete(conflicts).where(
                conflicts.c.id == conflict_id, conflicts.c.reviewer_id == reviewer_id
            )
        )
        return bool(done.rowcount)

    def of_reviewer(self, reviewer_id: str) -> list[dict[str, Any]]:
        query = (
            select(conflicts)
            .where(conflicts.c.reviewer_id == reviewer_id)
            .order_by(conflicts.c.declared_at, conflicts.c.id)
        )
        return as_dicts(self.conn.execute(query))

    def declared(self) -> dict[str, list[tuple[str, str]]]:
        """Every reviewer's declarations as (kind, target), by reviewer id."""
        out: dict[str, list[tuple[str, str]]] = {}
        rows = self.conn.execute(
            select(conflicts.c.reviewer_id, conflicts.c.kind, conflicts.c.target)
        )
        for r in rows:
            out.setdefault(r.reviewer_id, []).append((r.kind, r.target))
        return out
