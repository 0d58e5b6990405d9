"""Award cycles: dates, rubrics, ranking, what-if, participation, panel, awards."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.review.api.idempotency import DOC, create_once
from services.review.api.principal import (
    caller,
    context,
    review_settings,
    secretariat,
    transaction,
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
    RankingQuerySchema,
    RankingSchema,
    RubricSchema,
    WhatIfSchema,
)
from services.review.domain import scoring
from services.review.domain.rubric import ROUNDS
from services.review.store import cycles
from services.review.usecases import cycles as cases
from services.review.usecases import decisions

blp = Blueprint(
    "cycles", __name__, url_prefix="/v1/cycles", description="Award cycles (secretariat)."
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def _round(round: str) -> str:
    if round not in ROUNDS:
        abort(404, message=f"Rounds are {', '.join(ROUNDS)}.")
    return round


@blp.route("")
class Cycles(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, CycleListSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    def get(self) -> dict[str, Any]:
        """Every cycle, newest year first."""
        secretariat()
        with transaction() as conn:
            return {"items": cycles.listing(conn)}

    @blp.doc(security=SECURED)
    @blp.arguments(CycleSchema)
    @blp.response(201, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(422, description="Invalid fields or dates out of order")
    @blp.doc(**DOC)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a cycle (default rubrics unless given); publishes `cycle.scheduled`."""
        who = secretariat()
        if body.get("disagreement_spread") is None:
            body["disagreement_spread"] = review_settings().disagreement_spread
        return create_once(who, CycleSchema(), lambda conn: cases.create_cycle(conn, body, who.id))


@blp.route("/<string:cycle_id>")
class Cycle(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle")
    def get(self, cycle_id: str) -> dict[str, Any]:
        """One cycle."""
        secretariat()
        with context().engine.connect() as conn:
            cycle = cycles.get(conn, cycle_id)
        if cycle is None:
            abort(404, message="No such cycle.")
        assert cycle is not None
        return cycle

    @blp.doc(security=SECURED)
    @blp.arguments(CycleChangeSchema)
    @blp.response(200, CycleSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle")
    @blp.alt_response(409, description="The cycle's awards were decided")
    def patch(self, body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
        """Change a cycle; new dates publish `cycle.scheduled` again."""
        who = secretariat()
        with transaction() as conn:
            return cases.change_cycle(conn, cycle_id, body, who.id)


@blp.route("/<string:cycle_id>/rubrics/<string:round>")
class CycleRubric(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, RubricSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(404, description="No such cycle or round")
    def get(self, cycle_id: str, round: str) -> dict[str, Any]:
        """The rubric in force for a round (every account: reviewers score on it)."""
        caller()
        with transaction() as conn:
            return cases.rubric_view(conn, cycle_id, _round(round))

    @blp.doc(security=SECURED)
    @blp.arguments(RubricSchema)
    @blp.response(201, RubricSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(404, description="No such cycle or round")
    def put(self, body: dict[str, Any], cycle_id: str, round: str) -> dict[str, Any]:
        """Add a rubric version. In force at once if nothing was scored yet; otherwise it only
        feeds the what-if report (the scored version stays frozen)."""
        who = secretariat()
        with transaction() as conn:
            return cases.set_rubric(conn, cycle_id, _round(round), body, who.id)


@blp.route("/<string:cycle_id>/rubrics/<string:round>/versions/<int:version>/what-if")
@blp.doc(security=SECURED)
@blp.response(200, WhatIfSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle or version")
def what_if(cycle_id: str, round: str, version: int) -> dict[str, Any]:
    """Read-only: the ranking if the recorded reviews were scored on this rubric version."""
    secretariat()
    with transaction() as conn:
        return cases.what_if(conn, cycle_id, _round(round), version)


@blp.route("/<string:cycle_id>/ranking")
@blp.doc(security=SECURED)
@blp.arguments(RankingQuerySchema, location="query")
@blp.response(200, RankingSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
def ranking(query: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """The cycle's ranking with the disagreement flag; `final` puts finalists first."""
    secretariat()
    with transaction() as conn:
        if cycles.get(conn, cycle_id) is None:
            abort(404, message="No such cycle.")
        round = query["round"]
        items = (
            cases.final_ranking(conn, cycle_id)
            if round == "final"
            else cases.ranking(conn, cycle_id, round)
        )
    return {"round": round, "tie_break": scoring.TIE_BREAK_RULE, "items": items}


@blp.route("/<string:cycle_id>/participation")
@blp.doc(security=SECURED)
@blp.response(200, ParticipationSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
def participation(cycle_id: str) -> dict[str, Any]:
    """'One agency, one innovation': proposals per agency known to review."""
    secretariat()
    with transaction() as conn:
        return cases.participation(conn, cycle_id)


@blp.route("/<string:cycle_id>/panel", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(PanelSchema)
@blp.response(200, PanelResultSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(409, description="A finalist has no panel member without a conflict")
def panel(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Name the panel; every shortlisted proposal gets it for the presentation round."""
    who = secretariat()
    with transaction() as conn:
        return {
            "finalists_assigned": decisions.assign_panel(
                conn, cycle_id, body["reviewer_ids"], who.id
            )
        }


@blp.route("/<string:cycle_id>/awards", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(AwardsSchema)
@blp.response(200, AwardsResultSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(409, description="Decided already, or panel scoring unfinished")
@blp.alt_response(422, description="A named proposal cannot win")
def awards(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Final awards: `proposal.awarded` for the named, `proposal.not_awarded` for every other scored one."""
    who = secretariat()
    with transaction() as conn:
        return decisions.award(conn, cycle_id, body["awards"], body["note"], who.id)
