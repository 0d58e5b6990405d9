"""Log in with an email and password, then the second factor, under the brute-force
limit (UI and API alike)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.review.domain import login_limit
from services.review.domain.login_limit import LoginKeys, LoginLimit
from services.review.usecases import accounts, second_factor
from services.review.usecases.work import ReviewWork


@dataclass(frozen=True)
class TooManyFailures:
    """Refused without checking the password; try again after ``retry_after_s``."""

    retry_after_s: int


@dataclass(frozen=True)
class SecondFactorNeeded:
    """The password was right; the account's second factor is still to pass.

    ``enrol``: the account has none and its role must have one (it enrols first);
    ``wrong``: a code was sent and did not pass (counted as a failed login)."""

    user_id: str
    email: str
    enrol: bool = False
    wrong: bool = False


Outcome = dict[str, Any] | TooManyFailures | SecondFactorNeeded | None


def log_in(
    email: str,
    password: str,
    client: str,
    now: datetime,
    limit: LoginLimit,
    uow: ReviewWork,
    otp: str = "",
    required_for: Collection[str] = (),
) -> Outcome:
    """The account, None for a wrong email or password, TooManyFailures, or
    SecondFactorNeeded (an enrolled account without a good ``otp``, or an account of a
    role in ``required_for`` that has no second factor yet).

    A failure (password or code) counts against the email from this client address,
    and against the address; a success clears the first only (else one's own account
    would reset a sprayer's count).
    A failure is counted and committed: it is an answer, not an exception.
    """
    with uow:
        keys = login_limit.keys_for(email, client)
        wait = _wait(uow, keys, now, limit)
        if wait:
            return wait
        user = accounts.authenticate(uow, email, password)
        if user is None:
            uow.login_failures.record_failure(keys.both, now, limit)
            return None
        return _second_step(uow, user, otp, keys, now, limit, required_for)


def log_in_with_code(
    user_id: str, otp: str, client: str, now: datetime, limit: LoginLimit, uow: ReviewWork
) -> Outcome:
    """The second step of the pages' login, for an account whose password passed a
    moment ago (the caller keeps that in the signed session): the same outcomes."""
    with uow:
        user = uow.people.get(user_id)
        # No second factor (any more: removed since the password): start again from it.
        if user is None or not user["active"] or not second_factor.enrolled(uow, user_id):
            return None
        keys = login_limit.keys_for(user["email"], client)
        wait = _wait(uow, keys, now, limit)
        if wait:
            return wait
        return _second_step(uow, user, otp, keys, now, limit, ())


def _wait(
    uow: ReviewWork, keys: LoginKeys, now: datetime, limit: LoginLimit
) -> TooManyFailures | None:
    wait = login_limit.retry_after_s(uow.login_failures.counters(keys.both), keys, now, limit)
    return TooManyFailures(wait) if wait else None


def _second_step(
    uow: ReviewWork,
    user: dict[str, Any],
    otp: str,
    keys: LoginKeys,
    now: datetime,
    limit: LoginLimit,
    required_for: Collection[str],
) -> Outcome:
    if second_factor.enrolled(uow, user["id"]):
        if not otp.strip():
            return SecondFactorNeeded(user["id"], user["email"])
        if not second_factor.accept_code(uow, user["id"], otp, now):
            uow.login_failures.record_failure(keys.both, now, limit)
            return SecondFactorNeeded(user["id"], user["email"], wrong=True)
    elif user["role"] in required_for:
        return SecondFactorNeeded(user["id"], user["email"], enrol=True)
    uow.login_failures.forget(keys.account)
    return user
