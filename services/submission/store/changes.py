"""What a proposal change leaves behind besides its row: the events it raises for
the outbox (built here from the domain's changes) and the entries of the proposal's
timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from marshmallow import Schema
from sqlalchemy import Connection, insert, select

from services.submission import domain
from services.submission.store.tables import timeline
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


_INSERT_TIMELINE = insert(timeline)  # built once; the values go in as parameters


class TimelineStore:
    """Every step of a proposal in both services, as the agency sees it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        proposal_id: str,
        type: str,
        version: int | None,
        at: datetime,
        facts: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> None:
        self._conn.execute(
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

    def entries(self, proposal_id: str) -> list[Any]:
        """The proposal's steps, oldest first."""
        return list(
            self._conn.execute(
                select(timeline)
                .where(timeline.c.proposal_id == proposal_id)
                .order_by(timeline.c.at, timeline.c.id)
            ).all()
        )
