"""The secretariat's pages about a cycle: the list, the cycle with its rankings, the
panel, the awards, participation, and the CSV exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Response,
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

from services.review.api.pages import lists
from services.review.api.pages.base import (
    REFUSALS,
    bp,
    login_required,
    refusal_message,
)
from services.review.api.principal import review_settings, work
from services.review.domain import states
from services.review.domain.categories import BY_PROFILE, MATCHABLE
from services.review.domain.errors import Invalid
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import decisions, exports, publication, queries, season
from shared.platform.formats import zone
from shared.web import attachment

# scoring.TIE_BREAK_RULE, word for word, where the catalog's extractor finds it (a unit
# test keeps the two equal).
TIE_BREAK = _l(
    "Higher mean first; on equal means, the higher lowest reviewer total (broad agreement "
    "beats one enthusiast); then the earlier submission; then the proposal id."
)


def parse_when(raw: str) -> datetime:
    """A form's date and time: in the programme's time zone unless it names its offset."""
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=zone(review_settings().time_zone))


def _rules(text: str) -> dict[str, list[str]]:
    """``form=public_service kind=digital,non_digital`` as a category's ``match``."""
    rules: dict[str, list[str]] = {}
    for part in text.split():
        key, sep, values = part.partition("=")
        if not sep or key not in MATCHABLE or not values:
            raise ValueError(_("not a rule: %(rule)s", rule=part))
        rules[key] = [v for v in values.split(",") if v]
    return rules


def categories_from(text: str) -> list[dict[str, Any]]:
    """The form's categories, one a line: code | name | shortlist size | awards | rules."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) not in (4, 5) or not cells[0] or not cells[1]:
            raise ValueError(_("a category line needs 4 or 5 parts: %(line)s", line=line))
        out.append(
            {
                "code": cells[0],
                "name": cells[1],
                "shortlist_size": int(cells[2]),
                "award_count": int(cells[3]),
                "match": _rules(cells[4] if len(cells) == 5 else ""),
            }
        )
    return out


@bp.route("/cycles", methods=["GET", "POST"])
@login_required("secretariat")
def cycle_list() -> str | BaseResponse:
    if request.method == "POST":
        form = request.form
        try:
            values = {
                "name": form["name"].strip(),
                "year": int(form["year"]),
                "submission_opens_at": parse_when(form["submission_opens_at"]),
                "submission_closes_at": parse_when(form["submission_closes_at"]),
                "review_deadline": parse_when(form["review_deadline"]),
                "reviewers_per_proposal": int(form.get("reviewers_per_proposal") or 3),
                "shortlist_size": int(form.get("shortlist_size") or 10),
                "award_count": int(form.get("award_count") or 3),
                "disagreement_spread": float(
                    form.get("disagreement_spread") or review_settings().disagreement_spread
                ),
                "categories": categories_from(form.get("categories", "")),
                "category_by": form.get("category_by") or BY_PROFILE,
                "field_verification": form.get("field_verification") == "on",
                "min_per_agency": int(form.get("min_per_agency") or 0),
                "max_per_agency": int(form["max_per_agency"])
                if form.get("max_per_agency")
                else None,
            }
            if not values["name"]:
                raise Invalid({"name": [_("Required.")]})
            created = cycle_cases.create_cycle(values, g.user["id"], work())
            return redirect(url_for("pages.cycle_page", cycle_id=created["id"]))
        except (KeyError, ValueError) as exc:
            flash(_("Check the fields: %(problem)s", problem=exc), "error")
        except REFUSALS as exc:
            flash(refusal_message(exc), "error")
    found = lists.matching(queries.list_cycles(work()), lambda c: f"{c['name']} {c['year']}")
    return render_template("pages/cycles.html", cycles=lists.paged(found))


@bp.route("/cycles/<cycle_id>")
@login_required("secretariat")
def cycle_page(cycle_id: str) -> str:
    found = queries.cycle_overview(cycle_id, work())
    if found is None:
        abort(404)

    def text_of(p: dict[str, Any]) -> str:
        return f"{p['title']} {p['agency_code']} {p.get('agency_name', '')}"

    every = found["proposals"]
    # The search (?q=) narrows the stages, the assignments and the ranking; the panel and
    # award forms always list every finalist.
    in_cycle = lists.matching(every, text_of)
    shown = {p["id"] for p in in_cycle}
    by_stage: dict[str, list[dict[str, Any]]] = {s: [] for s in states.STATES}
    for p in in_cycle:
        by_stage[p["status"]].append(p)
    finalists = [p for p in every if p["status"] in (states.SHORTLISTED, states.PANEL_SCORED)]
    return render_template(
        "pages/cycle.html",
        cycle=found["cycle"],
        by_category=[
            {**c, "items": [r for r in c["items"] if r["proposal_id"] in shown]}
            for c in found["by_category"]
        ],
        final_by_category=[c for c in found["final_by_category"] if c["items"]],
        category_finalists={
            c["code"]: [p for p in finalists if p["award_category"] == c["code"]]
            for c in found["cycle"]["categories"]
        },
        by_stage={s: ps for s, ps in by_stage.items() if ps},
        ranking=lists.paged([r for r in found["ranking"] if r["proposal_id"] in shown]),
        final=found["final"],
        tie_break=TIE_BREAK,
        reviewers=found["reviewers"],
        finalists=finalists,
        awaiting_panel=[p for p in every if p["status"] == states.SHORTLISTED],
        proposals=lists.paged([p for p in in_cycle if found["held"].get(p["id"])], "apage"),
        held=found["held"],
    )


@bp.route("/cycles/<cycle_id>/panel", methods=["POST"])
@login_required("secretariat")
def name_panel(cycle_id: str) -> BaseResponse:
    try:
        count = decisions.assign_panel(
            cycle_id, request.form.getlist("member"), g.user["id"], work()
        )
        flash(_("Panel named; %(count)s finalists assigned to it.", count=count), "ok")
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/awards", methods=["POST"])
@login_required("secretariat")
def award(cycle_id: str) -> BaseResponse:
    chosen = [
        {"proposal_id": pid, "award": request.form.get(f"award-{pid}", "").strip() or _("Award")}
        for pid in request.form.getlist("winner")
    ]
    try:
        if not chosen:
            raise Invalid({"winner": [_("Tick at least one finalist.")]})
        outcome = decisions.award(
            cycle_id,
            chosen,
            request.form.get("note", ""),
            g.user["id"],
            work(),
            request.form.get("category") or None,
        )
        flash(
            _(
                "Awards decided: %(awarded)s awarded, %(not_awarded)s not awarded.",
                awarded=len(outcome["awarded"]),
                not_awarded=len(outcome["not_awarded"]),
            ),
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/results", methods=["POST"])
@login_required("secretariat")
def publish_results(cycle_id: str) -> BaseResponse:
    try:
        published = publication.publish_results(
            cycle_id, bool(request.form.get("scores")), g.user["id"], work()
        )
        flash(
            _(
                "Results published: %(count)s finalists on the public page.",
                count=len(published["entries"]),
            ),
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/participation")
@login_required("secretariat")
def participation(cycle_id: str) -> str:
    found = queries.cycle_participation(cycle_id, work())
    if found is None:
        abort(404)
    report = found["report"]
    agencies = lists.matching(report["agencies"], lambda a: f"{a['name']} {a['code']}")
    return render_template(
        "pages/participation.html",
        cycle=found["cycle"],
        report=report,
        agencies=lists.paged(agencies),
    )


def _csv(name: str, text: str | None) -> Response:
    if text is None:
        abort(404)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = attachment(name)
    return response


@bp.route("/cycles/<cycle_id>/report")
@login_required("secretariat")
def season_report(cycle_id: str) -> str:
    """The season report for the mayor's office, printable (A4, a print stylesheet)."""
    report = season.season_report(cycle_id, work())
    if report is None:
        abort(404)
    return render_template("pages/season_report.html", report=report)


@bp.route("/cycles/<cycle_id>/ranking.csv")
@login_required("secretariat")
def ranking_csv(cycle_id: str) -> Response:
    return _csv(exports.filename(exports.RANKING, cycle_id), exports.ranking_csv(cycle_id, work()))


@bp.route("/cycles/<cycle_id>/scores.csv")
@login_required("secretariat")
def scores_csv(cycle_id: str) -> Response:
    return _csv(exports.filename(exports.SCORES, cycle_id), exports.scores_csv(cycle_id, work()))


@bp.route("/cycles/<cycle_id>/participation.csv")
@login_required("secretariat")
def participation_csv(cycle_id: str) -> Response:
    return _csv(
        exports.filename(exports.PARTICIPATION, cycle_id),
        exports.participation_csv(cycle_id, work()),
    )


@bp.route("/cycles/<cycle_id>/exports", methods=["POST"])
@login_required("secretariat")
def request_export(cycle_id: str) -> BaseResponse:
    """Ask for a CSV export: the worker builds it while its page refreshes itself."""
    try:
        export = exports.request_export(
            cycle_id, request.form.get("kind", ""), g.user["id"], work()
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
        return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))
    return redirect(url_for("pages.export_page", export_id=export["id"]))


def _export(export_id: str) -> dict[str, Any]:
    found = exports.get_export(export_id, work())
    if found is None:
        abort(404)
    return found


@bp.route("/exports/<export_id>")
@login_required("secretariat")
def export_page(export_id: str) -> str:
    return render_template(
        "pages/export.html",
        export=_export(export_id),
        ttl_hours=review_settings().export_ttl_hours,
    )


@bp.route("/exports/<export_id>/download")
@login_required("secretariat")
def export_download(export_id: str) -> Response:
    found = _export(export_id)
    if found["status"] != "ready":
        abort(404)
    return _csv(found["filename"], found["content"])
