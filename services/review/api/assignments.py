"""A reviewer's assignments: scoring, declaring a conflict; the secretariat reassigns."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort

from services.review.api.principal import caller, refusals, secretariat, work
from services.review.api.schemas import (
    AssignmentListSchema,
    AssignmentSchema,
    ConflictSchema,
    ReassignSchema,
    ReplacementSchema,
    ReviewSchema,
)
from services.review.usecases import queries, reviewing

blp = Blueprint(
    "assignments",
    __name__,
    url_prefix="/v1/assignments",
    description="Reviews assigned to the caller; only the assigned reviewer scores.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


@blp.route("")
@blp.doc(security=SECURED)
@blp.response(200, AssignmentListSchema)
@blp.alt_response(401, description="No valid token")
def mine() -> dict[str, Any]:
    """The caller's open assignments, nearest deadline first."""
    who = caller()
    return {"items": queries.open_assignments(who.id, work())}


@blp.route("/<string:assignment_id>")
@blp.doc(security=SECURED)
@blp.response(200, AssignmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(404, description="No such assignment, or not the caller's")
@refusals
def one(assignment_id: str) -> dict[str, Any]:
    """One assignment with its scores (its reviewer, or the secretariat)."""
    who = caller()
    holder = None if who.reads_everything else who.id
    return reviewing.own_assignment(assignment_id, holder, work())


def _reviewer_only() -> str:
    who = caller()
    if who.reads_everything:  # the secretariat and observers are never assigned work
        abort(403, message="Only the assigned reviewer does this.")
    return who.id


@blp.route("/<string:assignment_id>/review", methods=["PUT"])
@blp.doc(security=SECURED)
@blp.arguments(ReviewSchema)
@blp.response(200, AssignmentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="The secretariat does not score")
@blp.alt_response(404, description="No such assignment, or not the caller's")
@blp.alt_response(409, description="Deadline passed, released, or the round is closed")
@blp.alt_response(422, description="A score is missing or off the scale")
@refusals
def score(body: dict[str, Any], assignment_id: str) -> dict[str, Any]:
    """Score every criterion and comment; change it until the deadline."""
    reviewer_id = _reviewer_only()
    return reviewing.submit_review(
        assignment_id, reviewer_id, body["scores"], body["comment"], work()
    )


@blp.route("/<string:assignment_id>/conflict", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(ConflictSchema)
@blp.response(200, ReplacementSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="The secretariat declares no conflicts")
@blp.alt_response(404, description="No such assignment, or not the caller's")
@blp.alt_response(409, description="Already scored or released")
@refusals
def declare_conflict(body: dict[str, Any], assignment_id: str) -> dict[str, Any]:
    """Declare a conflict of interest: the proposal becomes a declared conflict of the
    caller's, the assignment is released and someone else gets it."""
    reviewer_id = _reviewer_only()
    reason = "conflict declared" + (f": {body['reason']}" if body["reason"] else "")
    new_id = reviewing.flag_conflict(assignment_id, reviewer_id, reason[:200], work())
    return {"released_assignment_id": assignment_id, "new_assignment_id": new_id}


@blp.route("/<string:assignment_id>/reassign", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(ReassignSchema)
@blp.response(200, ReplacementSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such assignment")
@blp.alt_response(
    409, description="Already scored or released, or the named reviewer has a conflict of interest"
)
@blp.alt_response(422, description="The named reviewer is not eligible")
@refusals
def reassign(body: dict[str, Any], assignment_id: str) -> dict[str, Any]:
    """Give a pending review to another reviewer (named, or the best eligible one)."""
    who = secretariat()
    new_id = reviewing.release_and_replace(
        assignment_id,
        None,
        who.id,
        "reassigned by the secretariat",
        work(),
        body.get("reviewer_id"),
    )
    return {"released_assignment_id": assignment_id, "new_assignment_id": new_id}
