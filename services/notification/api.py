"""HTTP edge of the notification service."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from services.notification import store
from shared.web import bearer_token, is_admin

blp = Blueprint(
    "deliveries",
    __name__,
    url_prefix="/v1/deliveries",
    description="Emails and SMS sent or due (admin token for now).",
)


class DeliveryQuerySchema(Schema):
    proposal_id = fields.String(load_default=None)


class DeliverySchema(Schema):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    proposal_id = fields.String(required=True)
    channel = fields.String(required=True, metadata={"description": "`email` (SMS follows)"})
    recipient = fields.String(required=True)
    template = fields.String(required=True)
    language = fields.String(required=True)
    subject = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "pending, sending, sent or failed"}
    )
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


@blp.route("")
@blp.doc(security=[{"bearer": []}])
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(401, description="Missing or wrong admin token")
def list_deliveries(query: dict[str, Any]) -> dict[str, Any]:
    """Deliveries, oldest first, optionally of one proposal."""
    ctx = current_app.extensions["inagara"]
    if not is_admin(ctx.settings, bearer_token()):
        abort(401, message="Send the admin token as `Authorization: Bearer <token>`.")
    return {"items": store.list_deliveries(ctx.engine, query["proposal_id"])}
