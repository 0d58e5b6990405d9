"""The public objection form (uji publik), no login: ``/publik/keberatan?proposal=<id>``
shows the innovation and the form, and files the objection through the same use case as
``POST /v1/public/objections``. The form carries a signed moment (when it was served) for
the least fill time, and a field people do not see (the honeypot)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from marshmallow import ValidationError

from services.review.api.objections import (
    REFUSED,
    ObjectionFormSchema,
    command_from,
    limits,
)
from services.review.api.pages.base import CONTENT_SECURITY_POLICY
from services.review.api.principal import now, work
from services.review.domain import objections as rules
from services.review.usecases import objections as cases

bp = Blueprint("public", __name__, url_prefix="/publik", template_folder="../templates")
FORM_MAX_AGE_S = 4 * 3600


@bp.after_request
def _content_security_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt="inagara objection form")


def _served_at(token: str, proposal_id: str) -> datetime:
    """When the form was served; raises Spam for a missing, forged or stale one."""
    try:
        sent, moment = _signer().loads(token, max_age=FORM_MAX_AGE_S, return_timestamp=True)
    except BadSignature as exc:
        raise rules.Spam("The form expired or did not come from this site.") from exc
    if sent != proposal_id:
        raise rules.Spam("The form was served for another innovation.")
    served: datetime = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return served


def _why(exc: Exception) -> str:
    if isinstance(exc, rules.Spam):
        return _("The form looked automated. Reload the page, fill it in and send it again.")
    if isinstance(exc, rules.WindowClosed):
        return _("The public objection period for this innovation is closed.")
    if isinstance(exc, rules.NotOnShortlist):
        return _("This innovation is not on a published shortlist.")
    if isinstance(exc, cases.FileTooLarge):
        return _("The file is too large.")
    if isinstance(exc, cases.UnsupportedFile):
        return _("Attach a PDF, PNG or JPEG file.")
    return _("Too many objections from your address; try again in an hour.")


def _form(proposal_id: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    try:
        proposal = cases.objectable(proposal_id, now(), work())
    except (rules.WindowClosed, rules.NotOnShortlist) as exc:
        return render_template("public/objection.html", closed=_why(exc)), 409
    token = _signer().dumps(proposal_id)
    page = render_template(
        "public/objection.html", proposal=proposal, token=token, form=request.form, **extra
    )
    return page, status


@bp.route("/keberatan", methods=["GET"])
def objection_form() -> tuple[str, int]:
    return _form(request.args.get("proposal", "")[:36])


@bp.route("/keberatan", methods=["POST"])
def file_objection() -> tuple[str, int]:
    proposal_id = request.form.get("proposal_id", "")[:36]
    sent = request.form.to_dict()
    token = sent.pop("token", "")
    if not sent.get("phone", "").strip():
        sent.pop("phone", None)  # the form's empty field: no phone
    try:
        form = ObjectionFormSchema().load(sent)
    except ValidationError as exc:
        return _form(proposal_id, 422, errors=exc.messages)
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        upload = None
    try:
        served = _served_at(token, proposal_id)
        filed = cases.file_objection(command_from(form, upload, served), limits(), now(), work())
    except REFUSED as exc:
        status = {rules.Spam: 400, cases.FileTooLarge: 413, cases.UnsupportedFile: 415}
        code = next((s for kind, s in status.items() if isinstance(exc, kind)), 409)
        if isinstance(exc, cases.TooManyObjections):
            code = 429
        return _form(proposal_id, code, refused=_why(exc))
    return render_template("public/objection_filed.html", filed=filed), 201
