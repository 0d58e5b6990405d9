"""Reviewer and secretariat accounts, passwords, API tokens and UI sessions.

A token (``rvw_…``, 256 random bits) is either an API token (kind ``api``) or the
secret a UI session cookie carries (kind ``ui``); only its SHA-256 is stored, with
its expiry. Deleting the row ends it at once: logout ends one, a password change, a
deactivation and "sign out everywhere" end all of an account's.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from services.review.domain.errors import Conflict
from services.review.store import audit, people

ROLES = ("reviewer", "secretariat")
TOKEN_PREFIX = "rvw_"
API, UI = "api", "ui"
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
    conn: Connection, user_id: str, changes: dict[str, Any], actor: str, now: datetime
) -> dict[str, Any] | None:
    """Change an account; a new password or a deactivation ends every session of it."""
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
    if "password_hash" in changes or changes.get("active") is False:
        people.delete_tokens(conn, user_id, now)
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


def issue_token(
    conn: Connection, user_id: str, now: datetime, lasts: timedelta, kind: str = API
) -> tuple[str, datetime]:
    """A new token of ``kind`` for the account, and when it expires."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + lasts
    people.add_token(conn, user_id, hash_token(token), kind, now, expires_at)
    return token, expires_at


def by_token(conn: Connection, token: str, now: datetime, kind: str = API) -> dict[str, Any] | None:
    """The active account a live token of ``kind`` belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = people.by_token(conn, hash_token(token), kind, now)
    return user if user and user["active"] else None


def end_session(conn: Connection, token: str) -> None:
    """Log out: this token (or UI session) ends now."""
    people.delete_token(conn, hash_token(token))


def sign_out_everywhere(conn: Connection, user_id: str, actor: str, now: datetime) -> bool:
    """End every token and session of the account; False when there is no such account."""
    if people.get(conn, user_id) is None:
        return False
    ended = people.delete_tokens(conn, user_id, now)
    audit.record(conn, actor, "signed_out_everywhere", "user", user_id, None, {"ended": ended})
    return True
