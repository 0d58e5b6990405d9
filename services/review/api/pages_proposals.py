"""The secretariat's proposal pages: one proposal, a decision, field verification, reassigning a reviewer."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.pages import REFUSALS, bp, login_required, refusal_message, transaction
from services.review.api.principal import context
from services.review.domain import states
from services.review.domain.errors import NotFound
from services.review.store import assignments, audit, people, proposals
from services.review.usecases import decisions, reviewing


@bp.route("/proposals/<proposal_id>")
@login_required("secretariat")
def proposal_page(proposal_id: str) -> str:
    with transaction() as conn:
        proposal = proposals.get(conn, proposal_id)
        if proposal is None:
            abort(404)
        held = assignments.of_proposal(conn, proposal_id)
        trail = audit.entries(conn, proposal_id)
        reviewers = people.listing(conn, role="reviewer")
    return render_template(
        "pages/proposal.html",
        proposal=proposal,
        assignments=held,
        trail=trail,
        reviewers=reviewers,
        allowed=states.allowed(proposal["status"]),
    )


@bp.route("/proposals/<proposal_id>/decision", methods=["POST"])
@login_required("secretariat")
def decide(proposal_id: str) -> BaseResponse:
    decision = request.form.get("decision", "")
    if decision not in decisions.DECISIONS:
        abort(400)
    try:
        with transaction() as conn:
            decisions.decide(
                conn, proposal_id, decision, request.form.get("note", ""), g.user["id"]
            )
        flash(f"Done: {decision.replace('_', ' ')}.", "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    back = _cycle_url(proposal_id) if request.form.get("back") == "cycle" else None
    return redirect(back or url_for("pages.proposal_page", proposal_id=proposal_id))


def _cycle_url(proposal_id: str) -> str | None:
    with context().engine.connect() as conn:
        found = proposals.get(conn, proposal_id)
    return (
        url_for("pages.cycle_page", cycle_id=found["cycle_id"])
        if found and found["cycle_id"]
        else None
    )


@bp.route("/proposals/<proposal_id>/verification", methods=["POST"])
@login_required("secretariat")
def verify(proposal_id: str) -> BaseResponse:
    result = request.form.get("result", "")
    if result not in decisions.VERIFICATION_RESULTS:
        abort(400)
    try:
        with transaction() as conn:
            decisions.verify(conn, proposal_id, result, request.form.get("note", ""), g.user["id"])
        flash("Field verification recorded.", "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))


@bp.route("/assignments/<assignment_id>/reassign", methods=["POST"])
@login_required("secretariat")
def reassign(assignment_id: str) -> BaseResponse:
    target = request.form.get("reviewer_id") or None
    proposal_id = ""
    try:
        with transaction() as conn:
            held = reviewing.own_assignment(conn, assignment_id, None)
            proposal_id = held["proposal_id"]
            reviewing.release_and_replace(
                conn, held, g.user["id"], "reassigned by the secretariat", target
            )
        flash("Reassigned.", "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))
