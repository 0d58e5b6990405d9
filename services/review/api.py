"""HTTP edge of the review service."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from services.review import store
from shared.web import bearer_token, is_admin

blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/v1/proposals",
    description="Proposals received for review (admin token for now).",
)


class ReviewProposalSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "`received` until screened"})
    title = fields.String(required=True)
    agency_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    profile = fields.Dict(required=True)
    submitted_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    correlation_id = fields.String(allow_none=True)


@blp.route("/<string:proposal_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ReviewProposalSchema)
@blp.alt_response(401, description="Missing or wrong admin token")
@blp.alt_response(404, description="Not (yet) received")
def get_proposal(proposal_id: str) -> dict[str, Any]:
    """A proposal as the review service knows it."""
    ctx = current_app.extensions["inagara"]
    if not is_admin(ctx.settings, bearer_token()):
        abort(401, message="Send the admin token as `Authorization: Bearer <token>`.")
    proposal = store.get_proposal(ctx.engine, proposal_id)
    if proposal is None:
        abort(404, message="No proposal with this id has reached review.")
    return proposal
