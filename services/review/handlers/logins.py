"""Log in with an email and password, under the brute-force limit (UI and API alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.review.domain import login_limit
from services.review.domain.login_limit import LoginLimit
from services.review.handlers import accounts
from services.review.store import login_failures


@dataclass(frozen=True)
class TooManyFailures:
    """Refused without checking the password; try again after ``retry_after_s``."""

    retry_after_s: int


def log_in(
    conn: Connection,
    email: str,
    password: str,
    client: str,
    now: datetime,
    limit: LoginLimit,
) -> dict[str, Any] | TooManyFailures | None:
    """The account, None for a wrong email or password, or TooManyFailures.

    A failure counts against the email from this client address, and against the
    address; a success clears the first only (else one's own account would reset a
    sprayer's count).
    The caller must commit the transaction even for a failure.
    """
    keys = login_limit.keys_for(email, client)
    found = login_failures.counters(conn, keys.both)
    wait = login_limit.retry_after_s(found, keys, now, limit)
    if wait:
        return TooManyFailures(wait)
    user = accounts.authenticate(conn, email, password)
    if user is None:
        login_failures.record_failure(conn, keys.both, now, limit)
        return None
    login_failures.forget(conn, keys.account)
    return user
