"""Keyed hashes that let two services find the same person without telling each other
who they are (docs/PRIVACY.md: A person-wide request reaches objectors).

A person-wide request of the submission service names the person to the review service
as HMAC-SHA256(``SUBJECT_MATCH_KEY``, kind + normalised value): the normalised email (lower
case) and the E.164 phone. The key is shared by the services that must match and by
nobody else, so the hash in a topic cannot be matched by guessing addresses without it.
"""

from __future__ import annotations

import hashlib
import hmac

from marshmallow import ValidationError

from shared.events.proposal import normalise_phone

_PURPOSE = b"inagara-subject-match:"


def _mac(key: str, kind: str, value: str) -> str:
    message = _PURPOSE + kind.encode() + b":" + value.encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def email_hash(key: str, email: str | None) -> str | None:
    """The keyed hash of an email (normalised to lower case); None without key or email."""
    if not key or not email or not email.strip():
        return None
    return _mac(key, "email", email.strip().lower())


def phone_hash(key: str, phone: str | None) -> str | None:
    """The keyed hash of a phone in E.164; None without key, phone, or for a number that
    is not one."""
    if not key or not phone or not phone.strip():
        return None
    try:
        return _mac(key, "phone", normalise_phone(phone))
    except ValidationError:
        return None


def match_of(key: str, email: str | None, phone: str | None) -> dict[str, str | None] | None:
    """What a request event carries to find the person (``{"email", "phone"}``), or None
    when there is no key or nothing to match."""
    found = {"email": email_hash(key, email), "phone": phone_hash(key, phone)}
    return found if any(found.values()) else None
