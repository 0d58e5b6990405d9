"""The public objection window (uji publik) in the API: the secretariat publishes a cycle's
shortlist, lists, answers and resolves objections; anyone, without a login, reads the
published shortlist and files an objection (rate-limited, with spam protection)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from services.review.api.principal import (
    caller,
    is_keys_reader,
    now,
    problem_with,
    reader,
    refusals,
    review_settings,
    secretariat,
    work,
)
from services.review.domain import objections as rules
from services.review.domain.errors import NotFound
from services.review.usecases import objections as cases
from shared.events import sealing
from shared.events.proposal import PhoneNumber
from shared.platform.formats import LANGUAGES
from shared.platform.text import SingleLine
from shared.web import accepts_multipart, attachment, bearer_token

blp = Blueprint(
    "objections",
    __name__,
    url_prefix="/v1",
    description="The public objection window (uji publik): publishing the shortlist, and the "
    "objections the secretariat answers and resolves.",
)


class MultipartParser(FlaskParser):
    """Reads a multipart/form-data body's fields and files as one (``location="multipart"``),
    so that one schema validates and documents the whole form."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Schema) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class PublicBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }


public = PublicBlueprint(
    "public_objections",
    __name__,
    url_prefix="/v1/public",
    description="No login: the published shortlist and filing an objection to it.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
# Room for the multipart framing and the form's fields around the largest file.
MULTIPART_OVERHEAD = 64 * 1024


class PublicationSchema(Schema):
    days = fields.Integer(
        required=True,
        validate=validate.Range(rules.MIN_DAYS, rules.MAX_DAYS),
        metadata={"description": "How many days from now objections are taken"},
    )


class PublicEntrySchema(Schema):
    proposal_id = fields.String()
    title = fields.String()
    agency_code = fields.String()
    agency_name = fields.String()
    summary = fields.String()
    category = fields.String(allow_none=True)
    category_name = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)


class PublishedSchema(Schema):
    cycle_id = fields.String()
    published_at = fields.DateTime()
    objections_close_at = fields.DateTime()
    entries = fields.List(fields.Nested(PublicEntrySchema))


class PublicShortlistSchema(Schema):
    cycle_id = fields.String()
    cycle_name = fields.String()
    open = fields.Boolean(metadata={"description": "Whether objections are taken now"})
    objections_close_at = fields.DateTime(allow_none=True)
    entries = fields.List(fields.Nested(PublicEntrySchema))


class ObjectionFormSchema(Schema):
    proposal_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=rules.NAME_MAX), SingleLine()]
    )
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = PhoneNumber(
        load_default=None, allow_none=True, metadata={"description": "Normalised to E.164"}
    )
    reason = fields.String(
        required=True, validate=validate.Length(min=rules.REASON_MIN, max=rules.REASON_MAX)
    )
    language = fields.String(load_default="id", validate=validate.OneOf(LANGUAGES))
    website = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Leave empty: a field people do not see (spam protection)"},
    )


class ObjectionUploadSchema(ObjectionFormSchema):
    file = Upload(metadata={"description": "Optional: a PDF, PNG or JPEG file"})


class FiledSchema(Schema):
    id = fields.String()
    proposal_id = fields.String()
    title = fields.String()
    status = fields.String()
    filed_at = fields.DateTime()


class ObjectionSchema(Schema):
    id = fields.String()
    cycle_id = fields.String()
    proposal_id = fields.String()
    title = fields.String()
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    language = fields.String()
    reason = fields.String()
    status = fields.String()
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    filed_at = fields.DateTime()
    file_name = fields.String(allow_none=True)
    file_type = fields.String(allow_none=True)
    file_sha256 = fields.String(allow_none=True)


class ObjectionListSchema(Schema):
    items = fields.List(fields.Nested(ObjectionSchema))


class ObjectionQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(rules.STATUSES))


class AnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=rules.ANSWER_MAX))
    status = fields.String(
        load_default=rules.ANSWERED,
        validate=validate.OneOf((rules.ANSWERED, rules.RESOLVED)),
        metadata={"description": "answered (the objector is told), or resolved (closed)"},
    )


@blp.route("/cycles/<string:cycle_id>/shortlist/publication", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(PublicationSchema)
@blp.response(200, PublishedSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such cycle")
@blp.alt_response(409, description="Nothing shortlisted, or the awards were decided")
@refusals
def publish(body: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """Publish the cycle's shortlist for public objection for `days` days
    (`cycle.shortlist_published`); again to extend the window or renew the list."""
    who = secretariat()
    return cases.publish_shortlist(cycle_id, body["days"], who.id, now(), work())


@blp.route("/cycles/<string:cycle_id>/objections")
@blp.doc(security=SECURED)
@blp.arguments(ObjectionQuerySchema, location="query")
@blp.response(200, ObjectionListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such cycle")
@refusals
def cycle_objections(query: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """The cycle's objections, oldest first (`status` to narrow)."""
    reader()
    return {"items": cases.list_objections(work(), cycle_id=cycle_id, status=query.get("status"))}


@blp.route("/proposals/<string:proposal_id>/objections")
@blp.doc(security=SECURED)
@blp.response(200, ObjectionListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such proposal")
@refusals
def proposal_objections(proposal_id: str) -> dict[str, Any]:
    """The objections to one proposal, oldest first."""
    reader()
    return {"items": cases.list_objections(work(), proposal_id=proposal_id)}


@blp.route("/objections/<string:objection_id>")
@blp.doc(security=SECURED)
@blp.response(200, ObjectionSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such objection")
@refusals
def objection(objection_id: str) -> dict[str, Any]:
    """One objection."""
    reader()
    return cases.get_objection(objection_id, work())


@blp.route("/objections/<string:objection_id>/file")
@blp.doc(
    security=SECURED,
    responses={
        "200": {
            "description": "The file the objector attached",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in rules.FILE_TYPES
            },
        }
    },
)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat or an observer")
@blp.alt_response(404, description="No such objection, or it has no file")
@refusals
def objection_file(objection_id: str) -> Response:
    """Download the objection's file."""
    reader()
    found = cases.objection_file(objection_id, work())
    response = Response(bytes(found["file_content"]), mimetype=found["file_type"])
    response.headers["Content-Disposition"] = attachment(found["file_name"] or "lampiran")
    return response


@blp.route("/objections/<string:objection_id>/answer", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(AnswerSchema)
@blp.response(200, ObjectionSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such objection")
@blp.alt_response(409, description="The objection cannot move to that status")
@refusals
def answer(body: dict[str, Any], objection_id: str) -> dict[str, Any]:
    """Answer an objection (`answered`) or resolve it (`resolved`); the objector is emailed
    the answer (`objection.answered`)."""
    who = secretariat()
    return cases.answer_objection(
        objection_id, body["answer"], body["status"], who.id, now(), work()
    )


@public.route("/cycles/<string:cycle_id>/shortlist")
@public.response(200, PublicShortlistSchema)
@public.alt_response(404, description="No such cycle")
@refusals
def public_shortlist(cycle_id: str) -> dict[str, Any]:
    """The cycle's published shortlist while objections are taken (no login)."""
    return cases.public_shortlist(cycle_id, now(), work())


@public.before_request
def _allow_file_sized_bodies() -> None:
    if request.method == "POST":
        request.max_content_length = review_settings().objection_max_file_bytes + MULTIPART_OVERHEAD


def limits() -> cases.Limits:
    settings = review_settings()
    return cases.Limits(
        settings.objections_per_hour,
        settings.objection_max_file_bytes,
        settings.objection_min_fill_s,
        settings.subject_match_key,
    )


def refused_objection(exc: Exception) -> Response | None:
    """A refusal of the objection use case as problem+json, or None for another error."""
    if isinstance(exc, rules.Spam):
        return problem_with(400, "Bad Request", str(exc), code="objection.spam")
    if isinstance(exc, rules.WindowClosed):
        return problem_with(409, "Conflict", str(exc), code="objection.window_closed")
    if isinstance(exc, rules.NotOnShortlist):
        return problem_with(409, "Conflict", str(exc), code="objection.not_shortlisted")
    if isinstance(exc, cases.FileTooLarge):
        return problem_with(413, "Request Entity Too Large", str(exc), code="request.too_large")
    if isinstance(exc, cases.UnsupportedFile):
        return problem_with(
            415, "Unsupported Media Type", str(exc), code="request.unsupported_media_type"
        )
    if isinstance(exc, cases.TooManyObjections):
        response = problem_with(429, "Too Many Requests", str(exc), code="objection.rate_limited")
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    return None


REFUSED = (
    rules.Spam,
    rules.WindowClosed,
    rules.NotOnShortlist,
    cases.FileTooLarge,
    cases.UnsupportedFile,
    cases.TooManyObjections,
)


def command_from(form: dict[str, Any], upload: Any, served_at: Any = None) -> cases.FileObjection:
    return cases.FileObjection(
        proposal_id=form["proposal_id"],
        name=form["name"],
        email=form["email"],
        phone=form.get("phone"),
        reason=form["reason"],
        client=request.remote_addr or "",
        language=form.get("language") or "id",
        honeypot=form.get("website") or "",
        form_served_at=served_at,
        file_name=(upload.filename or "") if upload else "",
        file_content=upload.stream.read() if upload else None,
    )


@public.route("/objections", methods=["POST"])
@public.arguments(ObjectionUploadSchema, location="multipart")
@public.response(201, FiledSchema)
@public.alt_response(400, description="The form looked automated (the hidden field filled)")
@public.alt_response(
    409, description="The window is closed, or the innovation is not on the published shortlist"
)
@public.alt_response(413, description="The file is too large")
@public.alt_response(
    415, description="The file is not a PDF, PNG or JPEG, or the body not multipart/form-data"
)
@public.alt_response(422, description="Invalid fields")
@public.alt_response(429, description="Too many objections from this address; see Retry-After")
@accepts_multipart
def file_objection(form: dict[str, Any]) -> Any:
    """File an objection to an innovation on a published shortlist, as multipart/form-data
    (no login): name, email, optional phone, the reason, an optional `file`. The objector is
    emailed a receipt (`objection.filed`)."""
    try:
        upload = form.get("file")
        return cases.file_objection(command_from(form, upload), limits(), now(), work())
    except REFUSED as exc:
        return refused_objection(exc)


class ObjectorQuerySchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class ErasedSchema(Schema):
    objections = fields.Integer(metadata={"description": "How many objections named them"})


@blp.route("/objectors/export", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(ObjectorQuerySchema)
@blp.response(200, ObjectionListSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
def export_objector(body: dict[str, Any]) -> dict[str, Any]:
    """An access request of an objector: every objection filed with this email (named in
    the body, never in the URL, so that access logs do not record who was asked for)."""
    secretariat()
    return {"items": cases.export_objector(body["email"], work())}


@blp.route("/objectors/erasure", methods=["POST"])
@blp.doc(security=SECURED)
@blp.arguments(ObjectorQuerySchema)
@blp.response(200, ErasedSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
def erase_objector(body: dict[str, Any]) -> dict[str, Any]:
    """Erase an objector: name, email, phone and file gone, their key shredded (their
    `objection.*` events unreadable); the objections stay, pseudonymised."""
    who = secretariat()
    return {"objections": cases.erase_objector(body["email"], who.id, now(), work())}


class SubjectKeySchema(Schema):
    subject = fields.String()
    key = fields.String(metadata={"description": "URL-safe base64 of the 32-byte key"})


@blp.route("/subjects/<string:subject_id>/key")
@blp.doc(security=SECURED)
@blp.response(200, SubjectKeySchema)
@blp.alt_response(401, description="Not SUBJECT_KEYS_TOKEN")
@blp.alt_response(403, description="An account's token: only the keys token reads keys")
@blp.alt_response(404, description="No objector with this subject id")
@blp.alt_response(410, description="The objector was erased: their sealed fields are unreadable")
def objector_key(subject_id: str) -> Any:
    """The key the notification service opens an objector's sealed name and email with
    (`objection.filed`, `objection.answered`); 410 once the objector is erased."""
    if not is_keys_reader(bearer_token()):
        caller()  # 401 for no valid credential
        abort(403, message="Only the notification service (SUBJECT_KEYS_TOKEN) reads keys.")
    try:
        key = cases.objector_key(subject_id, work())
    except cases.ObjectorErased:
        return problem_with(
            410,
            "Gone",
            "The objector was erased; their sealed fields are unreadable.",
            code="subject.erased",
        )
    except NotFound as exc:
        return problem_with(404, "Not Found", str(exc), code=exc.code)
    return {"subject": subject_id, "key": sealing.encode_key(key)}
