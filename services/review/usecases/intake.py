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
    PROPOSAL_ADDENDUM_ADDED,
    PROPOSAL_REOPENED,
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
            uow,
            proposal,
            states.WITHDRAWN,
            f"agency:{payload['agency']['code']}",
            "withdrawn",
            withdrawn_from=proposal["status"],
        )


def reopen_proposal(event: Event, uow: ReviewWork) -> None:
    """``proposal.reopened``: back to the stage the withdrawal left. The assignments the
    withdrawal released are pending again, the same rows: no new ``review.assigned``, so
    reviewers already assigned are not told twice. A proposal withdrawn before the stage
    was recorded starts over from screening (its released assignments stay released)."""
    with uow:
        payload = spec_for(PROPOSAL_REOPENED).validator.load(event.data)
        proposal = uow.proposals.get(payload["proposal_id"], for_update=True)
        if proposal is None or proposal["status"] != states.WITHDRAWN:
            log.warning(
                "reopening of %s ignored (unknown or not withdrawn)", payload["proposal_id"]
            )
            return
        actor = f"agency:{payload['agency']['code']}"
        left = proposal.get("withdrawn_from")
        if left is None or left in states.FINAL:
            _restart(uow, proposal, actor, event)
            return
        status = states.reopened_to(proposal["status"], left)
        for a in uow.assignments.of_proposal(proposal["id"]):
            if a["status"] == "released" and a.get("released_reason") == "withdrawn":
                uow.assignments.change(a["id"], status="pending", released_reason=None)
        uow.proposals.change(proposal["id"], status=status, withdrawn_from=None)
        uow.audit.record(
            actor,
            "reopened",
            "proposal",
            proposal["id"],
            {"status": proposal["status"]},
            {"status": status},
        )


def _restart(uow: ReviewWork, proposal: dict[str, Any], actor: str, cause: Event) -> None:
    uow.proposals.change(proposal["id"], status=states.RECEIVED, withdrawn_from=None)
    uow.audit.record(
        actor,
        "reopened",
        "proposal",
        proposal["id"],
        {"status": proposal["status"]},
        {"status": states.RECEIVED},
    )
    restarted = transitions.load(uow, proposal["id"])
    screen(
        uow,
        restarted,
        uow.cycles.get(restarted["cycle_id"]) if restarted["cycle_id"] else None,
        cause,
    )


def add_addendum(event: Event, uow: ReviewWork) -> None:
    """``proposal.addendum_added``: keep the addendum beside the proposal for its reviewers
    (the review UI's proposal and assignment pages); once per addendum id."""
    with uow:
        spec = spec_for(PROPOSAL_ADDENDUM_ADDED).validator
        payload = spec.dump(spec.load(event.data))
        proposal = uow.proposals.get(payload["proposal_id"], for_update=True)
        if proposal is None:
            log.warning("addendum to %s ignored (unknown proposal)", payload["proposal_id"])
            return
        kept = list(proposal.get("addenda") or [])
        if any(a["id"] == payload["addendum_id"] for a in kept):
            return
        kept.append(
            {
                "id": payload["addendum_id"],
                "version": payload["version"],
                "note": payload.get("note") or "",
                "file": payload.get("file"),
                "added_at": payload["added_at"],
            }
        )
        uow.proposals.change(proposal["id"], addenda=kept)
        uow.audit.record(
            f"agency:{payload['agency']['code']}",
            "addendum_added",
            "proposal",
            proposal["id"],
            None,
            {"addendum": payload["addendum_id"]},
        )
