"""Agencies, their API keys and what each key's role may do."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "inag"
AGENCY_TYPES = ("dinas", "badan", "kecamatan", "kelurahan", "bumd", "other")
# Agency codes of the local demo (deploy/local/demo.py): never a real agency's, so the
# demo's data can be told apart and removed, and a real agency never meets its code.
DEMO_CODE_PREFIX = "DEMO-"

DRAFTER = "drafter"
AGENCY_ADMIN = "agency_admin"
ROLES = (DRAFTER, AGENCY_ADMIN)


def is_demo_code(code: str) -> bool:
    return code.upper().startswith(DEMO_CODE_PREFIX)


@dataclass(frozen=True)
class Agency:
    id: str
    code: str
    name: str
    contact_email: str | None = None
    contact_phone: str | None = None
    allow_drafter_submit: bool = False
    type: str | None = None


@dataclass(frozen=True)
class NewApiKey:
    """A freshly minted key: ``secret`` is shown once; only ``hash`` is stored."""

    prefix: str
    secret: str
    hash: str


def hash_secret(secret: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def mint_api_key() -> NewApiKey:
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix=prefix, secret=secret, hash=hash_secret(secret))


def key_prefix(secret: str) -> str | None:
    """The lookup prefix of a presented key, or None if it cannot be one of ours."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


def may_send_to_review(role: str, agency: Agency) -> bool:
    """Two tiers: a unit drafts, the agency's administrator endorses and submits,
    unless the agency lets its drafters submit directly."""
    return role == AGENCY_ADMIN or (role == DRAFTER and agency.allow_drafter_submit)


def may_manage_agency(role: str) -> bool:
    return role == AGENCY_ADMIN


class NotPermitted(Exception):
    """The key's role may not do this (the agency's administrator may)."""
