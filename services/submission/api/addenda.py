"""HTTP edge for addenda: evidence added after submission (a file and a note), listed and
downloaded by the agency; reviewers see them on the proposal in the review service."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from services.submission.api.auth import agency_required, caller, ctx, work
from services.submission.api.errors import KEY_401, problems
from services.submission.api.evidence import MULTIPART_OVERHEAD, STORAGE_DOWN, _limits
from services.submission.api.idempotency import IdempotencyHeaderSchema, idempotent
from services.submission.api.proposals import json_response
from services.submission.api.schemas import (
    NOTE_MAX,
    AddendumListSchema,
    AddendumSchema,
    AddendumUploadSchema,
)
from services.submission.domain.evidence import ACCEPTED
from services.submission.usecases import addenda as usecases
from shared.web import accepts_multipart, attachment, problem

blp = Blueprint(
    "addenda",
    __name__,
    url_prefix="/v1/proposals/<string:proposal_id>/addenda",
    description="Evidence added after submission as a dated addendum (a file and a note) "
    "beside the submitted version: until screening closes (the cycle's submission window) "
    "and whenever a revision is asked for.",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


@blp.before_request
def _allow_file_sized_bodies() -> None:
    if request.method == "POST":
        request.max_content_length = ctx().settings.max_evidence_file_bytes + MULTIPART_OVERHEAD


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(AddendumUploadSchema, location="files")
@blp.response(201, AddendumSchema)
@problems(
    blp,
    {
        401: KEY_401,
        403: "Only the agency administrator (or an allowed drafter) may add an addendum",
        404: "No such proposal for this agency",
        409: "Not submitted (`proposal.illegal_transition`), screening closed with no revision "
        "asked (`addendum.closed`), or a request with this Idempotency-Key still running",
        413: "The file, or the proposal's files together, exceed the limit",
        415: "Not a PDF, PNG, JPEG or DOCX file (judged by its bytes), or not multipart/form-data",
        422: "No `file` part, a note too long, or an Idempotency-Key reused with another file",
        503: STORAGE_DOWN,
    },
)
@idempotent
@accepts_multipart
def add_addendum(files: dict[str, Any], proposal_id: str, **_: Any) -> Response:
    """Add a file (`file` part) with a `note` to a submitted proposal (`proposal.addendum_added`)."""
    note = request.form.get("note", "")
    if len(note) > NOTE_MAX:
        return problem(
            422,
            "Unprocessable Entity",
            "Some fields are missing or invalid; see errors.",
            {"note": [f"Longer than maximum length {NOTE_MAX}."]},
        )
    upload = files["file"]
    command = usecases.AddAddendum(
        caller(),
        proposal_id,
        upload.filename or "",
        upload.stream.read(),
        note,
        _limits(),
        ctx().configured_cycle,
    )
    return json_response(usecases.add_addendum(command, work(), ctx().blobs), 201)


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, AddendumListSchema)
@problems(blp, {401: KEY_401, 404: "No such proposal for this agency"})
def list_addenda(proposal_id: str) -> Response:
    """The proposal's addenda, oldest first."""
    return json_response({"items": usecases.list_addenda(caller().agency.id, proposal_id, work())})


@blp.route("/<string:addendum_id>/content", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "The addendum's file, with its content type",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ACCEPTED
            },
        }
    },
)
@agency_required
@problems(
    blp,
    {401: KEY_401, 404: "No such proposal for this agency, or no such addendum", 503: STORAGE_DOWN},
)
def download_addendum(proposal_id: str, addendum_id: str) -> Response:
    """Download the addendum's file (an attachment; the ETag is its SHA-256)."""
    meta, data = usecases.read_addendum(
        caller().agency.id, proposal_id, addendum_id, work(), ctx().blobs
    )
    response = Response(data, mimetype=meta["content_type"])
    response.headers["Content-Disposition"] = attachment(meta["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["ETag"] = f'"{meta["sha256"]}"'
    return response
