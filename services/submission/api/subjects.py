"""HTTP edge for data subjects: the consumers' key lookup, the secretariat's erasure."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema

from services.submission.api.auth import admin_required, key_reader_required, refuse, work
from services.submission.api.errors import problems
from services.submission.api.proposals import json_response
from services.submission.usecases import subjects as usecases

blp = Blueprint(
    "subjects",
    __name__,
    url_prefix="/v1/subjects",
    description="Data subjects (innovators) whose personal fields are sealed in events: the "
    "consumers fetch a subject's key; the secretariat erases a person (docs/PRIVACY.md).",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


class SubjectKeySchema(Schema):
    subject = fields.String(required=True)
    key = fields.String(required=True, metadata={"description": "URL-safe base64, 32 bytes"})


class ErasureSchema(Schema):
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None)

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("Name the person by email or phone.", "email")


class ErasedSchema(Schema):
    erased = fields.List(fields.String(), metadata={"description": "the subject ids shredded"})


@blp.route("/<string:subject_id>/key", methods=["GET"])
@blp.doc(security=SECURITY)
@key_reader_required
@blp.response(200, SubjectKeySchema)
@problems(blp, {401: "Not SUBJECT_KEYS_TOKEN", 404: "Unknown subject", 410: "Subject erased"})
def get_subject_key(subject_id: str) -> Response:
    """The key a consumer opens a subject's sealed fields with (410 once erased: skip them)."""
    try:
        key = usecases.subject_key(subject_id, work())
    except usecases.SubjectUnknown:
        refuse(404, "No subject with this id.", "subject.not_found")
    except usecases.SubjectErased:
        refuse(410, "The subject was erased; their sealed fields are unreadable.", "subject.erased")
    return json_response({"subject": subject_id, "key": key})


@blp.route("/erasures", methods=["POST"])
@blp.doc(security=SECURITY)
@admin_required
@blp.arguments(ErasureSchema)
@blp.response(200, ErasedSchema)
@problems(blp, {401: "Missing credentials", 403: "Not the admin token", 422: "Invalid fields"})
def erase_subject(body: dict[str, Any]) -> Response:
    """Erase a person (secretariat), by email or phone.

    Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased."""
    command = usecases.EraseSubject(email=body.get("email"), phone=body.get("phone"))
    try:
        erased = usecases.erase_subject(command, work())
    except ValidationError as exc:
        refuse(422, f"phone: {exc.messages}")
    return json_response({"erased": erased})
