"""HTTP edge of the message preview: what an event would send, rendered, never sent (admin token).

The review UI asks here before the secretariat takes a step, so that the texts it
shows are the notification service's own templates with its own policy.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from services.notification.api.deliveries import _require_admin, _work
from services.notification.domain.messages import INSTANT, LANGUAGES
from services.notification.usecases.preview import PREVIEWABLE, preview_messages
from services.notification.usecases.recording import Recorder

previews_blp = Blueprint(
    "previews",
    __name__,
    url_prefix="/v1/previews",
    description="The messages an event would cause, rendered and not sent (admin token).",
)


class PreviewReviewerSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    phone = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    instant_channel = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(INSTANT)
    )


class PreviewRequestSchema(Schema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(PREVIEWABLE),
        metadata={"description": "the event type, e.g. `proposal.shortlisted`"},
    )
    proposal_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(
        load_default=dict,
        metadata={
            "description": "fields of the event's payload the texts use: note, feedback, "
            "award, rank, reasons, deadline, decided_at"
        },
    )
    reviewer = fields.Nested(
        PreviewReviewerSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "the reviewer of `review.assigned` or `review.reminder_due`"},
    )


class PreviewSchema(Schema):
    channel = fields.String(required=True, metadata={"description": "`email`, `sms` or `whatsapp`"})
    recipient = fields.String(required=True)
    recipient_name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "innovator, agency or reviewer"})
    language = fields.String(required=True)
    template = fields.String(required=True)
    subject = fields.String(
        required=True, metadata={"description": "email: the subject; WhatsApp: the template"}
    )
    text = fields.String(required=True)
    html = fields.String(required=True, metadata={"description": "email only; empty otherwise"})
    note = fields.String(
        allow_none=True,
        metadata={
            "description": "what the limits or a refused WhatsApp number would do instead of "
            "sending at once (skipped, deferred to the digest, by SMS)"
        },
    )


class PreviewListSchema(Schema):
    items = fields.List(fields.Nested(PreviewSchema), required=True)


def _recorder() -> Recorder:
    recorder: Recorder = current_app.extensions["notification_recorder"]
    return recorder


@previews_blp.route("", methods=["POST"])
@previews_blp.doc(security=[{"bearer": []}])
@previews_blp.arguments(PreviewRequestSchema)
@previews_blp.response(200, PreviewListSchema)
@previews_blp.alt_response(401, description="Missing or wrong admin token")
@previews_blp.alt_response(404, description="The proposal is not known to this service (yet)")
def preview(body: dict[str, Any]) -> dict[str, Any]:
    """Every message (recipient and channel) the event would cause now, rendered; nothing is
    recorded or sent."""
    _require_admin()
    shown = preview_messages(
        body["type"], body["proposal_id"], body["data"], _recorder(), _work(), body["reviewer"]
    )
    if shown is None:
        abort(404, message="No such proposal here (yet).", code="proposal.not_found")
        raise AssertionError  # abort raises
    return {"items": [asdict(p) for p in shown]}
