"""Proposal events from the submission service: receive, screen, assign; withdraw."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from services.review.domain import screening, states
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import reviewing, transitions
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    CATALOG,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SCREENED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    spec_for,
)
from shared.events.envelope import Event

log = logging.getLogger(__name__)
SCREENING = "screening"


def _payload(event: Event, type: str) -> dict[str, Any]:
    # v2 seals the innovators (shared/events/sealing.py): review keeps them sealed, it
    # never needs who they are, so erasing a person needs nothing from this service.
    schema = (CATALOG.get(event.dataschema) or spec_for(type)).validator
    loaded: dict[str, Any] = schema.load(event.data)
    # JSON-ready again (dates as text) for the JSON columns, validated all the same.
    dumped = schema.dump(loaded)
    return {
        **loaded,
        # In UTC: SQLite would store another offset's clock time as if it were UTC.
        "submitted_at": loaded["submitted_at"].astimezone(UTC),
        "profile": dumped.get("profile"),
        "evidence": dumped.get("evidence", []),
    }


def cycle_for(
    uow: ReviewWork, cycle_id: str | None, submitted_at: datetime
) -> dict[str, Any] | None:
    """The cycle a proposal belongs to: the one it names, else the one open when it came."""
    if cycle_id:
        named = uow.cycles.get(cycle_id)
        if named:
            return named
    return uow.cycles.open_at(submitted_at)


def receive_proposal(event: Event, uow: ReviewWork) -> None:
    """``proposal.submitted`` / ``proposal.resubmitted``: take the version in, screen it, assign it."""
    with uow:
        payload = _payload(event, PROPOSAL_SUBMITTED)
        existing = uow.proposals.get(payload["proposal_id"], for_update=True)
        if existing is not None and existing["version"] >= payload["version"]:
            return  # an older or repeated version: the newer one already went through
        cycle = cycle_for(uow, payload.get("cycle_id"), payload["submitted_at"])
        agency = payload["agency"]
        fields = {
            "version": payload["version"],
            "title": payload["profile"]["title"],
            "category": payload["profile"].get("category") or "",
            "profile": payload["profile"],
            "evidence": payload["evidence"],
            "cycle_id": cycle["id"] if cycle else None,
            "award_category": cycle_cases.place_proposal(cycle, payload["profile"], agency["type"]),
            "submitted_at": payload["submitted_at"],
        }
        if existing is None:
            proposal = uow.proposals.insert(
                {
                    "id": payload["proposal_id"],
                    "agency_id": agency["id"],
                    "agency_code": agency["code"],
                    "agency_name": agency["name"],
                    "agency_type": agency["type"],
                    "status": states.RECEIVED,
                    "received_at": datetime.now(UTC),
                    "correlation_id": event.correlation_id,
                    "scores": {},
                    "screening_reasons": [],
                    **fields,
                },
            )
            uow.audit.record(
                SCREENING,
                "received",
                "proposal",
                payload["proposal_id"],
                None,
                {"status": states.RECEIVED, "version": payload["version"]},
            )
        else:
            if existing["status"] != states.REVISION_REQUESTED:
                # The submission service resubmits only after a revision request; anything
                # else is out of order, and the state machine decides, not the message.
                log.warning(
                    "proposal %s: version %s arrived while %s; ignored",
                    existing["id"],
                    payload["version"],
                    existing["status"],
                )
                uow.audit.record(
                    SCREENING,
                    "resubmission_ignored",
                    "proposal",
                    existing["id"],
                    {"status": existing["status"]},
                    {"version": payload["version"]},
                )
                return
            _supersede(uow, existing["id"])
            uow.proposals.change(existing["id"], scores={}, **fields)
            transitions.move(uow, existing, states.RECEIVED, SCREENING, "resubmitted")
            proposal = transitions.load(uow, existing["id"])
        screen(uow, proposal, cycle, event)


def _supersede(uow: ReviewWork, proposal_id: str) -> None:
    for a in uow.assignments.of_proposal(proposal_id, open_only=True):
        uow.assignments.change(a["id"], status="released", released_reason="superseded")


def screen(
    uow: ReviewWork, proposal: dict[str, Any], cycle: dict[str, Any] | None, cause: Event
) -> None:
    window = (
        screening.Window(cycle["submission_opens_at"], cycle["submission_closes_at"])
        if cycle
        else None
    )
    result = screening.screen(
        proposal["profile"], proposal["evidence"], proposal["submitted_at"], window
    )
    now = datetime.now(UTC)
    emit(
        uow,
        PROPOSAL_SCREENED,
        proposal["id"],
        {
            "proposal_id": proposal["id"],
            "version": proposal["version"],
            "cycle_id": proposal["cycle_id"],
            "passed": result.passed,
            "reasons": list(result.reasons),
            "screened_at": now,
        },
        cause=cause,
    )
    if not result.passed:
        transitions.move(
            uow,
            proposal,
            states.REVISION_REQUESTED,
            SCREENING,
            "screening_failed",
            screening_reasons=list(result.reasons),
        )
        emit(
            uow,
            PROPOSAL_REVISION_REQUESTED,
            proposal["id"],
            {
                "proposal_id": proposal["id"],
                "version": proposal["version"],
                "feedback": "The proposal is incomplete: " + " ".join(result.reasons),
                "reasons": list(result.reasons),
                "requested_by": SCREENING,
                "requested_at": now,
            },
            cause=cause,
        )
        return
    screened = transitions.move(
        uow, proposal, states.SCREENED, SCREENING, "screening_passed", screening_reasons=[]
    )
    reviewing.assign_desk(uow, screened, cycle, actor="assignment", cause_id=cause.id)


def withdraw_proposal(event: Event, uow: ReviewWork) -> None:
    """``proposal.withdrawn``: stop the review; open assignments are released."""
    with uow:
        payload = spec_for(PROPOSAL_WITHDRAWN).validator.load(event.data)
        proposal = uow.proposals.get(payload["proposal_id"], for_update=True)
        if proposal is None or not states.can_move(proposal["status"], states.WITHDRAWN):
            log.warning("withdrawal of %s ignored (unknown or final)", payload["proposal_id"])
            return
        for a in uow.assignments.of_proposal(proposal["id"], open_only=True):
            if a["status"] == "pending":
                uow.assignments.change(a["id"], status="released", released_reason="withdrawn")
        transitions.move(
            uow, proposal, states.WITHDRAWN, f"agency:{payload['agency']['code']}", "withdrawn"
        )
