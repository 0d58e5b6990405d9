"""What a proposal change leaves behind besides its row: the events in the outbox
and the entries in the proposal's timeline, written in the change's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any

from marshmallow import Schema
from sqlalchemy import Connection, insert

from services.submission import domain
from services.submission.store.tables import outbox, timeline
from shared.events.catalog import (
    PROPOSAL_RESUBMITTED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    PROPOSALS,
    spec_for,
)
from shared.events.envelope import Event
from shared.events.outbox import add_to_outbox

SOURCE = "/inagara/submission"


def _agency_ref(agency: domain.Agency) -> dict[str, Any]:
    return {
        "id": agency.id,
        "code": agency.code,
        "name": agency.name,
        "contact_email": agency.contact_email,
        "contact_phone": agency.contact_phone,
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
    # A request's effect: it starts the proposal's path (Event.first: correlation = subject).
    return Event.first(spec.type, SOURCE, subject, data, spec.dataschema)


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


_INSERT_TIMELINE = insert(timeline)  # built once; the values go in as parameters


def add_timeline(
    conn: Connection,
    proposal_id: str,
    type: str,
    version: int | None,
    at: datetime,
    facts: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> None:
    conn.execute(
        _INSERT_TIMELINE,
        {
            "proposal_id": proposal_id,
            "event_id": event_id or str(uuid.uuid4()),
            "type": type,
            "version": version,
            "at": at if at.tzinfo else at.replace(tzinfo=UTC),
            "facts": facts or {},
        },
    )


def record(
    conn: Connection,
    change: Any,
    evidence: list[dict[str, Any]] | None = None,
    publish: Callable[[str, Event], None] | None = None,
) -> None:
    """Put one domain event where it belongs: the timeline, and the event it causes
    to ``publish`` (the unit of work's, which writes the outbox when it commits)."""
    if publish is None:
        publish = partial(add_to_outbox, conn, outbox)
    if isinstance(change, domain.ProposalDrafted):
        add_timeline(conn, change.proposal_id, "proposal.drafted", change.version, change.at)
    elif isinstance(change, domain.ProposalEdited):
        add_timeline(conn, change.proposal_id, "proposal.edited", change.version, change.at)
    elif isinstance(change, domain.ProposalSubmitted):
        event = submission_event(change, evidence)
        publish(PROPOSALS, event)
        add_timeline(
            conn,
            change.proposal_id,
            event.type,
            change.version,
            change.submitted_at,
            {"cycle_id": change.cycle_id},
            event.id,
        )
    elif isinstance(change, domain.ProposalWithdrawn):
        event = withdrawal_event(change)
        publish(PROPOSALS, event)
        add_timeline(
            conn,
            change.proposal_id,
            event.type,
            change.version,
            change.withdrawn_at,
            {"reason": change.reason},
            event.id,
        )
    else:  # pragma: no cover - a new domain event must be given a place here
        raise TypeError(f"no record for {change!r}")
