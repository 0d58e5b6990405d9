"""The secretariat's pages of the public objection window: publishing the shortlist (on
the cycle page), the cycle's objections, one objection with its answer form."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.pages.base import REFUSALS, bp, login_required, refusal_message
from services.review.api.pages.language import when
from services.review.api.principal import now, work
from services.review.domain import objections as rules
from services.review.domain.errors import Invalid, NotFound
from services.review.usecases import objections as cases
from services.review.usecases import queries
from shared.web import attachment


@bp.route("/cycles/<cycle_id>/publication", methods=["POST"])
@login_required("secretariat")
def publish_shortlist(cycle_id: str) -> BaseResponse:
    try:
        raw = request.form.get("days", "")
        if not raw.isdigit():
            raise Invalid({"days": [_("Give a number of days.")]})
        published = cases.publish_shortlist(cycle_id, int(raw), g.user["id"], now(), work())
        flash(
            _(
                "Shortlist published: %(count)s innovations, objections until %(when)s.",
                count=len(published["entries"]),
                when=when(published["objections_close_at"]),
            ),
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/objections")
@login_required("secretariat")
def cycle_objections(cycle_id: str) -> str:
    cycle = queries.get_cycle(cycle_id, work())
    if cycle is None:
        abort(404)
    status = request.args.get("status") or None
    if status not in (None, *rules.STATUSES):
        status = None
    items = cases.list_objections(work(), cycle_id=cycle_id, status=status)
    return render_template(
        "pages/objections.html", cycle=cycle, items=items, status=status, statuses=rules.STATUSES
    )


@bp.route("/objections/<objection_id>")
@login_required("secretariat")
def objection_page(objection_id: str) -> str:
    try:
        found = cases.get_objection(objection_id, work())
    except NotFound:
        abort(404)
    return render_template(
        "pages/objection.html", objection=found, moves=rules.MOVES[found["status"]]
    )


@bp.route("/objections/<objection_id>/answer", methods=["POST"])
@login_required("secretariat")
def answer_objection(objection_id: str) -> BaseResponse:
    try:
        cases.answer_objection(
            objection_id,
            request.form.get("answer", ""),
            request.form.get("status", rules.ANSWERED),
            g.user["id"],
            now(),
            work(),
        )
        flash(_("Answer saved."), "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.objection_page", objection_id=objection_id))


@bp.route("/objections/<objection_id>/file")
@login_required("secretariat")
def objection_file(objection_id: str) -> Response:
    try:
        found = cases.objection_file(objection_id, work())
    except NotFound:
        abort(404)
    response = Response(bytes(found["file_content"]), mimetype=found["file_type"])
    response.headers["Content-Disposition"] = attachment(found["file_name"] or "lampiran")
    return response
