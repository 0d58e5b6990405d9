"""HTTP edge for cycles: the known submission windows, and who has taken part."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint, abort

from services.submission.api.auth import Admin, admin_required, ctx, resolve, work
from services.submission.api.errors import problems
from services.submission.api.proposals import json_response
from services.submission.api.schemas import (
    CycleListSchema,
    ParticipationQuerySchema,
    ParticipationSchema,
)
from services.submission.store import Caller
from services.submission.usecases import cycles as usecases
from shared.web import attachment

blp = Blueprint(
    "cycles",
    __name__,
    url_prefix="/v1/cycles",
    description="Cycles and their submission windows, as the review service announces them "
    "(or as configured); participation per agency for the secretariat.",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
CSV_COLUMNS = ("agency_id", "code", "name", "type", "parent_code", "submitted")


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, CycleListSchema)
@problems(blp, {401: "Missing, unknown or revoked API key (or admin token)"})
def list_cycles() -> Response:
    """The known cycles and whether each accepts submissions now (any agency key or the admin token)."""
    if not isinstance(resolve(), Admin | Caller):
        abort(
            401, message="Send an agency API key or the admin token as `Authorization: Bearer …`."
        )
    items = usecases.list_cycles(ctx().configured_cycle, datetime.now(UTC), work())
    return json_response({"items": items})


def _wants_csv(query: dict[str, Any]) -> bool:
    if query.get("format"):
        return bool(query["format"] == "csv")
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _as_csv(report: dict[str, Any]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report["agencies"])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = attachment(f"participation-{report['cycle_id']}.csv")
    return response


@blp.route("/<string:cycle_id>/participation", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "Every agency with its count of submitted proposals, and those with none",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Participation"}},
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "agency_id,code,name,type,parent_code,submitted\n",
                },
            },
        }
    },
)
@admin_required
@blp.arguments(ParticipationQuerySchema, location="query")
@blp.response(200, ParticipationSchema)
@problems(
    blp, {401: "Missing or unknown credentials", 403: "Not the admin token", 422: "Invalid format"}
)
def get_participation(query: dict[str, Any], cycle_id: str) -> Response:
    """One agency, one innovation: who has submitted to the cycle, and who has not yet.

    JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Withdrawn
    proposals do not count. An unknown cycle lists every agency with zero.
    """
    report = usecases.get_participation(cycle_id, work(), ctx().configured_cycle)
    return _as_csv(report) if _wants_csv(query) else json_response(report)
