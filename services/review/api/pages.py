"""The reviewer and secretariat web pages: server-rendered, session login, CSRF on every form.

Views translate a form into one use case and render the answer; refusals come
back as a message on the page. Output is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from services.review.api import pipeline
from services.review.api.principal import attempt_login, now, review_settings, work
from services.review.domain import rubric, scoring, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from services.review.usecases import accounts, decisions, queries, reviewing
from services.review.usecases import cycles as cycle_cases
from services.review.usecases.logins import TooManyFailures
from shared.web import attachment

bp = Blueprint("pages", __name__, url_prefix="/ui", template_folder="../templates")
F = TypeVar("F", bound=Callable[..., Any])
REFUSALS = (NotFound, Conflict, Invalid, IllegalTransition)
# The pages load nothing from elsewhere and run no script; forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "user": g.get("user"), "now": datetime.now(UTC)}


@bp.after_request
def _content_security_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.app_template_filter("utc_ms")
def _utc_ms(milliseconds: int) -> str:
    """A Kafka record timestamp (ms since the epoch) as UTC text."""
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@bp.before_request
def _load_user_and_check_csrf() -> None:
    g.user = None
    if session.get("token"):
        # A live session row, not just a signed cookie: logout, a password change, a
        # deactivation or "sign out everywhere" end it at once, and it expires.
        g.user = accounts.by_token(session["token"], now(), work(), accounts.UI)
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(
                400,
                description="The form expired or did not come from this site; reload and try again.",
            )


def login_required(role: str | None = None) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("pages.login", next=request.path))
            if role and g.user["role"] != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def refusal_message(exc: Exception) -> str:
    if isinstance(exc, Invalid):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
    return str(exc)


# -- log in and out ------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse:
    if request.method == "POST":
        user = attempt_login(request.form.get("email", ""), request.form.get("password", ""))
        if isinstance(user, TooManyFailures):
            minutes = -(-user.retry_after_s // 60)
            flash(f"Too many failed logins; try again in {minutes} minutes.", "error")
            page = render_template("pages/login.html")
            return page, 429, {"Retry-After": str(user.retry_after_s)}  # type: ignore[return-value]
        if user is None:
            flash("Wrong email or password.", "error")
            return render_template("pages/login.html"), 401  # type: ignore[return-value]
        token, _ = accounts.issue_token(
            user["id"], now(), review_settings().session_ttl, work(), accounts.UI
        )
        session.clear()
        session["token"] = token
        csrf_token()
        target = request.args.get("next", "")
        # Only paths of this site: never an open redirect.
        if not target.startswith("/ui/") or target.startswith("//"):
            target = url_for("pages.home")
        return redirect(target)
    return render_template("pages/login.html")


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    if session.get("token"):
        accounts.end_session(session["token"], work())
    session.clear()
    return redirect(url_for("pages.login"))


@bp.route("/")
@login_required()
def home() -> BaseResponse:
    if g.user["role"] == "secretariat":
        return redirect(url_for("pages.cycle_list"))
    return redirect(url_for("pages.my_assignments"))


# -- reviewer ------------------------------------------------------------------


@bp.route("/assignments")
@login_required("reviewer")
def my_assignments() -> str:
    desk = queries.reviewer_desk(g.user["id"], work())
    return render_template(
        "pages/assignments.html", assignments=desk["assignments"], proposals=desk["proposals"]
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
        reason = request.form.get("reason", "").strip()
        reviewing.release_and_replace(
            assignment_id,
            g.user["id"],
            g.user["id"],
            ("conflict declared: " + reason)[:200],
            work(),
        )
        flash("Conflict declared; the proposal goes to another reviewer.", "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.my_assignments"))


# -- secretariat ---------------------------------------------------------------


def _parse_when(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@bp.route("/cycles", methods=["GET", "POST"])
@login_required("secretariat")
def cycle_list() -> str | BaseResponse:
    if request.method == "POST":
        form = request.form
        try:
            values = {
                "name": form["name"].strip(),
                "year": int(form["year"]),
                "submission_opens_at": _parse_when(form["submission_opens_at"]),
                "submission_closes_at": _parse_when(form["submission_closes_at"]),
                "review_deadline": _parse_when(form["review_deadline"]),
                "reviewers_per_proposal": int(form.get("reviewers_per_proposal") or 3),
                "shortlist_size": int(form.get("shortlist_size") or 10),
                "award_count": int(form.get("award_count") or 3),
                "disagreement_spread": float(
                    form.get("disagreement_spread") or review_settings().disagreement_spread
                ),
            }
            if not values["name"]:
                raise Invalid({"name": ["Required."]})
            created = cycle_cases.create_cycle(values, g.user["id"], work())
            return redirect(url_for("pages.cycle_page", cycle_id=created["id"]))
        except (KeyError, ValueError) as exc:
            flash(f"Check the fields: {exc}", "error")
        except REFUSALS as exc:
            flash(refusal_message(exc), "error")
    return render_template("pages/cycles.html", cycles=queries.list_cycles(work()))


@bp.route("/cycles/<cycle_id>")
@login_required("secretariat")
def cycle_page(cycle_id: str) -> str:
    found = queries.cycle_overview(cycle_id, work())
    if found is None:
        abort(404)
    in_cycle = found["proposals"]
    by_stage: dict[str, list[dict[str, Any]]] = {s: [] for s in states.STATES}
    for p in in_cycle:
        by_stage[p["status"]].append(p)
    return render_template(
        "pages/cycle.html",
        cycle=found["cycle"],
        by_stage={s: ps for s, ps in by_stage.items() if ps},
        ranking=found["ranking"],
        final=found["final"],
        tie_break=scoring.TIE_BREAK_RULE,
        reviewers=found["reviewers"],
        finalists=[p for p in in_cycle if p["status"] in (states.SHORTLISTED, states.PANEL_SCORED)],
        awaiting_panel=[p for p in in_cycle if p["status"] == states.SHORTLISTED],
        proposals=in_cycle,
        held=found["held"],
    )


@bp.route("/proposals/<proposal_id>")
@login_required("secretariat")
def proposal_page(proposal_id: str) -> str:
    found = queries.proposal_file(proposal_id, work())
    if found is None:
        abort(404)
    return render_template(
        "pages/proposal.html", **found, allowed=states.allowed(found["proposal"]["status"])
    )


@bp.route("/proposals/<proposal_id>/decision", methods=["POST"])
@login_required("secretariat")
def decide(proposal_id: str) -> BaseResponse:
    decision = request.form.get("decision", "")
    if decision not in decisions.DECISIONS:
        abort(400)
    try:
        decisions.decide(proposal_id, decision, request.form.get("note", ""), g.user["id"], work())
        flash(f"Done: {decision.replace('_', ' ')}.", "ok")
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
        flash("Field verification recorded.", "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))


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
        flash("Reassigned.", "ok")
    except NotFound:
        abort(404)
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.proposal_page", proposal_id=proposal_id))


@bp.route("/cycles/<cycle_id>/panel", methods=["POST"])
@login_required("secretariat")
def name_panel(cycle_id: str) -> BaseResponse:
    try:
        count = decisions.assign_panel(
            cycle_id, request.form.getlist("member"), g.user["id"], work()
        )
        flash(f"Panel named; {count} finalists assigned to it.", "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/awards", methods=["POST"])
@login_required("secretariat")
def award(cycle_id: str) -> BaseResponse:
    chosen = [
        {"proposal_id": pid, "award": request.form.get(f"award-{pid}", "").strip() or "Award"}
        for pid in request.form.getlist("winner")
    ]
    try:
        if not chosen:
            raise Invalid({"winner": ["Tick at least one finalist."]})
        outcome = decisions.award(
            cycle_id, chosen, request.form.get("note", ""), g.user["id"], work()
        )
        flash(
            f"Awards decided: {len(outcome['awarded'])} awarded, "
            f"{len(outcome['not_awarded'])} not awarded.",
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/pipeline")
@login_required("secretariat")
def pipeline_page() -> str:
    return render_template(
        "pages/pipeline.html", status=pipeline.current_status(), stage_order=states.STATES
    )


@bp.route("/cycles/<cycle_id>/participation")
@login_required("secretariat")
def participation(cycle_id: str) -> str:
    found = queries.cycle_participation(cycle_id, work())
    if found is None:
        abort(404)
    return render_template("pages/participation.html", **found)


def _csv_cell(value: Any) -> Any:
    # A cell starting like a formula would run in a spreadsheet: neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = attachment(name)
    return response


@bp.route("/cycles/<cycle_id>/ranking.csv")
@login_required("secretariat")
def ranking_csv(cycle_id: str) -> Response:
    rows = queries.cycle_ranking(cycle_id, rubric.DESK, work())
    if rows is None:
        abort(404)
    return _csv(
        f"ranking-{cycle_id}.csv",
        [
            "rank",
            "proposal_id",
            "title",
            "agency_code",
            "agency_name",
            "status",
            "mean_score",
            "reviewer_totals",
            "spread",
            "disagreement",
        ],
        [
            [
                r["rank"],
                r["proposal_id"],
                r["title"],
                r["agency_code"],
                r["agency_name"],
                r["status"],
                r["mean_score"],
                " ".join(str(t) for t in r["reviewer_totals"]),
                r["spread"],
                "yes" if r["disagreement"] else "no",
            ]
            for r in rows
        ],
    )


@bp.route("/cycles/<cycle_id>/scores.csv")
@login_required("secretariat")
def scores_csv(cycle_id: str) -> Response:
    found = queries.submitted_scores(cycle_id, work())
    if found is None:
        abort(404)
    rows = [
        [
            r["proposal"]["id"],
            r["proposal"]["title"],
            r["proposal"]["agency_code"],
            r["assignment"]["round"],
            r["reviewer_name"],
            r["assignment"]["rubric_version"],
            r["assignment"]["weighted_total"],
            " ".join(f"{k}={v}" for k, v in sorted((r["assignment"]["scores"] or {}).items())),
            r["assignment"]["comment"] or "",
            r["assignment"]["submitted_at"].isoformat(),
        ]
        for r in found
    ]
    return _csv(
        f"scores-{cycle_id}.csv",
        [
            "proposal_id",
            "title",
            "agency_code",
            "round",
            "reviewer",
            "rubric_version",
            "weighted_total",
            "scores",
            "comment",
            "submitted_at",
        ],
        rows,
    )
