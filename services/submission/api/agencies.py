"""HTTP edge for agencies and their API keys.

The secretariat (admin token) registers agencies and manages everyone's keys;
an agency's own ``agency_admin`` key manages its keys and its contact details.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, g, url_for
from flask_smorest import Blueprint, abort
from sqlalchemy.exc import IntegrityError

from services.submission import domain
from services.submission.api import examples
from services.submission.api.auth import (
    admin_required,
    agency_admin_or_admin,
    agency_required,
    caller,
    ctx,
    work,
)
from services.submission.api.errors import BODY_PROBLEMS, problems
from services.submission.api.idempotency import IdempotencyHeaderSchema, idempotent
from services.submission.api.proposals import json_response
from services.submission.api.schemas import (
    AgencyCreateSchema,
    AgencyListSchema,
    AgencySchema,
    AgencyUpdateSchema,
    KeyCreatedSchema,
    KeyCreateSchema,
    KeyListSchema,
    WhoAmISchema,
)
from services.submission.usecases import agencies as usecases

blp = Blueprint(
    "agencies",
    __name__,
    url_prefix="/v1",
    description="Agencies and their API keys. Registering agencies needs the admin token; "
    "an agency's `agency_admin` key may manage its own keys and contact details.",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
CREDENTIALS_401 = "Missing or unknown credentials"
ADMIN_ONLY = {401: CREDENTIALS_401, 403: "Not the admin token"}
OWN_AGENCY = {
    401: CREDENTIALS_401,
    403: "A drafter key, or a field only the secretariat may change",
    404: "No such agency (another agency's id looks the same)",
}
SELF_CHANGEABLE = {"contact_email", "contact_phone", "allow_drafter_submit"}


def _no_parent() -> NoReturn:
    abort(422, errors={"parent_id": ["No agency with this id."]})
    raise AssertionError("abort raises")


def _no_agency() -> NoReturn:
    abort(404, message="No agency with this id.", code="agency.not_found")
    raise AssertionError("abort raises")


@blp.route("/agencies", methods=["POST"])
@blp.doc(security=SECURITY)
@admin_required
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(AgencyCreateSchema, example=examples.AGENCY)
@blp.response(201, AgencySchema)
@problems(
    blp,
    {
        **ADMIN_ONLY,
        409: "An agency with this code exists, or a request with this Idempotency-Key is still running",
        **BODY_PROBLEMS,
    },
)
@idempotent
def create_agency(body: dict[str, Any], **_: Any) -> Response:
    """Register an agency (code, name, type, parent, contact)."""
    try:
        view = usecases.register_agency(body, work())
    except usecases.UnknownParent:
        _no_parent()
    except IntegrityError:
        abort(
            409,
            message=f"An agency with code {body['code']!r} is registered already.",
            code="agency.code_taken",
        )
    response = json_response(view, 201)
    response.headers["Location"] = url_for("agencies.get_agency", agency_id=view["id"])
    return response


@blp.route("/agencies", methods=["GET"])
@blp.doc(security=SECURITY)
@admin_required
@blp.response(200, AgencyListSchema)
@problems(blp, ADMIN_ONLY)
def list_agencies() -> Response:
    """Every registered agency, by code."""
    return json_response({"items": usecases.list_agencies(work())})


@blp.route("/agencies/<string:agency_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(200, AgencySchema)
@problems(blp, OWN_AGENCY)
def get_agency(agency_id: str) -> Response:
    """One agency."""
    found = usecases.get_agency(agency_id, work())
    if found is None:
        _no_agency()
    return json_response(found)


@blp.route("/agencies/<string:agency_id>", methods=["PATCH"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.arguments(AgencyUpdateSchema)
@blp.response(200, AgencySchema)
@problems(blp, {**OWN_AGENCY, **BODY_PROBLEMS})
def update_agency(body: dict[str, Any], agency_id: str) -> Response:
    """Change an agency. Its own administrator may change the contact fields and
    whether drafters may submit directly; the secretariat may change all."""
    if g.caller is not None and set(body) - SELF_CHANGEABLE:
        abort(
            403,
            message="Only the secretariat may change "
            + ", ".join(sorted(set(body) - SELF_CHANGEABLE))
            + ".",
        )
    if body.get("parent_id") == agency_id:
        abort(422, errors={"parent_id": ["An agency cannot be its own parent."]})
    try:
        view = usecases.update_agency(agency_id, body, work())
    except usecases.UnknownParent:
        _no_parent()
    except usecases.AgencyNotFound:
        _no_agency()
    ctx().keys.forget()  # its keys' callers carry the agency as it was
    return json_response(view)


@blp.route("/agencies/<string:agency_id>/keys", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(KeyCreateSchema, example=examples.KEY)
@blp.response(201, KeyCreatedSchema)
@problems(
    blp,
    {**OWN_AGENCY, 409: "A request with this Idempotency-Key is still running", **BODY_PROBLEMS},
)
@idempotent
def create_key(body: dict[str, Any], agency_id: str, **_: Any) -> Response:
    """A new API key for the agency. The secret is in this answer only; store it now."""
    command = usecases.IssueKey(agency_id, body["role"], body.get("label"))
    try:
        return json_response(usecases.issue_key(command, work()), 201)
    except usecases.AgencyNotFound:
        _no_agency()


@blp.route("/agencies/<string:agency_id>/keys", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(200, KeyListSchema)
@problems(blp, OWN_AGENCY)
def list_keys(agency_id: str) -> Response:
    """The agency's keys: prefix, role, last use; never the secret."""
    try:
        return json_response({"items": usecases.list_keys(agency_id, work())})
    except usecases.AgencyNotFound:
        _no_agency()


@blp.route("/agencies/<string:agency_id>/keys/<string:key_id>", methods=["DELETE"])
@blp.doc(security=SECURITY)
@agency_admin_or_admin
@blp.response(204)
@problems(blp, {**OWN_AGENCY, 404: "No such agency or key"})
def revoke_key(agency_id: str, key_id: str) -> Response:
    """Revoke a key. Revoking twice is fine.

    It is refused from the next request on by the web process that revoked it, and by
    every other one within 2 seconds (each remembers a key it accepted that long).
    """
    if not usecases.revoke_key(agency_id, key_id, work()):
        abort(404, message="No key with this id for this agency.", code="api_key.not_found")
    ctx().keys.forget()
    return Response(status=204)


@blp.route("/me", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, WhoAmISchema)
@problems(blp, {401: "Missing, unknown or revoked API key"})
def who_am_i() -> Response:
    """The agency and role of the calling key: what a portal shows after login."""
    me = caller()
    agency = usecases.get_agency(me.agency.id, work())
    return json_response(
        {
            "agency": agency,
            "role": me.role,
            "may_submit": domain.may_send_to_review(me.role, me.agency),
        }
    )
