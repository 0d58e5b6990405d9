"""Proposals under review: what the secretariat and the assigned reviewers see; decisions."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from services.review.api.principal import Principal, caller, secretariat, transaction
from services.review.api.schemas import (
    AddReviewerSchema,
    AssignmentListSchema,
    AssignmentSchema,
    AuditSchema,
    DecisionSchema,
    ProposalListQuerySchema,
    ProposalListSchema,
    ReviewProposalSchema,
    VerificationSchema,
)
from services.review.domain import states
from services.review.domain.errors import NotFound
from services.review.store import assignments, audit, proposals
from services.review.usecases import decisions, reviewing

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
    if not who.is_secretariat:
        for key in (*SECRETARIAT_ONLY, "allowed_transitions"):
            view.pop(key, None)
    return view


def visible(conn: Any, proposal_id: str, who: Principal) -> dict[str, Any]:
    """The proposal if the caller may see it; 404 otherwise (never reveal that it exists)."""
    proposal = proposals.get(conn, proposal_id)
    if proposal is None or not (
        who.is_secretariat or assignments.reviewer_has(conn, who.id, proposal_id)
    ):
        raise NotFound("No proposal with this id has reached review.")
    return proposal


@blp.route("")
@blp.doc(security=SECURED)
@blp.arguments(ProposalListQuerySchema, location="query")
@blp.response(200, ProposalListSchema)
@blp.alt_response(401, description="No valid token")
def list_proposals(query: dict[str, Any]) -> dict[str, Any]:
    """Proposals by stage (secretariat: all; reviewer: those assigned to them)."""
    who = caller()
    with transaction() as conn:
        ids = None
        if not who.is_secretariat:
            ids = sorted({a["proposal_id"] for a in assignments.of_reviewer(conn, who.id)})
        found = proposals.listing(
            conn, cycle_id=query.get("cycle_id"), status=query.get("status"), ids=ids
        )
    return {"items": [shown(p, who) for p in found]}


@blp.route("/<string:proposal_id>")
@blp.doc(security=SECURED)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(404, description="Not (yet) received, or not assigned to this reviewer")
def get_proposal(proposal_id: str) -> dict[str, Any]:
    """A proposal as the review service knows it."""
    who = caller()
    with transaction() as conn:
        return shown(visible(conn, proposal_id, who), who)


@blp.route("/<string:proposal_id>/assignments", methods=["GET"])
@blp.doc(security=SECURED)
@blp.response(200, AssignmentListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
def list_assignments(proposal_id: str) -> dict[str, Any]:
    """Every assignment of the proposal, released ones included (secretariat)."""
    who = secretariat()
    with transaction() as conn:
        visible(conn, proposal_id, who)
        return {"items": assignments.of_proposal(conn, proposal_id)}


@blp.route("/<string:proposal_id>/assignments", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(AddReviewerSchema)
@blp.response(201, AssignmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not screened or assigned")
@blp.alt_response(422, description="The reviewer is not eligible")
def add_reviewer(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Assign one more desk reviewer by hand (secretariat)."""
    who = secretariat()
    with transaction() as conn:
        new_id = reviewing.add_reviewer(conn, proposal_id, body["reviewer_id"], who.id)
        found = assignments.get(conn, new_id)
    assert found is not None
    return found


@blp.route("/<string:proposal_id>/decisions", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not allowed from the current state; `allowed` lists what is")
def decide(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Shortlist, reject or request a revision (with feedback to the agency)."""
    who = secretariat()
    with transaction() as conn:
        return shown(
            decisions.decide(conn, proposal_id, body["decision"], body["note"], who.id), who
        )


@blp.route("/<string:proposal_id>/verification", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(VerificationSchema)
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
@blp.alt_response(409, description="Not a finalist")
def verify(body: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Record a finalist's field verification: pass, fail or adjust, with a note."""
    who = secretariat()
    with transaction() as conn:
        return shown(decisions.verify(conn, proposal_id, body["result"], body["note"], who.id), who)


@blp.route("/<string:proposal_id>/audit")
@blp.doc(security=SECURED)
@blp.response(200, AuditSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such proposal")
def audit_log(proposal_id: str) -> dict[str, Any]:
    """Who did what, when, before and after, for this proposal (secretariat)."""
    who = secretariat()
    with transaction() as conn:
        visible(conn, proposal_id, who)
        return {"items": audit.entries(conn, proposal_id)}
