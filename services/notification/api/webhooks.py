"""HTTP edge of an endpoint's webhook deliveries, for the agency that owns it.

A portal authenticates with its agency's API key (``Authorization: Bearer inag_…``,
an ``agency_admin`` key of the endpoint's agency: the submission service tells this
one every key issued or revoked, as a hash, with ``agency.api_key_changed``), or the
secretariat with the admin token. The endpoint's signing secret (``Bearer whsec_…``;
the previous one too during a rotation's grace period) is still accepted, for the
portals written against the first release and for keys issued before it (which this
service never heard of). It sees every delivery to the endpoint with every attempt
(status, latency, the answer's first characters) and sends a failed one again (with
the same ``webhook-id``).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from services.notification.api.deliveries import (
    DeliveryDetailSchema,
    DeliveryListSchema,
)
from services.notification.domain.messages import STATUSES, WEBHOOK
from services.notification.domain.webhooks import Endpoint
from services.notification.usecases import operators
from services.notification.usecases.work import NotificationWork, work_factory
from shared.platform import webhooks
from shared.web import LARGEST_INTEGER, ServiceContext, bearer_token, is_admin

webhooks_blp = Blueprint(
    "webhook_deliveries",
    __name__,
    url_prefix="/v1/webhooks/<string:endpoint_id>/deliveries",
    description="An endpoint's webhook deliveries and their attempts; a failed one can be sent "
    "again. Authenticate with an `agency_admin` API key of the endpoint's agency (`Bearer "
    "inag_…`), or the admin token; the endpoint's signing secret (`Bearer whsec_…`) is still "
    "accepted.",
)
SECURITY = [{"bearer": []}]
NOT_YOURS = (
    "Send an agency_admin API key of the endpoint's agency as `Authorization: Bearer inag_…` "
    "(or the endpoint's signing secret)."
)
AGENCY_ADMIN = "agency_admin"


class WebhookDeliveryQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=LARGEST_INTEGER))


def _context() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["inagara"]
    return ctx


def _work() -> NotificationWork:
    return work_factory(_context().engine)()


def _endpoint(endpoint_id: str, presented: str) -> tuple[Endpoint | None, tuple[str, str] | None]:
    """The endpoint, and (agency id, role) of the presented API key if it is one."""
    uow = _work()
    with uow:
        return uow.webhooks.find(endpoint_id), uow.agency_keys.holder(presented)


def _authorize(endpoint_id: str) -> None:
    """The admin token, an agency_admin key of the endpoint's agency, or a signing secret
    of this endpoint that signs now; else 401 (an unknown endpoint looks the same)."""
    settings = _context().settings
    presented = bearer_token() or ""
    if is_admin(settings, presented):
        return
    endpoint, holder = _endpoint(endpoint_id, presented)
    if endpoint is not None and holder == (endpoint.agency_id, AGENCY_ADMIN):
        return
    if endpoint is not None:
        key = webhooks.secret_key(settings)  # type: ignore[arg-type]
        for generation in endpoint.generations(datetime.now(UTC)):
            expected = webhooks.endpoint_secret(key, endpoint_id, generation)
            if hmac.compare_digest(expected.encode(), presented.encode()):
                return
    abort(401, message=NOT_YOURS)


def _own(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    try:
        found = operators.get_delivery(delivery_id, _work())
    except operators.NoSuchDelivery:
        found = None
    if found is None or found["channel"] != WEBHOOK or found["recipient"] != endpoint_id:
        abort(404, message="No such delivery.", code="delivery.not_found")
        raise AssertionError("abort raises")
    return found


@webhooks_blp.route("")
@webhooks_blp.doc(security=SECURITY)
@webhooks_blp.arguments(WebhookDeliveryQuerySchema, location="query")
@webhooks_blp.response(200, DeliveryListSchema)
@webhooks_blp.alt_response(401, description="Not this endpoint's secret (or no such endpoint)")
def list_webhook_deliveries(query: dict[str, Any], endpoint_id: str) -> dict[str, Any]:
    """The endpoint's deliveries, oldest first (`last_error` holds the last answer)."""
    _authorize(endpoint_id)
    limit, offset = query.pop("limit"), query.pop("offset")
    filters = {"channel": WEBHOOK, "recipient": endpoint_id, "status": query["status"]}
    items = operators.list_deliveries(operators.ListDeliveries(filters, limit + 1, offset), _work())
    return {"items": items[:limit], "next_offset": offset + limit if len(items) > limit else None}


@webhooks_blp.route("/<string:delivery_id>")
@webhooks_blp.doc(security=SECURITY)
@webhooks_blp.response(200, DeliveryDetailSchema)
@webhooks_blp.alt_response(401, description="Not this endpoint's secret (or no such endpoint)")
@webhooks_blp.alt_response(404, description="No such delivery to this endpoint")
def get_webhook_delivery(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    """One delivery: the body sent and every attempt (status, latency, answer excerpt)."""
    _authorize(endpoint_id)
    return _own(endpoint_id, delivery_id)


@webhooks_blp.route("/<string:delivery_id>/resend", methods=["POST"])
@webhooks_blp.doc(security=SECURITY)
@webhooks_blp.response(202, DeliveryDetailSchema)
@webhooks_blp.alt_response(401, description="Not this endpoint's secret (or no such endpoint)")
@webhooks_blp.alt_response(404, description="No such delivery to this endpoint")
@webhooks_blp.alt_response(409, description="The delivery has not failed")
def resend_webhook_delivery(endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    """Send a failed delivery again (same `webhook-id`). A disabled endpoint must be
    enabled first (`PATCH` it in the submission API)."""
    _authorize(endpoint_id)
    _own(endpoint_id, delivery_id)
    try:
        return operators.retry_delivery(delivery_id, datetime.now(UTC), _work())
    except operators.NotFailed:
        abort(409, message="Only a failed delivery can be sent again.", code="delivery.not_failed")
        raise
