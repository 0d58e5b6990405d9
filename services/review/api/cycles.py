"""Award cycles: dates, rubrics, ranking, what-if, participation, panel, awards."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.review.api.principal import (
    caller,
    create_once,
    idempotent,
    reader,
    refusals,
    review_settings,
    secretariat,
    work,
)
from services.review.api.schemas import (
    AwardsResultSchema,
    AwardsSchema,
    CycleChangeSchema,
    CycleListSchema,
    CycleSchema,
    PanelResultSchema,
    PanelSchema,
    ParticipationSchema,
    PublishResultsSchema,
    RankingQuerySchema,
    RankingSchema,
    ResultsPublicationSchema,
    RubricSchema,
    ScoresQuerySchema,
    ScoresSchema,
    SeasonReportSchema,
    WhatIfSchema,
)
from services.review.domain import scoring
from services.review.domain.rubric import ROUNDS
from services.review.store import outbox
from services.review.usecases import cycles as cases
from services.review.usecases import decisions, publication, queries, season
from services.review.usecases.work import ReviewWork
from shared.web import attachment
from shared.web.idempotency import IdempotencyHeaderSchema

blp = Blueprint(
    "cycles", __name__, url_prefix="/v1/cycles", description="Award cycles (secretariat)."
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def _round(round: str) -> str:
    if round not in ROUNDS:
        abort(404, message=f"Rounds are {', '.join(ROUNDS)}.", code="round.not_found")
    return round


@blp.route("")
class Cycles(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, CycleListSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    def get(self) -> dict[str, Any]:
        """Every cycle, newest year first."""
        reader()
        return {"items": queries.list_cycles(work())}

    @blp.doc(security=SECURED)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(CycleSchema)
    @idempotent
    @blp.response(201, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(409, description="A request with this Idempotency-Key is still running")
    @blp.alt_response(
        422,
        description="Invalid fields or dates out of order, or an Idempotency-Key used with "
        "another request",
    )
    @refusals
    def post(self, body: dict[str, Any], **_: Any) -> Any:
        """Create a cycle (default rubrics unless given); publishes `cycle.scheduled`."""
        who = secretariat()
        if body.get("disagreement_spread") is None:
            body["disagreement_spread"] = review_settings().disagreement_spread
        return create_once(
            CycleSchema(),
            lambda conn: cases.create_cycle(body, who.id, ReviewWork.joining(conn, outbox)),
        )


@blp.route("/<string:cycle_id>")
class Cycle(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle")
    def get(self, cycle_id: str) -> dict[str, Any]:
        """One cycle."""
        reader()
        cycle = queries.get_cycle(cycle_id, work())
        if cycle is None:
            abort(404, message="No such cycle.", code="cycle.not_found")
        assert cycle is not None
        return cycle

    @blp.doc(security=SECURED)
    @blp.arguments(CycleChangeSchema)
    @blp.response(200, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle")
    @blp.alt_response(409, description="The cycle's awards were decided")
    @refusals
    def patch(self, body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
        """Change a cycle; new dates publish `cycle.scheduled` again."""
        who = secretariat()
        return cases.change_cycle(cycle_id, body, who.id, work())


@blp.route("/<string:cycle_id>/rubrics/<string:round>")
class CycleRubric(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, RubricSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(404, description="No such cycle or round")
    @refusals
    def get(self, cycle_id: str, round: str) -> dict[str, Any]:
        """The rubric in force for a round (every account: reviewers score on it)."""
        caller()
        return cases.rubric_view(cycle_id, _round(round), work())

    @blp.doc(security=SECURED)
    @blp.arguments(RubricSchema)
    @blp.response(201, RubricSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle or round")
    @refusals
    def put(self, body: dict[str, Any], cycle_id: str, round: str) -> dict[str, Any]:
        """Add a rubric version. In force at once if nothing was scored yet; otherwise it only
        feeds the what-if report (the scored version stays frozen)."""
        who = secretariat()
        return cases.set_rubric(cycle_id, _round(round), body, who.id, work())


@blp.route(
    "/<string:cycle_id>/rubrics/<string:round>/versions/<int(max=2147483647):version>/what-if"
)
@blp.doc(security=SECURED)
@blp.response(200, WhatIfSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle or version")
@refusals
def what_if(cycle_id: str, round: str, version: int) -> dict[str, Any]:
    """Read-only: the ranking if the recorded reviews were scored on this rubric version."""
    reader()
    return cases.what_if(cycle_id, _round(round), version, work())


CSV_COLUMNS = [
    "award_category",
    "award_category_name",
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
    "verification",
    "award",
]


def csv_cell(value: Any) -> Any:
    # A cell starting like a formula would run in a spreadsheet: neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _ranking_csv(cycle_id: str, round: str, answer: dict[str, Any]) -> Response:
    groups = answer["by_category"] or [{"code": "", "name": "", "items": answer["items"]}]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        for r in group["items"]:
            row = {
                **r,
                "award_category": group["code"],
                "award_category_name": group["name"],
                "reviewer_totals": " ".join(str(t) for t in r["reviewer_totals"]),
                "disagreement": "yes" if r["disagreement"] else "no",
            }
            writer.writerow([csv_cell(row.get(c)) for c in CSV_COLUMNS])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = attachment(f"ranking-{round}-{cycle_id}.csv")
    return response


@blp.route("/<string:cycle_id>/ranking")
@blp.doc(
    security=SECURED,
    responses={
        "200": {
            "description": "The ranking (JSON), or with `format=csv` a spreadsheet",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Ranking"}},
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(CSV_COLUMNS) + "\n",
                },
            },
        }
    },
)
@blp.arguments(RankingQuerySchema, location="query")
@blp.response(200, RankingSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
def ranking(query: dict[str, Any], cycle_id: str) -> Any:
    """The cycle's ranking with the disagreement flag; `final` puts finalists first. With award
    categories, `by_category` ranks each category on its own, side by side; `format=csv`
    exports them (one row per proposal, with its category)."""
    reader()
    round = query["round"]
    items = queries.cycle_ranking(cycle_id, round, work(), query.get("category"))
    if items is None:
        abort(404, message="No such cycle.", code="cycle.not_found")
    answer = {
        "round": round,
        "tie_break": scoring.TIE_BREAK_RULE,
        "items": items,
        "by_category": queries.category_rankings(cycle_id, round, work()),
    }
    return _ranking_csv(cycle_id, round, answer) if query.get("format") == "csv" else answer


def _scores_csv(cycle_id: str, rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(season.SCORE_COLUMNS)
    for r in rows:
        row = {
            **r,
            "award_category": r["award_category"] or "",
            "scores": " ".join(f"{k}={v}" for k, v in sorted(r["scores"].items())),
            "submitted_at": r["submitted_at"].isoformat() if r["submitted_at"] else "",
        }
        writer.writerow([csv_cell(row.get(c)) for c in season.SCORE_COLUMNS])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = attachment(f"scores-{cycle_id}.csv")
    return response


@blp.route("/<string:cycle_id>/scores")
@blp.doc(
    security=SECURED,
    responses={
        "200": {
            "description": "Every submitted review (JSON), or with `format=csv` a spreadsheet",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Scores"}},
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(season.SCORE_COLUMNS) + "\n",
                },
            },
        }
    },
)
@blp.arguments(ScoresQuerySchema, location="query")
@blp.response(200, ScoresSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such cycle")
def scores(query: dict[str, Any], cycle_id: str) -> Any:
    """Every submitted score of the cycle, per award category (`category` for one): each
    review's criteria, weighted total and comment, as JSON or `format=csv`."""
    reader()
    rows = season.cycle_scores(cycle_id, work(), query.get("category"))
    if rows is None:
        abort(404, message="No such cycle.", code="cycle.not_found")
    return _scores_csv(cycle_id, rows) if query.get("format") == "csv" else {"items": rows}


@blp.route("/<string:cycle_id>/report")
@blp.doc(security=SECURED)
@blp.response(200, SeasonReportSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such cycle")
def season_report(cycle_id: str) -> Any:
    """The season report for the mayor's office: proposals per stage, per agency and per
    award category, participation and winners (printable at `/ui/cycles/{id}/report`)."""
    reader()
    report = season.season_report(cycle_id, work())
    if report is None:
        abort(404, message="No such cycle.", code="cycle.not_found")
    return report


@blp.route("/<string:cycle_id>/participation")
@blp.doc(security=SECURED)
@blp.response(200, ParticipationSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@refusals
def participation(cycle_id: str) -> dict[str, Any]:
    """'One agency, one innovation': proposals per agency known to review."""
    reader()
    return cases.participation(cycle_id, work())


@blp.route("/<string:cycle_id>/panel", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(PanelSchema)
@blp.response(200, PanelResultSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(409, description="A finalist has no panel member without a conflict")
@refusals
def panel(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Name the panel (the cycle's, or with `category` that award category's own); every
    shortlisted proposal in scope gets it for the presentation round."""
    who = secretariat()
    assigned = decisions.assign_panel(
        cycle_id, body["reviewer_ids"], who.id, work(), body.get("category")
    )
    return {"finalists_assigned": assigned}


@blp.route("/<string:cycle_id>/awards", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(AwardsSchema)
@blp.response(200, AwardsResultSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(
    409,
    description="Decided already (cycle or category), panel scoring unfinished, or (with "
    "field verification) a named finalist not verified",
)
@blp.alt_response(422, description="A named proposal cannot win")
@refusals
def awards(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Final awards, of the cycle or of one award category: `proposal.awarded` for the named,
    `proposal.not_awarded` for every other scored one in scope."""
    who = secretariat()
    return decisions.award(
        cycle_id, body["awards"], body["note"], who.id, work(), body.get("category")
    )


@blp.route("/<string:cycle_id>/results", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(PublishResultsSchema)
@blp.response(200, ResultsPublicationSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(409, description="An award category's awards are not decided yet")
@refusals
def publish_results(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Publish the cycle's results (`cycle.results_published`): each category's finalists in
    rank order with their awards, scores only with `scores`; again to replace them."""
    who = secretariat()
    published = publication.publish_results(cycle_id, body["scores"], who.id, work())
    return {**published, "entries": len(published["entries"])}
