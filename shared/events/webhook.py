"""Payload schemas of the webhook endpoint events: ``webhook.endpoint_changed`` (the
submission service's, on ``inagara.proposals``) and ``webhook.endpoint_disabled`` (the
notification service's, on ``inagara.notifications``), each keyed by the endpoint id.

The endpoint's secret is not in it: both sides derive it (``shared/platform/webhooks.py``).
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.proposal import Lenient

ACTIVE, PAUSED, DELETED = "active", "paused", "deleted"
STATES = (ACTIVE, PAUSED, DELETED)
# What a portal can subscribe to: its proposals' steps (not the reviewers' work).
EVENT_TYPES = (
    "proposal.submitted",
    "proposal.resubmitted",
    "proposal.withdrawn",
    "proposal.scored",
    "proposal.revision_requested",
    "proposal.rejected",
    "proposal.shortlisted",
    "proposal.awarded",
    "proposal.not_awarded",
)


class WebhookEndpointChangedV1(Lenient):
    """``webhook.endpoint_changed`` v1: an agency registered, changed, paused, rotated the
    secret of, or deleted a webhook endpoint; the payload is the endpoint as it is now."""

    endpoint_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    revision = fields.Integer(
        required=True, strict=True, metadata={"description": "grows with every change"}
    )
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    generation = fields.Integer(
        required=True, strict=True, metadata={"description": "the signing secret's generation"}
    )
    previous_valid_until = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "the previous secret still signs until then (rotation grace)"},
    )
    contact_email = fields.Email(
        load_default=None, allow_none=True, metadata={"description": "told when it is disabled"}
    )
    changed_at = fields.AwareDateTime(required=True)


class WebhookEndpointDisabledV1(Lenient):
    """``webhook.endpoint_disabled`` v1: the notification service stopped sending to an
    endpoint whose deliveries failed for the retry period (its events are kept and sent,
    in order, once the agency changes the endpoint again)."""

    endpoint_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    revision = fields.Integer(
        required=True,
        strict=True,
        metadata={
            "description": "the endpoint's revision that was disabled: a later one "
            "(the agency changed the endpoint since) enables it again"
        },
    )
    reason = fields.String(
        required=True, metadata={"description": "the last failed attempt (first 300 characters)"}
    )
    disabled_at = fields.AwareDateTime(required=True)
