"""HTTP edge of the submission service: agencies submit and read their proposals."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, jsonify
from flask_smorest import Blueprint, abort
from marshmallow import RAISE, Schema, fields, validate

from services.submission import store
from shared.events.proposal import ProposalProfileSchema
from shared.web import bearer_token

blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/v1/proposals",
    description="Proposals of the calling agency (API key as `Authorization: Bearer <key>`).",
)

F = TypeVar("F", bound=Callable[..., Any])


class ProposalCreateSchema(ProposalProfileSchema):
    """The innovation profile; unknown fields are refused so that typos surface."""

    class Meta:
        unknown = RAISE


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Retry with the same key and body to get the same answer and no second proposal."
        },
    )


class ProposalSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "`submitted` on creation"})
    version = fields.Integer(required=True)
    agency_id = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    profile = fields.Nested(ProposalProfileSchema, required=True)


def _ctx() -> Any:
    return current_app.extensions["inagara"]


def agency_required(view: F) -> F:
    """Resolve the calling agency from its API key, or answer 401."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        secret = bearer_token()
        caller = store.authenticate(_ctx().engine, secret) if secret else None
        if caller is None:
            abort(401, message="Send a valid agency API key as `Authorization: Bearer <key>`.")
        g.caller = caller
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@blp.route("", methods=["POST"])
@blp.doc(security=[{"bearer": []}])
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(ProposalCreateSchema)
@blp.response(201, ProposalSchema)
@blp.alt_response(401, description="Missing, unknown or revoked API key")
@blp.alt_response(413, description="Body larger than the limit")
@blp.alt_response(415, description="Body is not application/json")
@blp.alt_response(422, description="Invalid fields, or an Idempotency-Key reused with another body")
@agency_required
def create_proposal(profile: dict[str, Any], idempotency_key: str | None = None) -> Response:
    """Submit a proposal for review."""
    stored = ProposalProfileSchema().dump(profile)
    fingerprint = store.request_fingerprint(stored)
    result = store.submit_proposal(
        _ctx().engine, g.caller, profile, stored, idempotency_key, fingerprint
    )
    if not result.same_request:
        abort(422, message="This Idempotency-Key was used with a different body.")
    return _json(result.body, result.status_code)


@blp.route("/<string:proposal_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ProposalSchema)
@blp.alt_response(401, description="Missing, unknown or revoked API key")
@blp.alt_response(404, description="No such proposal for this agency")
@agency_required
def get_proposal(proposal_id: str) -> Response:
    """One of the calling agency's proposals."""
    proposal = store.get_proposal(_ctx().engine, proposal_id, g.caller.agency.id)
    if proposal is None:
        abort(404, message="No proposal with this id for your agency.")
    return _json(proposal, 200)
