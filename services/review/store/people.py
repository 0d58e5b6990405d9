"""Reviewer and secretariat accounts and their API tokens (stored hashed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, func, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import access_links, assignments, tokens, users


def get(conn: Connection, user_id: str) -> dict[str, Any] | None:
    return as_dict(conn.execute(select(users).where(users.c.id == user_id)).first())


def by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    query = select(users).where(func.lower(users.c.email) == email.strip().lower())
    return as_dict(conn.execute(query).first())


def listing(conn: Connection, role: str | None = None) -> list[dict[str, Any]]:
    query = select(users).order_by(users.c.name, users.c.id)
    if role:
        query = query.where(users.c.role == role)
    return as_dicts(conn.execute(query))


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(users.insert().values(created_at=datetime.now(UTC), **values))


def change(conn: Connection, user_id: str, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def add_token(
    conn: Connection, user_id: str, token_hash: str, kind: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        tokens.insert().values(
            token_hash=token_hash, user_id=user_id, created_at=now, kind=kind, expires_at=expires_at
        )
    )


def by_token(conn: Connection, token_hash: str, kind: str, now: datetime) -> dict[str, Any] | None:
    """The account of a token of ``kind`` that has not expired at ``now``."""
    query = (
        select(users)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == token_hash, tokens.c.kind == kind, tokens.c.expires_at > now)
    )
    return as_dict(conn.execute(query).first())


def delete_token(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(tokens).where(tokens.c.token_hash == token_hash))


def delete_tokens(conn: Connection, user_id: str, now: datetime) -> int:
    """End every token and session of the account; also drops expired rows of anyone."""
    ended = conn.execute(delete(tokens).where(tokens.c.user_id == user_id)).rowcount
    conn.execute(delete(tokens).where(tokens.c.expires_at <= now))
    return int(ended or 0)


def add_link(
    conn: Connection,
    user_id: str,
    token_hash: str,
    purpose: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        access_links.insert().values(
            token_hash=token_hash,
            user_id=user_id,
            purpose=purpose,
            created_at=now,
            expires_at=expires_at,
        )
    )


def by_link(conn: Connection, token_hash: str, now: datetime) -> tuple[dict[str, Any], str] | None:
    """The account of an invitation or reset link that has not expired, and its purpose."""
    query = (
        select(users, access_links.c.purpose.label("link_purpose"))
        .join(access_links, access_links.c.user_id == users.c.id)
        .where(access_links.c.token_hash == token_hash, access_links.c.expires_at > now)
    )
    row = as_dict(conn.execute(query).first())
    if row is None:
        return None
    purpose = row.pop("link_purpose")
    return row, purpose


def delete_links(conn: Connection, user_id: str) -> None:
    conn.execute(delete(access_links).where(access_links.c.user_id == user_id))


# Open work per reviewer: assignments pending or submitted (released ones do not count),
# counted in the (reviewer, status) index.
_LOAD = (
    select(func.count())
    .where(
        assignments.c.reviewer_id == users.c.id,
        assignments.c.status.in_(("pending", "submitted")),
    )
    .scalar_subquery()
)
# Whether the reviewer has or had the proposal in the round (a conflict stays declared).
_HAD_IT = exists().where(
    assignments.c.reviewer_id == users.c.id,
    assignments.c.proposal_id == bindparam("proposal_id"),
    assignments.c.round == bindparam("round"),
)
_REVIEWERS = (
    select(users, _LOAD.label("load"), _HAD_IT.label("had_it"))
    .where(users.c.role.in_(("reviewer", "panelist")))
    .order_by(users.c.name, users.c.id)
)


def reviewers(
    conn: Connection, proposal_id: str | None = None, round: str | None = None
) -> list[dict[str, Any]]:
    """Every reviewer and panelist account with its open work (``load``) and whether it has or had
    ``proposal_id`` in ``round`` (``had_it``): what assignment chooses from, in one query."""
    rows = as_dicts(conn.execute(_REVIEWERS, {"proposal_id": proposal_id, "round": round}))
    for row in rows:
        row["load"], row["had_it"] = int(row["load"]), bool(row["had_it"])
    return rows


class PeopleStore:
    """The ``people`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str) -> dict[str, Any] | None:
        return get(self.conn, user_id)

    def by_email(self, email: str) -> dict[str, Any] | None:
        return by_email(self.conn, email)

    def listing(self, role: str | None = None) -> list[dict[str, Any]]:
        return listing(self.conn, role)

    def insert(self, values: dict[str, Any]) -> None:
        return insert(self.conn, values)

    def change(self, user_id: str, **values: Any) -> None:
        return change(self.conn, user_id, **values)

    def add_token(
        self, user_id: str, token_hash: str, kind: str, now: datetime, expires_at: datetime
    ) -> None:
        return add_token(self.conn, user_id, token_hash, kind, now, expires_at)

    def by_token(self, token_hash: str, kind: str, now: datetime) -> dict[str, Any] | None:
        return by_token(self.conn, token_hash, kind, now)

    def delete_token(self, token_hash: str) -> None:
        return delete_token(self.conn, token_hash)

    def delete_tokens(self, user_id: str, now: datetime) -> int:
        return delete_tokens(self.conn, user_id, now)

    def add_link(
        self, user_id: str, token_hash: str, purpose: str, now: datetime, expires_at: datetime
    ) -> None:
        return add_link(self.conn, user_id, token_hash, purpose, now, expires_at)

    def by_link(self, token_hash: str, now: datetime) -> tuple[dict[str, Any], str] | None:
        return by_link(self.conn, token_hash, now)

    def delete_links(self, user_id: str) -> None:
        return delete_links(self.conn, user_id)

    def reviewers(
        self, proposal_id: str | None = None, round: str | None = None
    ) -> list[dict[str, Any]]:
        return reviewers(self.conn, proposal_id, round)
