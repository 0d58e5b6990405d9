"""HTTP edge for data subjects: the consumers' key lookup, the secretariat's erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, g, request
from flask_smorest import Blueprint
from markupsafe import escape
from marshmallow import Schema, ValidationError, fields, validates_schema

from services.submission.adapters.objector_keys import (
    HttpObjectorKeys,
    NoObjectorKeys,
    ObjectorKeys,
)
from services.submission.api.auth import (
    ctx,
    key_reader_required,
    refuse,
    secretariat_or_agency_admin,
    work,
)
from services.submission.api.errors import problems
from services.submission.api.proposals import json_response
from services.submission.usecases import subjects as usecases
from shared.platform.db import scrub_freed_space
from shared.web import attachment

blp = Blueprint(
    "subjects",
    __name__,
    url_prefix="/v1/subjects",
    description="Data subjects (innovators) whose personal fields are sealed in events: the "
    "consumers fetch a subject's key; the secretariat, or an agency admin for its own "
    "innovators, exports or erases a person (docs/PRIVACY.md).",
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
    pending = fields.List(
        fields.String(),
        metadata={
            "description": "the subject ids told by email first and erased when the notice "
            "period (ERASURE_NOTICE_HOURS) is over; empty when erasure is immediate"
        },
    )


PERSON_PROBLEMS = {
    401: "Missing credentials",
    403: "A drafter key",
    404: "An agency admin named someone who is no innovator of its agency",
    422: "Invalid fields",
}
NOT_OWN = "No innovator of your agency's proposals has this email or phone."


def person(body: dict[str, Any]) -> usecases.EraseSubject:
    """The request about a person, with who asks (an agency admin: limited to its own)."""
    agency_id = None if g.caller is None else g.caller.agency.id
    return usecases.EraseSubject(
        email=body.get("email"),
        phone=body.get("phone"),
        requested_by=g.principal,
        agency_id=agency_id,
        match_key=ctx().settings.subject_match_key,
    )


def objector_keys() -> ObjectorKeys | None:
    """Where an export's objector part is opened (None: requests do not reach objectors)."""
    settings = ctx().settings
    if not settings.subject_match_key:
        return None
    if not settings.objector_keys_url:
        return NoObjectorKeys()
    return HttpObjectorKeys(settings.objector_keys_url, settings.subject_keys_token)


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
@secretariat_or_agency_admin
@blp.arguments(ErasureSchema)
@blp.response(200, ErasedSchema)
@problems(blp, PERSON_PROBLEMS)
def erase_subject(body: dict[str, Any]) -> Response:
    """Erase a person (secretariat; an agency admin: its own innovators only), by email or
    phone.

    Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased.

    With `ERASURE_NOTICE_HOURS` set, the person is told by email first
    (`subject.erasure_requested`) and erased when that period is over: the ids are then
    answered as `pending`."""
    notice = timedelta(hours=ctx().settings.erasure_notice_hours)
    try:
        if notice > timedelta(0):
            pending = usecases.request_erasure(person(body), notice, work())
            return json_response({"erased": [], "pending": pending})
        erased = usecases.erase_subject(person(body), work())
    except ValidationError as exc:
        refuse(422, f"phone: {exc.messages}")
    except usecases.NotOwnInnovator:
        refuse(404, NOT_OWN, "subject.not_found")
    scrub_freed_space(ctx().engine)  # no earlier copy of the rows in the database files
    return json_response({"erased": erased, "pending": []})


@blp.route("/exports", methods=["POST"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "JSON (default) or a readable HTML page (`Accept: text/html`)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
@secretariat_or_agency_admin
@blp.arguments(ErasureSchema)
@problems(blp, PERSON_PROBLEMS)
def export_subject(body: dict[str, Any]) -> Response:
    """Everything the submission service holds about a person, by email or phone (secretariat;
    an agency admin: its own innovators only).

    The body names the person, not the URL, so that no access log records who was asked for.
    The review and notification services answer with their parts through events: the whole
    export is at `GET /v1/subjects/exports/<export_id>` (the `export_id` answered here)."""
    try:
        held = usecases.export_subject(person(body), work())
    except ValidationError as exc:
        refuse(422, f"phone: {exc.messages}")
    except usecases.NotOwnInnovator:
        refuse(404, NOT_OWN, "subject.not_found")
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return Response(export_page(held), mimetype="text/html")
    response = json_response(held)
    response.headers["Content-Disposition"] = attachment("data-pribadi.json")
    return response


@blp.route("/exports/<string:export_id>", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "JSON (default) or a readable HTML page (`Accept: text/html`)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
@secretariat_or_agency_admin
@problems(
    blp,
    {401: "Missing credentials", 403: "A drafter key", 404: "Unknown export (or not yours)"},
)
def get_export(export_id: str) -> Response:
    """The whole export of a person (secretariat; an agency admin: the exports it asked
    for): the submission service's part and the
    parts the review and notification services answered with (`complete` once all have,
    `waiting_for` names who has not yet). One JSON file, or a page with `Accept: text/html`."""
    try:
        assembled = usecases.assembled_export(
            export_id,
            work(),
            reader=g.principal,
            own_only=g.caller is not None,
            objector_keys=objector_keys(),
        )
    except usecases.ExportUnknown:
        refuse(404, "No export with this id.", "export.not_found")
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return Response(whole_export_page(assembled), mimetype="text/html")
    response = json_response(assembled)
    response.headers["Content-Disposition"] = attachment("data-pribadi.json")
    return response


def _table(headings: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(str(v if v is not None else '-'))}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def whole_export_page(assembled: dict[str, Any]) -> str:
    """The assembled export as a page a person can read (Bahasa Indonesia), values escaped."""
    held = assembled["submission"]
    notification = [p for p in assembled["notification"] if not p.get("unreadable")]
    review = [p for p in assembled["review"] if not p.get("unreadable")]
    sections = [
        "<h2>Identitas</h2>",
        _table(["Email", "Telepon"], [[s["email"], s["phone"]] for s in held["subjects"]]),
        "<h2>Proposal yang menyebut Anda (layanan pengajuan)</h2>",
        _table(
            ["Judul", "Status", "Nama", "Email", "Telepon"],
            [
                [
                    p["title"],
                    p["status"],
                    p["innovator"].get("name"),
                    p["innovator"].get("email"),
                    p["innovator"].get("phone"),
                ]
                for p in held["proposals"]
            ],
        ),
        "<h2>Penilaian (layanan penilaian)</h2>",
        _table(
            ["Judul", "Status", "Versi"],
            [[r["title"], r["status"], r["version"]] for p in review for r in p["proposals"]],
        ),
        "<h2>Pesan yang dikirim kepada Anda (layanan notifikasi)</h2>",
        _table(
            ["Saluran", "Penerima", "Subjek", "Isi", "Status", "Dibuat", "Terkirim"],
            [
                [
                    d["channel"],
                    d["recipient"],
                    d["subject"],
                    d["body_text"],
                    d["status"],
                    d["created_at"],
                    d["sent_at"],
                ]
                for p in notification
                for d in p["deliveries"]
            ],
        ),
        "<h2>Preferensi pemberitahuan</h2>",
        _table(
            ["Alamat", "Email", "SMS", "Bahasa", "Berhenti berlangganan", "Pesan instan"],
            [
                [r["address"], r["email"], r["sms"], r["language"], r["unsubscribed"], r["instant"]]
                for p in notification
                for r in p["preferences"]
            ],
        ),
    ]
    objectors = [o for o in assembled.get("objectors", []) if "objections" in o]
    sections += [
        "<h2>Keberatan yang Anda ajukan (layanan penilaian, uji publik)</h2>",
        _table(
            [
                "Inovasi",
                "Nama",
                "Email",
                "Telepon",
                "Alasan",
                "Status",
                "Jawaban",
                "Diajukan",
                "Dijawab",
                "Berkas",
            ],
            [
                [
                    o["title"],
                    o["name"],
                    o["email"],
                    o["phone"],
                    o["reason"],
                    o["status"],
                    o["answer"],
                    o["filed_at"],
                    o["answered_at"],
                    (o["file"] or {}).get("name"),
                ]
                for p in objectors
                for o in p["objections"]
            ],
        ),
    ]
    waiting = (
        ""
        if assembled["complete"]
        else "<p>Sebagian layanan belum menjawab; muat ulang halaman ini nanti.</p>"
    )
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        "<title>Data pribadi Anda di Inagara</title></head><body>"
        "<h1>Data pribadi Anda di Inagara</h1>"
        f"<p>Diminta {escape(assembled['requested_at'])}, "
        f"diekspor {escape(assembled['exported_at'])}.</p>{waiting}"
        + "".join(sections)
        + "</body></html>"
    )


def export_page(held: dict[str, Any]) -> str:
    """The export as a page a person can read (Bahasa Indonesia), every value escaped."""
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(v if v is not None else '-'))}</td>"
            for v in (
                p["title"],
                p["status"],
                p["innovator"].get("name"),
                p["innovator"].get("email"),
                p["innovator"].get("phone"),
            )
        )
        + "</tr>"
        for p in held["proposals"]
    )
    asked = held["requested"]
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        "<title>Data pribadi Anda di Inagara</title></head><body>"
        "<h1>Data pribadi Anda di Inagara</h1>"
        f"<p>Permintaan untuk: {escape(asked['email'] or '')} {escape(asked['phone'] or '')}. "
        f"Diekspor {escape(held['exported_at'])}.</p>"
        "<h2>Proposal yang menyebut Anda</h2><table><thead><tr><th>Judul</th><th>Status</th>"
        "<th>Nama</th><th>Email</th><th>Telepon</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
