"""Proposals under review: what the secretariat and the assigned reviewers see; decisions."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from services.review.api.principal import Principal, caller, reader, refusals, secretariat, work
from services.review.api.schemas import (
    AddReviewerSchema,
    AppointmentListSchema,
    AppointmentSchema,
    AssignmentListSchema,
    AssignmentSchema,
    AuditSchema,
    DecisionSchema,
    PresentationRequestSchema,
    ProposalListQuerySchema,
    ProposalListSchema,
    ReviewProposalSchema,
    VerificationSchema,
    VisitRequestSchema,
)
from services.review.domain import states
from services.review.usecases import decisions, queries, reviewing, schedule

blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/v1/proposals",
    description="Proposals in review: the secretariat sees all, a reviewer what is assigned to them.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
SECRETARIAT_ONLY = ("scores", "verification", "verification_note")


def shown(proposal: dict[str, Any], who: Principal) -> dict[str, Any]:
    view = {**proposal, "allowed_transitions": list(states.allowed(proposal["status"]))}
    if not who.reads_everything:
        for key in (*SECRETARIAT_ONLY, "allowed_transitions"):
            view.pop(key, None)
    return view


def _viewer(who: Principal) -> str | None:
    """Whose assignments limit what the caller sees (None: the secretariat sees all)."""
    return None if who.reads_everything else who.id


@blp.route("")
@blp.doc(security=SECURED)
@blp.arguments(ProposalListQuerySchema, location="query")
@blp.response(200, ProposalListSchema)
@blp.alt_response(401, description="No valid token")
def list_proposals(query: dict[str, Any]) -> dict[str, Any]:
    """Proposals by stage (secretariat: all; reviewer: those assigned to them)."""
    who = caller()
    found = queries.list_proposals(_viewer(who), query.get("cycle_id"), query.get("status"), work())
    return {"items": [shown(p, who) for p in found]}


@blp.route("/<string:proposal_id>")
@blp.doc(security=SECURED)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(404, description="Not (yet) received, or not assigned to this reviewer")
@refusals
def get_proposal(proposal_id: str) -> dict[str, Any]:
    """A proposal as the review service knows it."""
    who = caller()
    return shown(queries.get_proposal(proposal_id, _viewer(who), work()), who)


@blp.route("/<string:proposal_id>/assignments", methods=["GET"])
@blp.doc(security=SECURED)
@blp.response(200, AssignmentListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@refusals
def list_assignments(proposal_id: str) -> dict[str, Any]:
    """Every assignment of the proposal, released ones included (secretariat)."""
    reader()
    return {"items": queries.proposal_assignments(proposal_id, work())}


@blp.route("/<string:proposal_id>/assignments", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(AddReviewerSchema)
@blp.response(201, AssignmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(
    409, description="Not screened or assigned, or the reviewer has a conflict of interest"
)
@blp.alt_response(422, description="The reviewer is not eligible")
@refusals
def add_reviewer(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Assign one more desk reviewer by hand (secretariat)."""
    who = secretariat()
    return reviewing.add_reviewer(proposal_id, body["reviewer_id"], who.id, work())


@blp.route("/<string:proposal_id>/decisions", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not allowed from the current state; `allowed` lists what is")
@refusals
def decide(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Shortlist, reject or request a revision (with feedback to the agency)."""
    who = secretariat()
    decided = decisions.decide(proposal_id, body["decision"], body["note"], who.id, work())
    return shown(decided, who)


@blp.route("/<string:proposal_id>/verification", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(VerificationSchema)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not a finalist")
@refusals
def verify(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Record a finalist's field verification (the visit's outcome): pass, fail or adjust,
    with a note (`proposal.visit_recorded`; pass and adjust verify the finalist)."""
    who = secretariat()
    verified = decisions.verify(proposal_id, body["result"], body["note"], who.id, work())
    return shown(verified, who)


@blp.route("/<string:proposal_id>/schedule")
@blp.doc(security=SECURED)
@blp.response(200, AppointmentListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such proposal")
@refusals
def get_schedule(proposal_id: str) -> dict[str, Any]:
    """The finalist's presentation and field visit as scheduled (cancelled ones included)."""
    reader()
    return {"items": schedule.schedule_of(proposal_id, work())}


@blp.route("/<string:proposal_id>/presentation", methods=["PUT"])
@blp.doc(security=SECURED)
@blp.arguments(PresentationRequestSchema)
@blp.response(200, AppointmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not a finalist")
@blp.alt_response(422, description="Invalid fields (a time in the past, no place nor link)")
@refusals
def schedule_presentation(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Schedule or reschedule a finalist's presentation (`proposal.presentation_scheduled`)."""
    who = secretariat()
    return schedule.schedule(proposal_id, "presentation", body, who.id, work())


@blp.route("/<string:proposal_id>/presentation", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(200, AppointmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="No presentation is scheduled")
@refusals
def cancel_presentation(proposal_id: str) -> dict[str, Any]:
    """Cancel a finalist's presentation (`proposal.presentation_scheduled`, cancelled)."""
    who = secretariat()
    return schedule.cancel(proposal_id, "presentation", who.id, work())


@blp.route("/<string:proposal_id>/visit", methods=["PUT"])
@blp.doc(security=SECURED)
@blp.arguments(VisitRequestSchema)
@blp.response(200, AppointmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not a finalist")
@blp.alt_response(422, description="Invalid fields (a time in the past, an unknown reviewer)")
@refusals
def schedule_visit(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Schedule or reschedule a finalist's field visit (`proposal.visit_scheduled`)."""
    who = secretariat()
    return schedule.schedule(proposal_id, "visit", body, who.id, work())


@blp.route("/<string:proposal_id>/visit", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(200, AppointmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="No field visit is scheduled")
@refusals
def cancel_visit(proposal_id: str) -> dict[str, Any]:
    """Cancel a finalist's field visit (`proposal.visit_scheduled`, cancelled)."""
    who = secretariat()
    return schedule.cancel(proposal_id, "visit", who.id, work())


@blp.route("/<string:proposal_id>/audit")
@blp.doc(security=SECURED)
@blp.response(200, AuditSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@refusals
def audit_log(proposal_id: str) -> dict[str, Any]:
    """Who did what, when, before and after, for this proposal (secretariat)."""
    reader()
    return {"items": queries.proposal_audit(proposal_id, work())}
