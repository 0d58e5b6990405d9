"""Reviewer and secretariat accounts, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from sqlalchemy import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from services.review.domain.errors import Conflict
from services.review.store import audit, people

ROLES = ("reviewer", "secretariat")
TOKEN_PREFIX = "rvw_"
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a fast hash suffices (there is no dictionary to try).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k != "password_hash"}


def create_user(conn: Connection, values: dict[str, Any], actor: str) -> dict[str, Any]:
    if people.by_email(conn, values["email"]):
        raise Conflict("An account with this email exists.")
    password = values.pop("password")
    user = {"id": str(uuid.uuid4()), **values, "password_hash": generate_password_hash(password)}
    people.insert(conn, user)
    audit.record(conn, actor, "account_created", "user", user["id"], None, public(user))
    return public(people.get(conn, user["id"]) or user)


def change_user(
    conn: Connection, user_id: str, changes: dict[str, Any], actor: str
) -> dict[str, Any] | None:
    user = people.get(conn, user_id)
    if user is None:
        return None
    if not changes:
        return public(user)  # an empty PATCH changes nothing (and UPDATE needs a column)
    if "password" in changes:
        # Never store the password itself: only its hash goes to the row and the audit.
        changes = {k: v for k, v in changes.items() if k != "password"} | {
            "password_hash": generate_password_hash(changes["password"])
        }
    people.change(conn, user_id, **changes)
    shown = {k: v for k, v in changes.items() if k != "password_hash"}
    audit.record(
        conn, actor, "account_changed", "user", user_id, {k: user.get(k) for k in shown}, shown
    )
    return public(people.get(conn, user_id) or user)


def authenticate(conn: Connection, email: str, password: str) -> dict[str, Any] | None:
    """The active account with this email and password, or None (same time either way)."""
    user = people.by_email(conn, email)
    ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
    return user if user and ok and user["active"] else None


def issue_token(conn: Connection, user_id: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    people.add_token(conn, user_id, hash_token(token))
    return token


def by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = people.by_token(conn, hash_token(token))
    return user if user and user["active"] else None
