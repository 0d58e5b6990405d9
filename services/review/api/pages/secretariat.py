"""The secretariat's pages about one proposal: its file, decisions, field
verification, reassignment; and the pipeline status."""

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from services.review.adapters.message_preview import NotificationPreviews, PreviewUnavailable
from services.review.api import pipeline
from services.review.api.pages import audit
from services.review.api.pages.base import (
    REFUSALS,
    bp,
    login_required,
    refusal_message,
)
from services.review.api.pages.cycles import parse_when
from services.review.api.principal import context, review_settings, work
from services.review.domain import states
from services.review.domain.errors import Invalid, NotFound
from services.review.usecases import decisions, queries, reviewing, schedule
from services.review.usecases import objections as objection_cases

# How each decision reads in the "Done:" message.
DECISION_LABELS = {
    "shortlist": _l("shortlisted"),
    "reject": _l("rejected"),
    "request_revision": _l("revision requested"),
}


@bp.route("/proposals/<proposal_id>")
@login_required("secretariat")
def proposal_page(proposal_id: str) -> str:
    found = queries.proposal_file(proposal_id, work())
    if found is None:
        abort(404)
    return render_template(
        "pages/proposal.html",
        **found,
        entries=audit.readable(found["trail"], found["people"]),
        allowed=states.allowed(found["proposal"]["status"]),
        objections=objection_cases.list_objections(work(), proposal_id=proposal_id),
    )


# The event each decision publishes, and where its note goes in the event.
DECISION_EVENTS = {
    "shortlist": ("proposal.shortlisted", "note"),
    "reject": ("proposal.rejected", "note"),
    "request_revision": ("proposal.revision_requested", "feedback"),
}
ROLE_LABELS = {
    "innovator": _l("innovator"),
    "agency": _l("agency contact"),
    "reviewer": _l("reviewer"),
}
CHANNEL_LABELS = {"email": _l("email"), "sms": _l("SMS"), "whatsapp": _l("WhatsApp")}


@bp.route("/proposals/<proposal_id>/preview", methods=["GET", "POST"])
@login_required("secretariat")
def preview_page(proposal_id: str) -> str | BaseResponse:
    """The messages a decision would send, per recipient and channel, before it is taken:
    rendered by the notification service with its own templates. The decision form posts
    here (with its CSRF token) and is sent on to the page's own address, which the
    language switch can reload."""
    decision = request.values.get("decision", "")
    if decision not in DECISION_EVENTS:
        abort(400)
    if request.method == "POST":
        note = request.form.get("note", "")
        return redirect(
            url_for(
                "pages.preview_page",
                proposal_id=proposal_id,
                decision=decision,
                **({"note": note} if note else {}),
            )
        )
    found = queries.proposal_file(proposal_id, work())
    if found is None:
        abort(404)
    note = request.args.get("note", "")
    event_type, field = DECISION_EVENTS[decision]
    previews = NotificationPreviews(
        review_settings().notification_url, context().settings.admin_token
    )
    items, error = None, None
    try:
        items = previews.preview(event_type, proposal_id, {field: note} if note else {})
    except PreviewUnavailable as exc:
        error = str(exc)
    return render_template(
        "pages/preview.html",
        proposal=found["proposal"],
        decision=decision,
        decision_label=DECISION_LABELS[decision],
        note=note,
        items=items,
        error=error,
        roles=ROLE_LABELS,
        channels=CHANNEL_LABELS,
        allowed=states.allowed(found["proposal"]["status"]),
    )


@bp.route("/proposals/<proposal_id>/decision", methods=["POST"])
@login_required("secretariat")
def decide(proposal_id: str) -> BaseResponse:
    decision = request.form.get("decision", "")
    if decision not in decisions.DECISIONS:
        abort(400)
    try:
        decisions.decide(proposal_id, decision, request.form.get("note", ""), g.user["id"], work())
        flash(_("Done: %(decision)s.", decision=DECISION_LABELS[decision]), "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    back = _cycle_url(proposal_id) if request.form.get("back") == "cycle" else None
    return redirect(back or url_for("pages.proposal_page", proposal_id=proposal_id))


def _cycle_url(proposal_id: str) -> str | None:
    try:
        found = queries.get_proposal(proposal_id, None, work())
    except NotFound:
        return None
    return url_for("pages.cycle_page", cycle_id=found["cycle_id"]) if found["cycle_id"] else None


@bp.route("/proposals/<proposal_id>/verification", methods=["POST"])
@login_required("secretariat")
def verify(proposal_id: str) -> BaseResponse:
    result = request.form.get("result", "")
    if result not in decisions.VERIFICATION_RESULTS:
        abort(400)
    try:
        decisions.verify(proposal_id, result, request.form.get("note", ""), g.user["id"], work())
        flash(_("Field verification recorded."), "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))


STEP_LABELS = {"presentation": _l("Presentation"), "visit": _l("Field visit")}


def _step_values(kind: str) -> dict[str, object]:
    """The schedule form as the use case takes it; raises Invalid for what cannot be read."""
    form = request.form
    try:
        starts_at = parse_when(form.get("starts_at", ""))
    except ValueError:
        raise Invalid({"starts_at": [_("A date and time.")]}) from None
    try:
        minutes = int(form.get("duration_minutes", ""))
    except ValueError:
        raise Invalid({"duration_minutes": [_("A number of minutes.")]}) from None
    values: dict[str, object] = {"starts_at": starts_at, "duration_minutes": minutes}
    if kind == "presentation":
        values["place"] = form.get("place", "").strip() or None
        values["online_url"] = form.get("online_url", "").strip() or None
    else:
        values["address"] = form.get("address", "").strip()
        team: list[dict[str, object]] = [
            {"reviewer_id": r} for r in form.getlist("team_reviewer") if r
        ]
        team += [
            {"name": line.strip()}
            for line in form.get("team_names", "").splitlines()
            if line.strip()
        ]
        values["team"] = team
    return values


@bp.route("/proposals/<proposal_id>/schedule/<kind>", methods=["POST"])
@login_required("secretariat")
def schedule_step(proposal_id: str, kind: str) -> BaseResponse:
    """Schedule or reschedule the finalist's presentation or field visit."""
    if kind not in STEP_LABELS:
        abort(404)
    try:
        schedule.schedule(proposal_id, kind, _step_values(kind), g.user["id"], work())
        flash(_("%(step)s scheduled; everyone concerned is told.", step=STEP_LABELS[kind]), "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id) + "#schedule")


@bp.route("/proposals/<proposal_id>/schedule/<kind>/cancel", methods=["POST"])
@login_required("secretariat")
def cancel_step(proposal_id: str, kind: str) -> BaseResponse:
    if kind not in STEP_LABELS:
        abort(404)
    try:
        schedule.cancel(proposal_id, kind, g.user["id"], work())
        flash(_("%(step)s cancelled; everyone concerned is told.", step=STEP_LABELS[kind]), "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id) + "#schedule")


@bp.route("/assignments/<assignment_id>/reassign", methods=["POST"])
@login_required("secretariat")
def reassign(assignment_id: str) -> BaseResponse:
    target = request.form.get("reviewer_id") or None
    try:
        proposal_id = reviewing.own_assignment(assignment_id, None, work())["proposal_id"]
    except NotFound:
        abort(404)
    try:
        reviewing.release_and_replace(
            assignment_id, None, g.user["id"], "reassigned by the secretariat", work(), target
        )
        flash(_("Reassigned."), "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))


@bp.route("/pipeline")
@login_required("secretariat")
def pipeline_page() -> str:
    return render_template(
        "pages/pipeline.html", status=pipeline.current_status(), stage_order=states.STATES
    )
