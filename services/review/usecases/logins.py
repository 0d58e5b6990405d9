"""Log in with an email and password, under the brute-force limit (UI and API alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.review.domain import login_limit
from services.review.domain.login_limit import LoginLimit
from services.review.usecases import accounts
from services.review.usecases.work import ReviewWork


@dataclass(frozen=True)
class TooManyFailures:
    """Refused without checking the password; try again after ``retry_after_s``."""

    retry_after_s: int


def log_in(
    email: str, password: str, client: str, now: datetime, limit: LoginLimit, uow: ReviewWork
) -> dict[str, Any] | TooManyFailures | None:
    """The account, None for a wrong email or password, or TooManyFailures.

    A failure counts against the email from this client address, and against the
    address; a success clears the first only (else one's own account would reset a
    sprayer's count).
    A failure is counted and committed: it is an answer, not an exception.
    """
    with uow:
        keys = login_limit.keys_for(email, client)
        found = uow.login_failures.counters(keys.both)
        wait = login_limit.retry_after_s(found, keys, now, limit)
        if wait:
            return TooManyFailures(wait)
        user = accounts.authenticate(uow, email, password)
        if user is None:
            uow.login_failures.record_failure(keys.both, now, limit)
            return None
        uow.login_failures.forget(keys.account)
        return user
