"""Webhooks as one more kind of delivery: recorded with the event's other deliveries,
sent by the webhook dispatcher (``adapters/webhook.py``), retried, dead-ended and
re-sent like every other delivery.

An endpoint's deliveries are keyed (event id, ``webhook``, endpoint id): one per event
and endpoint. When one has failed for the retry period the endpoint is disabled and
its agency's contact is emailed, once; the agency's next change of the endpoint
(``webhook.endpoint_changed``) enables it again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from services.notification.adapters.rendering import render_email
from services.notification.domain.messages import AGENCY, DEFAULT_LANGUAGE, EMAIL, WEBHOOK, Message
from services.notification.domain.recipients import Proposal
from services.notification.domain.webhooks import (
    DISABLED_TEMPLATE,
    EVENT_TYPES,
    Endpoint,
    cloud_event,
)
from services.notification.store.deliveries import Content
from services.notification.usecases.work import NotificationWork
from shared.events.envelope import Event

log = logging.getLogger(__name__)


def save_endpoint(event: Event, payload: dict[str, Any], uow: NotificationWork) -> None:
    """Project ``webhook.endpoint_changed`` (inside the inbox transaction)."""
    until = payload.get("previous_valid_until")
    endpoint = Endpoint(
        endpoint_id=payload["endpoint_id"],
        agency_id=payload["agency_id"],
        revision=payload["revision"],
        url=payload["url"],
        event_types=tuple(payload["event_types"]),
        state=payload["state"],
        generation=payload["generation"],
        previous_valid_until=datetime.fromisoformat(until) if until else None,
        contact_email=payload.get("contact_email"),
    )
    uow.webhooks.save(endpoint, datetime.now(UTC))


def record_webhooks(
    uow: NotificationWork,
    event: Event,
    payload: dict[str, Any],
    proposal: Proposal | None,
    now: datetime,
) -> int:
    """Record one delivery of ``event`` per endpoint of the proposal's agency that wants
    it; returns how many."""
    if event.type not in EVENT_TYPES:
        return 0
    agency_id = (payload.get("agency") or {}).get("id") or (proposal and proposal.agency_id)
    if not agency_id:
        return 0
    body = cloud_event(
        event_id=event.id,
        event_type=event.type,
        source=event.source,
        subject=event.subject,
        time=event.time,
        dataschema=event.dataschema,
        data=payload,
    )
    recorded = 0
    for endpoint in uow.webhooks.of_agency(agency_id):
        if not endpoint.wants(event.type):
            continue
        message = Message(
            channel=WEBHOOK,
            recipient=endpoint.endpoint_id,
            recipient_name=endpoint.url[:200],
            template=event.type,
            language=DEFAULT_LANGUAGE,
            context={},
            role=AGENCY,
        )
        uow.deliveries.add(
            event, payload["proposal_id"], message, Content("", body), now=now, not_before=now
        )
        recorded += 1
    return recorded


def disable_endpoint(
    uow: NotificationWork, delivery: dict[str, Any], now: datetime, error: str
) -> str | None:
    """Inside an open unit of work: a webhook delivery failed for the retry period, so
    its endpoint stops receiving and the agency's contact hears about it (once, when
    the endpoint is disabled). Returns the email delivery's id, if one was recorded."""
    endpoint = uow.webhooks.find(delivery["recipient"])
    if endpoint is None or not uow.webhooks.disable(endpoint.endpoint_id, now):
        return None
    log.warning("webhook endpoint %s disabled: %s", endpoint.endpoint_id, error)
    if not endpoint.contact_email:
        return None
    message = Message(
        channel=EMAIL,
        recipient=endpoint.contact_email,
        recipient_name=endpoint.contact_email,
        template=DISABLED_TEMPLATE,
        language=DEFAULT_LANGUAGE,
        context={
            "url": endpoint.url,
            "endpoint_id": endpoint.endpoint_id,
            "agency_id": endpoint.agency_id,
            "since": delivery["created_at"].isoformat()
            if isinstance(delivery["created_at"], datetime)
            else str(delivery["created_at"]),
            "error": error[:300],
        },
        role=AGENCY,
    )
    rendered = render_email(message)
    cause = Event(
        id=f"webhook-disabled:{delivery['id']}",
        type="webhook.disabled",
        source="/inagara/notification",
        subject=delivery["proposal_id"],
        data={},
        correlation_id=delivery.get("correlation_id") or "",
    )
    return uow.deliveries.add(
        cause,
        delivery["proposal_id"],
        message,
        Content(rendered.subject, rendered.text, rendered.html),
        now=now,
        not_before=now,
    )
