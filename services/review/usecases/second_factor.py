"""The second factor of an account: TOTP enrolment, codes at login, recovery codes.

Enrolment is two steps: ``start_enrolment`` keeps a new secret unconfirmed (the page
shows it as a QR code); ``confirm_enrolment`` with a code the app shows confirms it and
answers the recovery codes, the only time they are seen (only their SHA-256 is kept).
At login ``accept_code`` takes a TOTP code (never the same time step twice) or an unused
recovery code (used up). Every change is in the access audit (``entity`` ``user``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.review.adapters import totp
from services.review.domain import second_factor
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases.accounts import hash_token
from services.review.usecases.work import ReviewWork

WRONG_CODE = "The code is not the one the authenticator app shows now."


def _code_hash(code: str) -> str:
    return hash_token(second_factor.normal(code))


def enrolled(uow: ReviewWork, user_id: str) -> bool:
    """Whether the account has a confirmed second factor (inside the caller's unit of work)."""
    found = uow.second_factors.get(user_id)
    return bool(found and found["confirmed_at"])


def status(user_id: str, uow: ReviewWork) -> dict[str, Any]:
    with uow:
        return {
            "enrolled": enrolled(uow, user_id),
            "recovery_codes_left": uow.second_factors.codes_left(user_id),
        }


def start_enrolment(user_id: str, now: datetime, uow: ReviewWork) -> dict[str, str]:
    """The unconfirmed secret to show (kept across reloads of the page), with its
    ``otpauth://`` URI. Conflict when the account already has a confirmed one."""
    with uow:
        user = uow.people.get(user_id)
        if user is None or not user["active"]:
            raise NotFound("No such active account.", "account.not_found")
        found = uow.second_factors.get(user_id)
        if found and found["confirmed_at"]:
            raise Conflict(
                "This account already has a second factor.", "second_factor.already_enrolled"
            )
        secret = found["secret"] if found else totp.new_secret()
        if not found:
            uow.second_factors.start(user_id, secret, now)
        return {"secret": secret, "uri": totp.provisioning_uri(secret, user["email"])}


def confirm_enrolment(user_id: str, code: str, now: datetime, uow: ReviewWork) -> list[str]:
    """Confirm the secret with a code from the app; the new recovery codes, shown once.
    Raises NotFound (no enrolment started), Conflict (already enrolled), Invalid (wrong code)."""
    with uow:
        user = uow.people.get(user_id)
        found = uow.second_factors.get(user_id)
        if found is None or user is None or not user["active"]:
            raise NotFound("Start the enrolment first.", "second_factor.not_started")
        if found["confirmed_at"]:
            raise Conflict(
                "This account already has a second factor.", "second_factor.already_enrolled"
            )
        step = (
            totp.matching_step(found["secret"], second_factor.normal(code), now)
            if second_factor.is_totp(code)
            else None
        )
        if step is None:
            raise Invalid({"otp": [WRONG_CODE]})
        uow.second_factors.confirm(user_id, step, now)
        codes = _new_codes(uow, user_id, now)
        uow.audit.record(
            user_id,
            "second_factor_enrolled",
            "user",
            user_id,
            None,
            {"second_factor": "totp", "recovery_codes": len(codes)},
        )
        return codes


def _new_codes(uow: ReviewWork, user_id: str, now: datetime) -> list[str]:
    codes = second_factor.new_recovery_codes()
    uow.second_factors.replace_codes(user_id, [_code_hash(c) for c in codes], now)
    return codes


def accept_code(uow: ReviewWork, user_id: str, code: str, now: datetime) -> bool:
    """Whether ``code`` passes as the account's second factor now (inside the caller's
    unit of work): a TOTP code of a step not used before, or an unused recovery code,
    which is used up and audited."""
    found = uow.second_factors.get(user_id)
    if not (found and found["confirmed_at"]):
        return False
    if second_factor.is_totp(code):
        step = totp.matching_step(found["secret"], second_factor.normal(code), now)
        return step is not None and uow.second_factors.accept_step(user_id, step)
    if second_factor.is_recovery(code) and uow.second_factors.use_code(
        user_id, _code_hash(code), now
    ):
        left = uow.second_factors.codes_left(user_id)
        uow.audit.record(
            user_id, "recovery_code_used", "user", user_id, None, {"recovery_codes_left": left}
        )
        return True
    return False


def renew_recovery_codes(user_id: str, code: str, now: datetime, uow: ReviewWork) -> list[str]:
    """A new set of recovery codes (the old ones stop working), for a current TOTP code."""
    with uow:
        if not second_factor.is_totp(code) or not accept_code(uow, user_id, code, now):
            raise Invalid({"otp": [WRONG_CODE]})
        codes = _new_codes(uow, user_id, now)
        uow.audit.record(
            user_id, "recovery_codes_renewed", "user", user_id, None, {"recovery_codes": len(codes)}
        )
        return codes


def remove(user_id: str, actor: str, now: datetime, uow: ReviewWork) -> bool:
    """Remove the account's second factor (a lost phone and lost codes): its sessions end,
    and it enrols again at its next login where the second factor is required. False
    when there is no such account."""
    with uow:
        if uow.people.get(user_id) is None:
            return False
        had = uow.second_factors.remove(user_id)
        ended = uow.people.delete_tokens(user_id, now)
        uow.audit.record(
            actor,
            "second_factor_removed",
            "user",
            user_id,
            {"second_factor": "totp" if had else None},
            {"second_factor": None, "sessions_ended": ended},
        )
        return True
