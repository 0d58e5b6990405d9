"""HTTP edge for an agency's webhook endpoints (docs/PORTALS.md).

The agency's ``agency_admin`` key or the admin token registers endpoints, pauses,
resumes, changes and deletes them, and rotates their signing secret. A URL whose
host is, or resolves to, a loopback, private, link-local or metadata address is
refused (422) unless ``WEBHOOK_ALLOWED_NETWORKS`` allows it; with
``INAGARA_ENVIRONMENT=production`` only https:// URLs are accepted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NoReturn

from flask import Response, url_for
from flask_smorest import Blueprint, abort

from services.submission.api import examples
from services.submission.api.agencies import OWN_AGENCY, SECURITY
from services.submission.api.auth import agency_admin_or_admin, ctx, work
from services.submission.api.errors import BODY_PROBLEMS, problems
from services.submission.api.idempotency import IdempotencyHeaderSchema, idempotent
from services.submission.api.proposals import json_response
from services.submission.api.schemas import (
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListSchema,
    WebhookSchema,
    WebhookUpdateSchema,
)
from services.submission.usecases import webhooks as usecases
from shared.platform import egress, webhooks

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1",
    description="An agency's webhook endpoints: every event about its proposals, posted "
    "as a CloudEvent and signed the Standard Webhooks way (`webhook-id`, "
    "`webhook-timestamp`, `webhook-signature`). Needs the agency's `agency_admin` key or "
    "the admin token.",
)
NO_ENDPOINT = {**OWN_AGENCY, 404: "No such agency or endpoint (another agency's looks the same)"}


def rules() -> usecases.WebhookRules:
    settings = ctx().settings
    return usecases.WebhookRules(
        secret_key=webhooks.secret_key(settings),
        allowed=egress.networks(settings.webhook_allowed_networks),
        https_only=settings.production,
        grace=timedelta(seconds=settings.webhook_rotation_grace_s),
    )


def _refused(exc: egress.Refused) -> NoReturn:
    abort(422, errors={"url": [str(exc)]})
    raise AssertionError("abort raises")


def _no_endpoint() -> NoReturn:
    abort(404, message="No webhook endpoint with this id.", code="webhook.not_found")
    raise AssertionError("abort raises")


@blp.route("/agencies/<string:agency_id>/webhooks", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(WebhookCreateSchema, example=examples.WEBHOOK)
@blp.response(201, WebhookCreatedSchema)
@problems(
    blp,
    {**OWN_AGENCY, 409: "A request with this Idempotency-Key is still running", **BODY_PROBLEMS},
)
@idempotent
def create_webhook(body: dict[str, Any], agency_id: str, **_: Any) -> Response:
    """Register an endpoint. The signing secret is in this answer only; store it now."""
    try:
        view = usecases.register_endpoint(agency_id, body, rules(), work())
    except egress.Refused as exc:
        _refused(exc)
    except usecases.AgencyNotFound:
        abort(404, message="No agency with this id.", code="agency.not_found")
    response = json_response(view, 201)
    response.headers["Location"] = url_for(
        "webhooks.get_webhook", agency_id=agency_id, endpoint_id=view["id"]
    )
    return response


@blp.route("/agencies/<string:agency_id>/webhooks", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(200, WebhookListSchema)
@problems(blp, OWN_AGENCY)
def list_webhooks(agency_id: str) -> Response:
    """The agency's endpoints (never their secrets)."""
    return json_response({"items": usecases.list_endpoints(agency_id, work())})


@blp.route("/agencies/<string:agency_id>/webhooks/<string:endpoint_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(200, WebhookSchema)
@problems(blp, NO_ENDPOINT)
def get_webhook(agency_id: str, endpoint_id: str) -> Response:
    """One endpoint."""
    try:
        return json_response(usecases.get_endpoint(agency_id, endpoint_id, work()))
    except usecases.EndpointNotFound:
        _no_endpoint()


@blp.route("/agencies/<string:agency_id>/webhooks/<string:endpoint_id>", methods=["PATCH"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.arguments(WebhookUpdateSchema)
@blp.response(200, WebhookSchema)
@problems(blp, {**NO_ENDPOINT, **BODY_PROBLEMS})
def update_webhook(body: dict[str, Any], agency_id: str, endpoint_id: str) -> Response:
    """Change the URL, description or event types; pause (`state: paused`) or resume
    (`state: active`). Events that happen while an endpoint is paused are not sent to it."""
    try:
        return json_response(
            usecases.change_endpoint(agency_id, endpoint_id, body, rules(), work())
        )
    except egress.Refused as exc:
        _refused(exc)
    except usecases.EndpointNotFound:
        _no_endpoint()


@blp.route("/agencies/<string:agency_id>/webhooks/<string:endpoint_id>/rotate", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(200, WebhookCreatedSchema)
@problems(blp, NO_ENDPOINT)
def rotate_webhook_secret(agency_id: str, endpoint_id: str) -> Response:
    """A new signing secret, in this answer only. Deliveries carry a signature with the
    old secret too until `previous_secret_valid_until` (WEBHOOK_ROTATION_GRACE_S)."""
    try:
        return json_response(usecases.rotate_secret(agency_id, endpoint_id, rules(), work()))
    except usecases.EndpointNotFound:
        _no_endpoint()


@blp.route("/agencies/<string:agency_id>/webhooks/<string:endpoint_id>", methods=["DELETE"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(204)
@problems(blp, NO_ENDPOINT)
def delete_webhook(agency_id: str, endpoint_id: str) -> Response:
    """Delete an endpoint: nothing more is sent to it."""
    try:
        usecases.delete_endpoint(agency_id, endpoint_id, work())
    except usecases.EndpointNotFound:
        _no_endpoint()
    return Response(status=204)
