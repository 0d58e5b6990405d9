"""The reviewer's pages: their assignments, scoring one, declaring a conflict of interest."""

from __future__ import annotations

from typing import Any

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
from services.review.domain.errors import NotFound
from services.review.store import assignments, proposals
from services.review.usecases import reviewing

# -- reviewer ------------------------------------------------------------------


@bp.route("/assignments")
@login_required("reviewer")
def my_assignments() -> str:
    with transaction() as conn:
        held = assignments.of_reviewer(conn, g.user["id"])
        titles = {p["id"]: p for p in proposals.listing(conn, ids=[a["proposal_id"] for a in held])}
    return render_template("pages/assignments.html", assignments=held, proposals=titles)


@bp.route("/assignments/<assignment_id>")
@login_required("reviewer")
def assignment_page(assignment_id: str) -> str:
    with transaction() as conn:
        try:
            held = reviewing.own_assignment(conn, assignment_id, g.user["id"])
        except NotFound:
            abort(404)
        if held["status"] not in assignments.OPEN:
            abort(404)
        proposal = proposals.get(conn, held["proposal_id"])
        used = reviewing.rubric_for(conn, held["cycle_id"], held["round"])
    return render_template("pages/assignment.html", held=held, proposal=proposal, rubric=used)


@bp.route("/assignments/<assignment_id>/review", methods=["POST"])
@login_required("reviewer")
def submit_review(assignment_id: str) -> BaseResponse:
    scores: dict[str, Any] = {}
    for key, value in request.form.items():
        if key.startswith("score-"):
            try:
                scores[key.removeprefix("score-")] = int(value)
            except ValueError:
                scores[key.removeprefix("score-")] = value
    try:
        with transaction() as conn:
            reviewing.submit_review(
                conn, assignment_id, g.user["id"], scores, request.form.get("comment", "")
            )
        flash("Your scores are saved. You can change them until the deadline.", "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.assignment_page", assignment_id=assignment_id))


@bp.route("/assignments/<assignment_id>/conflict", methods=["POST"])
@login_required("reviewer")
def declare_conflict(assignment_id: str) -> BaseResponse:
    try:
        with transaction() as conn:
            held = reviewing.own_assignment(conn, assignment_id, g.user["id"])
            reason = request.form.get("reason", "").strip()
            reviewing.release_and_replace(
                conn, held, g.user["id"], ("conflict declared: " + reason)[:200]
            )
        flash("Conflict declared; the proposal goes to another reviewer.", "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.my_assignments"))
