"""The events a proposal change raises for the outbox, built from the domain's
changes in the catalog's form."""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema

from services.submission import domain
from shared.events.catalog import (
    PROPOSAL_RESUBMITTED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    spec_for,
)
from shared.events.envelope import Event

SOURCE = "/inagara/submission"


def _agency_ref(agency: domain.Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "code": agency.code,
        "name": agency.name,
        "contact_email": agency.contact_email,
        "contact_phone": agency.contact_phone,
        "type": agency.type,
    }


@cache
def _payload_schema(type: str, without_profile: bool) -> Schema:
    # One instance per event type: building a schema deep-copies its fields.
    return spec_for(type).schema(exclude=("profile",) if without_profile else ())


def _event(type: str, subject: str, payload: dict[str, Any]) -> Event:
    """An event of the catalog; a ``profile`` in the payload is already in JSON form."""
    spec = spec_for(type)
    data = _payload_schema(type, "profile" in payload).dump(payload)
    if "profile" in payload:
        data["profile"] = payload["profile"]
    return Event(
        type=spec.type,
        source=SOURCE,
        subject=subject,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=subject,
    )


def submission_event(
    submitted: domain.ProposalSubmitted, evidence: list[dict[str, Any]] | None = None
) -> Event:
    kind = PROPOSAL_RESUBMITTED if submitted.resubmission else PROPOSAL_SUBMITTED
    return _event(
        kind,
        submitted.proposal_id,
        {
            "proposal_id": submitted.proposal_id,
            "version": submitted.version,
            "agency": _agency_ref(submitted.agency),
            "submitted_at": submitted.submitted_at,
            "profile": submitted.profile,
            "cycle_id": submitted.cycle_id,
            "evidence": evidence or [],
        },
    )


def withdrawal_event(withdrawn: domain.ProposalWithdrawn) -> Event:
    return _event(
        PROPOSAL_WITHDRAWN,
        withdrawn.proposal_id,
        {
            "proposal_id": withdrawn.proposal_id,
            "version": withdrawn.version,
            "agency": _agency_ref(withdrawn.agency),
            "withdrawn_at": withdrawn.withdrawn_at,
            "reason": withdrawn.reason,
        },
    )
