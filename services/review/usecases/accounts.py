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

from services.review.adapters.passwords import hash_password, needs_rehash, verify
from services.review.domain import password_policy
from services.review.domain.errors import Conflict, Invalid
from services.review.usecases import registry, reviewing
from services.review.usecases.work import ReviewWork

# observer: reads everything the secretariat reads, never changes anything (the mayor's
# office, the inspectorate); panelist: a panel member, who like a desk reviewer sees only
# what is assigned to them.
ROLES = ("reviewer", "secretariat", "panelist", "observer")
TOKEN_PREFIX = "rvw_"
API, UI = "api", "ui"
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = hash_password("not a password")


def check_policy(password: str, email: str) -> None:
    """Raise ``Invalid`` (422) when the password does not meet the minimum policy."""
    found = password_policy.problems(password, email)
    if found:
        raise Invalid({"password": found})


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a fast hash suffices (there is no dictionary to try).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k != "password_hash"}


def create_user(values: dict[str, Any], actor: str, uow: ReviewWork) -> dict[str, Any]:
    with uow:
        if uow.people.by_email(values["email"]):
            raise Conflict("An account with this email exists.", "account.email_taken")
        password = values.pop("password")
        values["agency_code"] = registry.known_agency_in(uow, values.get("agency_code", ""))
        check_policy(password, values["email"])
        user = {
            "id": str(uuid.uuid4()),
            **values,
            "password_hash": hash_password(password),
        }
        uow.people.insert(user)
        uow.audit.record(actor, "account_created", "user", user["id"], None, public(user))
        return public(uow.people.get(user["id"]) or user)


def change_user(
    user_id: str, changes: dict[str, Any], actor: str, now: datetime, uow: ReviewWork
) -> dict[str, Any] | None:
    """Change an account; a new password or a deactivation ends every session of it."""
    with uow:
        user = uow.people.get(user_id)
        if user is None:
            return None
        if not changes:
            return public(user)  # an empty PATCH changes nothing (and UPDATE needs a column)
        if "agency_code" in changes:
            changes = {
                **changes,
                "agency_code": registry.known_agency_in(uow, changes["agency_code"]),
            }
        if "password" in changes:
            check_policy(changes["password"], user["email"])
            # Never store the password itself: only its hash goes to the row and the audit.
            changes = {k: v for k, v in changes.items() if k != "password"} | {
                "password_hash": hash_password(changes["password"])
            }
        uow.people.change(user_id, **changes)
        if "password_hash" in changes or changes.get("active") is False:
            uow.people.delete_tokens(user_id, now)
            uow.people.delete_links(user_id)
        if changes.get("agency_code", user["agency_code"]) != user["agency_code"]:
            reviewing.release_conflicting_in(uow, user_id, actor)
        shown = {k: v for k, v in changes.items() if k != "password_hash"}
        before = {k: user.get(k) for k in shown}
        if "password_hash" in changes:
            shown["password"] = before["password"] = "(changed)"
        uow.audit.record(actor, _change_action(user, changes), "user", user_id, before, shown)
        return public(uow.people.get(user_id) or user)


def _change_action(user: dict[str, Any], changes: dict[str, Any]) -> str:
    """The audit's name for a change: the access changes by name, anything else as one."""
    if changes.get("active") is False and user["active"]:
        return "deactivated"
    if changes.get("active") is True and not user["active"]:
        return "reactivated"
    if "role" in changes and changes["role"] != user["role"]:
        return "role_changed"
    if "password_hash" in changes:
        return "password_set_by_secretariat"
    return "account_changed"


def authenticate(uow: ReviewWork, email: str, password: str) -> dict[str, Any] | None:
    """The active account with this email and password, or None (same time either way).

    Runs inside the caller's unit of work: a hash of an older algorithm (or weaker
    argon2 parameters) is replaced by a current one on a successful login."""
    user = uow.people.by_email(email)
    ok = verify(user["password_hash"] if user else _DUMMY_HASH, password)
    if not (user and ok and user["active"]):
        return None
    if needs_rehash(user["password_hash"]):
        user["password_hash"] = hash_password(password)
        uow.people.change(user["id"], password_hash=user["password_hash"])
    return user


def issue_token(
    user_id: str, now: datetime, lasts: timedelta, uow: ReviewWork, kind: str = API
) -> tuple[str, datetime]:
    """A new token of ``kind`` for the account, and when it expires."""
    with uow:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = now + lasts
        uow.people.add_token(user_id, hash_token(token), kind, now, expires_at)
        return token, expires_at


def by_token(token: str, now: datetime, uow: ReviewWork, kind: str = API) -> dict[str, Any] | None:
    """The active account a live token of ``kind`` belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with uow:
        user = uow.people.by_token(hash_token(token), kind, now)
    return user if user and user["active"] else None


def end_session(token: str, uow: ReviewWork) -> None:
    """Log out: this token (or UI session) ends now."""
    with uow:
        uow.people.delete_token(hash_token(token))


def sign_out_everywhere(user_id: str, actor: str, now: datetime, uow: ReviewWork) -> bool:
    """End every token and session of the account; False when there is no such account."""
    with uow:
        if uow.people.get(user_id) is None:
            return False
        ended = uow.people.delete_tokens(user_id, now)
        uow.audit.record(actor, "signed_out_everywhere", "user", user_id, None, {"ended": ended})
        return True
