"""The secretariat's cycle pages: the list, one cycle, naming its panel, deciding its awards."""

from __future__ import annotations

from datetime import UTC, datetime
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
from services.review.api.principal import review_settings
from services.review.domain import rubric, scoring, states
from services.review.domain.errors import Invalid
from services.review.store import assignments, cycles, people, proposals
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import decisions


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
            with transaction() as conn:
                created = cycle_cases.create_cycle(conn, values, g.user["id"])
            return redirect(url_for("pages.cycle_page", cycle_id=created["id"]))
        except (KeyError, ValueError) as exc:
            flash(f"Check the fields: {exc}", "error")
        except REFUSALS as exc:
            flash(refusal_message(exc), "error")
    with transaction() as conn:
        found = cycles.listing(conn)
    return render_template("pages/cycles.html", cycles=found)


@bp.route("/cycles/<cycle_id>")
@login_required("secretariat")
def cycle_page(cycle_id: str) -> str:
    with transaction() as conn:
        cycle = cycles.get(conn, cycle_id)
        if cycle is None:
            abort(404)
        in_cycle = proposals.listing(conn, cycle_id=cycle_id)
        ranking = cycle_cases.ranking(conn, cycle_id, rubric.DESK)
        final = cycle_cases.final_ranking(conn, cycle_id)
        reviewers = people.listing(conn, role="reviewer")
        held = {p["id"]: assignments.of_proposal(conn, p["id"], open_only=True) for p in in_cycle}
    by_stage: dict[str, list[dict[str, Any]]] = {s: [] for s in states.STATES}
    for p in in_cycle:
        by_stage[p["status"]].append(p)
    return render_template(
        "pages/cycle.html",
        cycle=cycle,
        by_stage={s: ps for s, ps in by_stage.items() if ps},
        ranking=ranking,
        final=final,
        tie_break=scoring.TIE_BREAK_RULE,
        reviewers=reviewers,
        finalists=[p for p in in_cycle if p["status"] in (states.SHORTLISTED, states.PANEL_SCORED)],
        awaiting_panel=[p for p in in_cycle if p["status"] == states.SHORTLISTED],
        proposals=in_cycle,
        held=held,
    )


@bp.route("/cycles/<cycle_id>/panel", methods=["POST"])
@login_required("secretariat")
def name_panel(cycle_id: str) -> BaseResponse:
    try:
        with transaction() as conn:
            count = decisions.assign_panel(
                conn, cycle_id, request.form.getlist("member"), g.user["id"]
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
        with transaction() as conn:
            outcome = decisions.award(
                conn, cycle_id, chosen, request.form.get("note", ""), g.user["id"]
            )
        flash(
            f"Awards decided: {len(outcome['awarded'])} awarded, "
            f"{len(outcome['not_awarded'])} not awarded.",
            "ok",
        )
    except REFUSALS as exc:
        flash(refusal_message(exc), "error")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id))
