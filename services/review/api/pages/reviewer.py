"""The reviewer's pages: their assignments, scoring one, declaring a conflict (on an
assignment, or up front with an agency)."""

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
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.pages import lists
from services.review.api.pages.base import (
    REFUSALS,
    bp,
    login_required,
    refusal_message,
)
from services.review.api.principal import work
from services.review.domain.errors import NotFound
from services.review.usecases import declarations, queries, registry, reviewing


@bp.route("/assignments")
@login_required("reviewer")
def my_assignments() -> str:
    desk = queries.reviewer_desk(g.user["id"], work())
    proposals = desk["proposals"]

    def text_of(a: dict[str, Any]) -> str:
        p = proposals.get(a["proposal_id"]) or {}
        return f"{p.get('title', '')} {p.get('agency_name', '')} {a['proposal_id']}"

    found = lists.matching(desk["assignments"], text_of)
    return render_template(
        "pages/assignments.html",
        assignments=lists.paged(found),
        anything=bool(desk["assignments"]),
        proposals=proposals,
    )


@bp.route("/assignments/<assignment_id>")
@login_required("reviewer")
def assignment_page(assignment_id: str) -> str:
    try:
        found = queries.assignment_to_score(assignment_id, g.user["id"], work())
    except NotFound:
        abort(404)
    return render_template("pages/assignment.html", **found)


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
        reviewing.submit_review(
            assignment_id, g.user["id"], scores, request.form.get("comment", ""), work()
        )
        flash(_("Your scores are saved. You can change them until the deadline."), "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.assignment_page", assignment_id=assignment_id))


@bp.route("/assignments/<assignment_id>/conflict", methods=["POST"])
@login_required("reviewer")
def declare_conflict(assignment_id: str) -> BaseResponse:
    try:
        reason = request.form.get("reason", "").strip()
        reviewing.flag_conflict(
            assignment_id, g.user["id"], ("conflict declared: " + reason)[:200], work()
        )
        flash(_("Conflict declared; the proposal goes to another reviewer."), "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.my_assignments"))


@bp.route("/conflicts")
@login_required("reviewer")
def my_conflicts() -> str:
    agencies = {a["code"]: a["name"] for a in registry.agencies(work())}
    declared = declarations.of_reviewer(g.user["id"], work())
    return render_template("pages/conflicts.html", declared=declared, agencies=agencies)


@bp.route("/conflicts", methods=["POST"])
@login_required("reviewer")
def declare_agency_conflict() -> BaseResponse:
    try:
        done = declarations.declare(
            g.user["id"],
            "agency",
            request.form.get("target", "")[:50],
            " ".join(request.form.get("reason", "").split())[:200],
            work(),
        )
        flash(
            _("Conflict declared; %(count)d pending review(s) go to another reviewer.")
            % {"count": len(done["released"])},
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.my_conflicts"))


@bp.route("/conflicts/<conflict_id>/withdraw", methods=["POST"])
@login_required("reviewer")
def withdraw_conflict(conflict_id: str) -> BaseResponse:
    try:
        declarations.withdraw(g.user["id"], conflict_id, work())
        flash(_("Declaration withdrawn."), "ok")
    except NotFound:
        abort(404)
    return redirect(url_for("pages.my_conflicts"))
