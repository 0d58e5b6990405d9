"""Accounts by invitation, password resets by email, and the access audit (with its CSV)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint, abort

from services.review.api.cycles import csv_cell
from services.review.api.link_mail import mail_link
from services.review.api.principal import (
    create_once,
    idempotent,
    now,
    reader,
    refusals,
    review_settings,
    secretariat,
    too_many_failures,
    work,
)
from services.review.api.schemas import (
    AccessAuditListSchema,
    AccessAuditQuerySchema,
    InvitationSchema,
    LinkSentSchema,
    ResetRequestSchema,
    SetPasswordSchema,
    UserSchema,
)
from services.review.store import outbox
from services.review.usecases import access_links, queries
from services.review.usecases.logins import TooManyFailures
from services.review.usecases.work import ReviewWork
from shared.web import PROBLEM_JSON, ProblemSchema
from shared.web.idempotency import IdempotencyHeaderSchema

blp = Blueprint(
    "access",
    __name__,
    url_prefix="/v1",
    description="Invitations, password resets and the audit of every access change.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def _sent(issued: access_links.IssuedLink) -> dict[str, Any]:
    return {"user": issued.user, "expires_at": issued.expires_at, "email_sent": mail_link(issued)}


@blp.route("/invitations", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(InvitationSchema)
@idempotent
@blp.response(201, LinkSentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(409, description="The email has an account")
@refusals
def invite(body: dict[str, Any], **_: Any) -> Any:
    """Invite a person (secretariat): the account is created without a password, and a
    single-use link to set one (valid REVIEW_INVITE_TTL_HOURS) is emailed to them."""
    who = secretariat()
    ttl = review_settings().invite_ttl
    issued: list[access_links.IssuedLink] = []

    def create(conn: Any) -> dict[str, Any]:
        issued.append(
            access_links.invite_user(body, who.id, now(), ttl, ReviewWork.joining(conn, outbox))
        )
        return {"user": issued[0].user, "expires_at": issued[0].expires_at, "email_sent": True}

    created = create_once(LinkSentSchema(), create)
    # Mailed after the commit: the link must exist when the person opens it.
    created["email_sent"] = mail_link(issued[0]) if issued else True
    return created


@blp.route("/users/<string:user_id>/invitation", methods=["POST"])
@blp.doc(security=SECURED)
@blp.response(201, LinkSentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such account")
@blp.alt_response(409, description="The account has set its password already")
@refusals
def invite_again(user_id: str) -> dict[str, Any]:
    """Send a new invitation link (secretariat); the earlier link stops working."""
    who = secretariat()
    ttl = review_settings().invite_ttl
    return _sent(access_links.reinvite_user(user_id, who.id, now(), ttl, work()))


@blp.route("/users/<string:user_id>/password-reset", methods=["POST"])
@blp.doc(security=SECURED)
@blp.response(202, LinkSentSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such active account")
def reset_for(user_id: str) -> dict[str, Any]:
    """Email a password-reset link to an account (secretariat). The current password and
    sessions stay until the link is used."""
    who = secretariat()
    with work() as uow:
        user = uow.people.get(user_id)
    if user is None:
        abort(404, message="No such account.", code="account.not_found")
    assert user is not None
    ttl = review_settings().reset_ttl
    issued = access_links.request_reset(user["email"], who.id, now(), ttl, work())
    if issued is None:
        abort(404, message="The account is deactivated.", code="account.inactive")
    assert issued is not None
    return _sent(issued)


@blp.route("/auth/password-resets", methods=["POST"])
@blp.arguments(ResetRequestSchema)
@blp.response(202)
@blp.alt_response(
    429,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Too many reset requests for the email from this client address, or from the "
    "address, within the window (the REVIEW_LOGIN_* numbers). Retry-After says when.",
    headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
)
def request_reset(body: dict[str, Any]) -> Response:
    """Ask for a password-reset link by email (no token needed). The answer is the same
    whether or not the email has an account; the link lasts REVIEW_RESET_TTL_MINUTES."""
    settings = review_settings()
    issued = access_links.request_own_reset(
        body["email"],
        request.remote_addr or "",
        now(),
        settings.reset_ttl,
        settings.login_limit,
        work(),
    )
    if isinstance(issued, TooManyFailures):
        return too_many_failures(issued)
    if issued is not None:
        mail_link(issued)
    return Response(status=202)


@blp.route("/auth/password", methods=["POST"])
@blp.arguments(SetPasswordSchema)
@blp.response(200, UserSchema)
@blp.alt_response(404, description="The link is unknown, used or expired")
@blp.alt_response(422, description="The password does not meet the policy")
@refusals
def set_password(body: dict[str, Any]) -> dict[str, Any]:
    """Set a password with an invitation or reset link (no token needed). The link is
    used up, and every session of the account ends; log in afterwards."""
    return access_links.set_password(body["link"], body["password"], now(), work())


@blp.route("/access-audit")
@blp.doc(security=SECURED)
@blp.arguments(AccessAuditQuerySchema, location="query")
@blp.response(200, AccessAuditListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
def access_audit(query: dict[str, Any]) -> dict[str, Any]:
    """Every access change, newest first (secretariat, observers): invitations, accepted
    invitations, resets, role changes, deactivations, sessions ended."""
    reader()
    return {"items": queries.access_audit(query.get("user_id"), query["limit"], work())}


@blp.route("/access-audit.csv")
@blp.doc(security=SECURED)
@blp.arguments(AccessAuditQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
def access_audit_csv(query: dict[str, Any]) -> Response:
    """The access audit as CSV (secretariat, observers), for the inspectorate."""
    reader()
    entries = queries.access_audit(query.get("user_id"), query["limit"], work())
    return Response(
        audit_csv(entries),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="access-audit.csv"'},
    )


def audit_csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "account", "before", "after"])
    for entry in entries:
        writer.writerow(
            [
                entry["at"].isoformat() if hasattr(entry["at"], "isoformat") else entry["at"],
                csv_cell(entry["actor"]),
                entry["action"],
                entry["entity_id"],
                csv_cell(json.dumps(entry["before"], ensure_ascii=False))
                if entry["before"]
                else "",
                csv_cell(json.dumps(entry["after"], ensure_ascii=False)) if entry["after"] else "",
            ]
        )
    return out.getvalue()
