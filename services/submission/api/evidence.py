"""HTTP edge for evidence files: upload (multipart/form-data), list, read, download, delete."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_smorest import Blueprint

from services.submission.api.auth import agency_required, caller, ctx, work
from services.submission.api.errors import KEY_401, problems
from services.submission.api.idempotency import IdempotencyHeaderSchema, idempotent
from services.submission.api.proposals import json_response
from services.submission.api.schemas import (
    EvidenceListSchema,
    EvidenceSchema,
    EvidenceUploadSchema,
)
from services.submission.usecases import evidence as usecases
from shared.web import accepts_multipart, attachment

blp = Blueprint(
    "evidence",
    __name__,
    url_prefix="/v1/proposals/<string:proposal_id>/evidence",
    description="Evidence files of a proposal: PDF, PNG, JPEG or DOCX, judged by their bytes. "
    "Files can be added and deleted while the proposal is a draft or under revision.",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
NOT_FOUND = {404: "No such proposal for this agency, or no such file"}
STORAGE_DOWN = "Evidence storage does not answer (or lost the file's bytes); retry later"
# Room for the multipart framing around the largest file.
MULTIPART_OVERHEAD = 64 * 1024


@blp.before_request
def _allow_file_sized_bodies() -> None:
    if request.method == "POST":
        request.max_content_length = ctx().settings.max_evidence_file_bytes + MULTIPART_OVERHEAD


def _limits() -> usecases.Limits:
    settings = ctx().settings
    return usecases.Limits(
        settings.max_evidence_file_bytes, settings.max_evidence_bytes_per_proposal
    )


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(EvidenceUploadSchema, location="files")
@blp.response(201, EvidenceSchema)
@problems(
    blp,
    {
        401: KEY_401,
        **NOT_FOUND,
        409: "The proposal is not editable now (`allowed_actions` says what is possible), "
        "or a request with this Idempotency-Key is still running",
        413: "The file, or the proposal's files together, exceed the limit",
        415: "Not a PDF, PNG, JPEG or DOCX file (judged by its bytes), or not multipart/form-data",
        422: "No `file` part, or an Idempotency-Key reused with another file",
        503: STORAGE_DOWN,
    },
)
@idempotent
@accepts_multipart
def upload_evidence(files: dict[str, Any], proposal_id: str, **_: Any) -> Response:
    """Upload one file as the `file` part of a multipart/form-data body.

    The answer carries the stored SHA-256 checksum.
    """
    upload = files["file"]
    command = usecases.UploadEvidence(
        caller().agency.id, proposal_id, upload.filename or "", upload.stream.read(), _limits()
    )
    stored = usecases.upload_evidence(command, work(), ctx().blobs)
    response = json_response(stored, 201)
    response.headers["Location"] = url_for(
        "evidence.get_evidence", proposal_id=proposal_id, evidence_id=stored["id"]
    )
    return response


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, EvidenceListSchema)
@problems(blp, {401: KEY_401, 404: "No such proposal for this agency"})
def list_evidence(proposal_id: str) -> Response:
    """The proposal's files, oldest first."""
    items = usecases.list_evidence(caller().agency.id, proposal_id, work())
    return json_response({"items": items, "total_bytes": sum(i["size"] for i in items)})


@blp.route("/<string:evidence_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, EvidenceSchema)
@problems(blp, {401: KEY_401, **NOT_FOUND})
def get_evidence(proposal_id: str, evidence_id: str) -> Response:
    """One file's metadata."""
    found = usecases.get_evidence(caller().agency.id, proposal_id, evidence_id, work())
    return json_response(found)


@blp.route("/<string:evidence_id>/content", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "The file's bytes, with its content type",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in (
                    "application/pdf",
                    "image/png",
                    "image/jpeg",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            },
        }
    },
)
@agency_required
@problems(
    blp,
    {401: KEY_401, **NOT_FOUND, 503: STORAGE_DOWN},
)
def download_evidence(proposal_id: str, evidence_id: str) -> Response:
    """Download the file (an attachment; the ETag is its SHA-256)."""
    meta, data = usecases.read_evidence(
        caller().agency.id, proposal_id, evidence_id, work(), ctx().blobs
    )
    response = Response(data, mimetype=meta["content_type"])
    response.headers["Content-Disposition"] = attachment(meta["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["ETag"] = f'"{meta["sha256"]}"'
    return response


@blp.route("/<string:evidence_id>", methods=["DELETE"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(204)
@problems(
    blp,
    {
        401: KEY_401,
        **NOT_FOUND,
        409: "The proposal is not editable now (`allowed_actions` says what is possible)",
    },
)
def delete_evidence(proposal_id: str, evidence_id: str) -> Response:
    """Delete a file while the proposal is a draft or under revision."""
    usecases.delete_evidence(caller().agency.id, proposal_id, evidence_id, work(), ctx().blobs)
    return Response(status=204)
