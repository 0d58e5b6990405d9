"""Pure rules of the review service. Imports only the standard library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

RECEIVED = "received"


@dataclass(frozen=True)
class ReceivedProposal:
    """A proposal as the review service first knows it: received, not yet screened."""

    id: str
    version: int
    agency_id: str
    agency_code: str
    agency_name: str
    title: str
    profile: dict[str, Any]
    submitted_at: datetime
    status: str = RECEIVED


def receive(payload: dict[str, Any]) -> ReceivedProposal:
    """The review record of a ``proposal.submitted`` payload (already validated)."""
    agency = payload["agency"]
    return ReceivedProposal(
        id=payload["proposal_id"],
        version=payload["version"],
        agency_id=agency["id"],
        agency_code=agency["code"],
        agency_name=agency["name"],
        title=payload["profile"]["title"],
        profile=payload["profile"],
        submitted_at=payload["submitted_at"],
    )
