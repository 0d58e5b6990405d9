"""The agency register as this service knows it; a reviewer's declared conflicts of interest."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort

from services.review.api.principal import caller, refusals, work
from services.review.api.schemas import (
    DeclarationSchema,
    DeclaredListSchema,
    DeclaredSchema,
    RegisteredAgencyListSchema,
)
from services.review.usecases import declarations, registry

blp = Blueprint(
    "conflicts",
    __name__,
    url_prefix="/v1",
    description="The agency register (from the submission service's events); the conflicts "
    "of interest a reviewer declares.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def _reviewer_only() -> str:
    who = caller()
    if who.reads_everything:  # the secretariat, and observers, who never change anything
        abort(403, message="Only a reviewer or panelist declares their conflicts.")
    return who.id


@blp.route("/agencies")
@blp.doc(security=SECURED)
@blp.response(200, RegisteredAgencyListSchema)
@blp.alt_response(401, description="No valid token")
def agencies() -> dict[str, Any]:
    """Every registered agency (code, name, kind, parent), by code."""
    caller()
    return {"items": registry.agencies(work())}


@blp.route("/conflicts")
@blp.doc(security=SECURED)
@blp.response(200, DeclaredListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not a reviewer")
def mine() -> dict[str, Any]:
    """The caller's declared conflicts of interest."""
    return {"items": declarations.of_reviewer(_reviewer_only(), work())}


@blp.route("/conflicts", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(DeclarationSchema)
@blp.response(201, DeclaredSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not a reviewer")
@blp.alt_response(422, description="Unknown agency code (the answer names close matches)")
@refusals
def declare(body: dict[str, Any]) -> dict[str, Any]:
    """Declare a conflict with an agency or a proposal: never assigned it, and pending
    assignments it touches are released and given to someone else (declaring twice is fine)."""
    reviewer_id = _reviewer_only()
    return declarations.declare(reviewer_id, body["kind"], body["target"], body["reason"], work())


@blp.route("/conflicts/<string:conflict_id>", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(204)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not a reviewer")
@blp.alt_response(404, description="No such declaration of the caller's")
@refusals
def withdraw(conflict_id: str) -> None:
    """Withdraw a declaration (what it released stays released)."""
    declarations.withdraw(_reviewer_only(), conflict_id, work())
