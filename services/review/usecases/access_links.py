"""Invitations and password resets: a single-use link that expires, to set a password.

The link carries a secret (``rvl_…``, 256 random bits); only its SHA-256 is stored. An
invitation creates the account without a password (``NO_PASSWORD`` matches nothing);
setting the password through the link ends the link, every other link of the account
and every session of it. Every step is in the audit log (``entity`` ``user``).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.review.adapters.passwords import NO_PASSWORD, hash_password
from services.review.domain import login_limit
from services.review.domain.errors import Conflict, NotFound
from services.review.domain.login_limit import LoginLimit
from services.review.usecases import registry
from services.review.usecases.accounts import check_policy, hash_token, public
from services.review.usecases.logins import TooManyFailures
from services.review.usecases.work import ReviewWork

LINK_PREFIX = "rvl_"
INVITE, RESET = "invite", "reset"


@dataclass(frozen=True)
class IssuedLink:
    """A link's secret, for the email (or the bootstrap command's output) only."""

    user: dict[str, Any]
    secret: str
    purpose: str
    expires_at: datetime


def _issue(
    user: dict[str, Any], purpose: str, now: datetime, lasts: timedelta, uow: ReviewWork
) -> IssuedLink:
    secret = LINK_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + lasts
    # One live link per account: a new invitation or reset replaces the earlier one.
    uow.people.delete_links(user["id"])
    uow.people.add_link(user["id"], hash_token(secret), purpose, now, expires_at)
    return IssuedLink(public(user), secret, purpose, expires_at)


def invite_user(
    values: dict[str, Any], actor: str, now: datetime, lasts: timedelta, uow: ReviewWork
) -> IssuedLink:
    """Create an account without a password, and the link its person sets one with."""
    with uow:
        if uow.people.by_email(values["email"]):
            raise Conflict("An account with this email exists.", "account.email_taken")
        values.pop("password", None)
        # As for an account created with a password: a reviewer's agency is a registered one.
        values["agency_code"] = registry.known_agency_in(uow, values.get("agency_code", ""))
        user = {"id": str(uuid.uuid4()), **values, "active": True, "password_hash": NO_PASSWORD}
        uow.people.insert(user)
        user = uow.people.get(user["id"]) or user
        issued = _issue(user, INVITE, now, lasts, uow)
        uow.audit.record(
            actor,
            "invited",
            "user",
            user["id"],
            None,
            public(user) | {"link_expires_at": issued.expires_at},
        )
        return issued


def reinvite_user(
    user_id: str, actor: str, now: datetime, lasts: timedelta, uow: ReviewWork
) -> IssuedLink:
    """A new invitation link for an account that has not set its password yet."""
    with uow:
        user = uow.people.get(user_id)
        if user is None:
            raise NotFound("No such account.", "account.not_found")
        if user["password_hash"] != NO_PASSWORD:
            raise Conflict(
                "This account has a password: send a reset instead.", "account.has_password"
            )
        issued = _issue(user, INVITE, now, lasts, uow)
        uow.audit.record(
            actor, "invited_again", "user", user_id, None, {"link_expires_at": issued.expires_at}
        )
        return issued


def request_reset(
    email: str, actor: str | None, now: datetime, lasts: timedelta, uow: ReviewWork
) -> IssuedLink | None:
    """A reset link for the active account with this email (None for no such account:
    the caller answers the same either way, so the answer does not tell who has one)."""
    with uow:
        user = uow.people.by_email(email)
        if user is None or not user["active"]:
            return None
        purpose = INVITE if user["password_hash"] == NO_PASSWORD else RESET
        issued = _issue(user, purpose, now, lasts, uow)
        uow.audit.record(
            actor or user["id"],
            "password_reset_requested",
            "user",
            user["id"],
            None,
            {"link_expires_at": issued.expires_at, "by": "secretariat" if actor else "self"},
        )
        return issued


def request_own_reset(
    email: str, client: str, now: datetime, lasts: timedelta, limit: LoginLimit, uow: ReviewWork
) -> IssuedLink | TooManyFailures | None:
    """A person asking for their own reset link (no login), under the login limit's numbers:
    every request counts against the email from this address and against the address,
    whether or not the email has an account (the answer must not tell)."""
    with uow:
        keys = login_limit.reset_keys_for(email, client)
        wait = login_limit.retry_after_s(uow.login_failures.counters(keys.both), keys, now, limit)
        if wait:
            return TooManyFailures(wait)
        uow.login_failures.record_failure(keys.both, now, limit)
    return request_reset(email, None, now, lasts, uow)


def link_holder(secret: str, now: datetime, uow: ReviewWork) -> tuple[dict[str, Any], str] | None:
    """The active account a live link belongs to, and the link's purpose; else None."""
    if not secret.startswith(LINK_PREFIX):
        return None
    with uow:
        found = uow.people.by_link(hash_token(secret), now)
    if found is None or not found[0]["active"]:
        return None
    return public(found[0]), found[1]


def set_password(secret: str, password: str, now: datetime, uow: ReviewWork) -> dict[str, Any]:
    """Set the account's password through its link; the link is used up, and every
    session of the account ends. Raises NotFound (no live link) or Invalid (policy)."""
    with uow:
        found = (
            uow.people.by_link(hash_token(secret), now) if secret.startswith(LINK_PREFIX) else None
        )
        if found is None or not found[0]["active"]:
            raise NotFound("This link is unknown, used or expired.", "access_link.not_found")
        user, purpose = found
        check_policy(password, user["email"])
        uow.people.change(user["id"], password_hash=hash_password(password))
        uow.people.delete_links(user["id"])
        uow.people.delete_tokens(user["id"], now)
        action = "invitation_accepted" if purpose == INVITE else "password_reset"
        uow.audit.record(user["id"], action, "user", user["id"], None, {"password": "(set)"})
        return public(user)
