"""Pure rules of the submission service: proposals, agencies and their API keys.

Imports only the standard library. A change records the events it causes;
publishing them is someone else's job.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KEY_PREFIX = "inag"
SUBMITTED = "submitted"


@dataclass(frozen=True)
class Agency:
    id: str
    code: str
    name: str


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


@dataclass(frozen=True)
class ProposalSubmitted:
    proposal_id: str
    version: int
    agency: Agency
    submitted_at: datetime
    profile: dict[str, Any]


@dataclass(frozen=True)
class Proposal:
    id: str
    agency_id: str
    status: str
    version: int
    profile: dict[str, Any]
    created_at: datetime
    submitted_at: datetime | None
    events: tuple[Any, ...] = field(default=(), compare=False)


def new_proposal_id() -> str:
    return str(uuid.uuid4())


def submit_proposal(
    agency: Agency, profile: dict[str, Any], now: datetime, proposal_id: str
) -> Proposal:
    """A proposal submitted straight away, with the event that announces it."""
    submitted = ProposalSubmitted(proposal_id, 1, agency, now, profile)
    return Proposal(
        id=proposal_id,
        agency_id=agency.id,
        status=SUBMITTED,
        version=1,
        profile=profile,
        created_at=now,
        submitted_at=now,
        events=(submitted,),
    )
