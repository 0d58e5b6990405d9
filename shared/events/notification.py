"""Payload schemas of the notification events (published on ``inagara.notifications``)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.proposal import Lenient

# "whatsapp" was added to v1 with the WhatsApp channel: no service consumes these events
# (they are the deliveries' audit trail), so no consumer of v1 had to change.
CHANNELS = ("email", "sms", "whatsapp", "webhook")


class DeliveryOutcomeV1(Lenient):
    """``notification.delivered`` / ``notification.failed`` v1: the final state of one message."""

    delivery_id = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    cause_event_type = fields.String(required=True)
    proposal_id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    recipient = fields.String(
        required=True, metadata={"description": "masked: `s***@dinkes.go.id`, `+62812****890`"}
    )
    attempts = fields.Integer(required=True)
    error = fields.String(load_default=None, allow_none=True)
    permanent = fields.Boolean(load_default=None, allow_none=True)
    at = fields.AwareDateTime(required=True)
