"""The events a proposal change raises for the outbox, built from the domain's
changes in the catalog's form."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from marshmallow import Schema

from services.submission import domain
from services.submission.domain.window import Cycle
from services.submission.store.subject_keys import Subject
from shared.events import sealing
from shared.events.catalog import (
    PARTICIPATION_REMINDER_DUE,
    PROPOSAL_ADDENDUM_ADDED,
    PROPOSAL_REOPENED,
    PROPOSAL_RESUBMITTED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    spec_for,
)
from shared.events.envelope import Event

SOURCE = "/inagara/submission"
# What identifies an innovator: sealed in v2, never in the clear on a topic.
PERSONAL_FIELDS = ("name", "email", "phone")
KeyOf = Callable[[str, str | None], Subject]


def normalise_email(email: str) -> str:
    return email.strip().lower()


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
def _payload_schema(type: str, without_profile: bool, version: int) -> Schema:
    # One instance per event type: building a schema deep-copies its fields.
    return spec_for(type, version).schema(exclude=("profile",) if without_profile else ())


def _event(type: str, subject: str, payload: dict[str, Any], version: int = 1) -> Event:
    """An event of the catalog; a ``profile`` in the payload is already in JSON form."""
    spec = spec_for(type, version)
    data = _payload_schema(type, "profile" in payload, version).dump(payload)
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


def sealed_profile(profile: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """The profile with each innovator's name, email and phone sealed under their
    subject's key (v2); ``key_of(email, phone)`` finds or makes the subject."""
    innovators = []
    for innovator in profile["innovators"]:
        email = normalise_email(innovator["email"])
        subject = key_of(email, innovator.get("phone"))
        personal = {k: innovator.get(k) for k in PERSONAL_FIELDS}
        sealed = {"subject": subject.id, "sealed": sealing.seal(subject.key, subject.id, personal)}
        if innovator.get("instant_channel"):
            sealed["instant_channel"] = innovator["instant_channel"]
        if innovator.get("instant_consent_at"):
            sealed["instant_consent_at"] = innovator["instant_consent_at"]
        innovators.append(sealed)
    return {**profile, "innovators": innovators}


def submission_event(
    submitted: domain.ProposalSubmitted,
    evidence: list[dict[str, Any]] | None = None,
    *,
    version: int = 1,
    key_of: KeyOf | None = None,
) -> Event:
    kind = PROPOSAL_RESUBMITTED if submitted.resubmission else PROPOSAL_SUBMITTED
    profile = submitted.profile
    if version == 2:
        if key_of is None:
            raise ValueError("a v2 event seals its innovators: key_of is needed")
        profile = sealed_profile(profile, key_of)
    return _event(
        kind,
        submitted.proposal_id,
        {
            "proposal_id": submitted.proposal_id,
            "version": submitted.version,
            "agency": _agency_ref(submitted.agency),
            "submitted_at": submitted.submitted_at,
            "profile": profile,
            "cycle_id": submitted.cycle_id,
            "evidence": evidence or [],
        },
        version,
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


def reopening_event(reopened: domain.ProposalReopened) -> Event:
    return _event(
        PROPOSAL_REOPENED,
        reopened.proposal_id,
        {
            "proposal_id": reopened.proposal_id,
            "version": reopened.version,
            "agency": _agency_ref(reopened.agency),
            "reopened_at": reopened.reopened_at,
            "cycle_id": reopened.cycle_id,
            "status": reopened.status,
        },
    )


def addendum_event(
    agency: domain.Agency, addendum: dict[str, Any], file: dict[str, Any] | None
) -> Event:
    """``proposal.addendum_added``: ``addendum`` is the stored row's values."""
    return _event(
        PROPOSAL_ADDENDUM_ADDED,
        addendum["proposal_id"],
        {
            "proposal_id": addendum["proposal_id"],
            "addendum_id": addendum["id"],
            "version": addendum["version"],
            "agency": _agency_ref(agency),
            "note": addendum["note"],
            "file": file,
            "added_at": addendum["created_at"],
        },
    )


def participation_reminder_event(agency: Any, cycle: Cycle, submitted: int, at: Any) -> Event:
    """``agency.participation_reminder_due`` for an agency's row (the register's columns)."""
    return _event(
        PARTICIPATION_REMINDER_DUE,
        agency.id,
        {
            "agency": {
                "id": agency.id,
                "code": agency.code,
                "name": agency.name,
                "contact_email": agency.contact_email,
                "contact_phone": agency.contact_phone,
                "type": agency.type,
            },
            "cycle_id": cycle.id,
            "cycle_name": cycle.name,
            "closes_at": cycle.closes_at,
            "min_per_agency": cycle.min_per_agency,
            "submitted": submitted,
            "reminded_at": at,
        },
    )
