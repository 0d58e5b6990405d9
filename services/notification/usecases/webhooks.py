"""Webhooks as one more kind of delivery: recorded with the event's other deliveries,
sent by the webhook dispatcher (``adapters/webhook.py``), retried, dead-ended and
re-sent like every other delivery.

An endpoint's deliveries are keyed (event id, ``webhook``, endpoint id): one per event
and endpoint. When one has failed for the retry period the endpoint is disabled, its
agency's contact is emailed, once, and ``webhook.endpoint_disabled`` tells the
submission service (whose API shows the endpoint's state); the agency's next change of
the endpoint (``webhook.endpoint_changed``) enables it again.

Events are not lost while an endpoint is paused or disabled: their deliveries are
recorded parked (pending, due at ``PARKED``), as are the endpoint's pending ones, and
the one whose failure disabled it. When the endpoint is active again the oldest is due;
as each ends (sent, or failed for good) the next one is (``advance_parked``): they go
out one at a time in the order recorded, and what is recorded meanwhile queues behind.
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
    PARKED,
    Endpoint,
    cloud_event,
)
from services.notification.store.deliveries import Content
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import NOTIFICATIONS, WEBHOOK_ENDPOINT_DISABLED, spec_for
from shared.events.envelope import Event
from shared.events.webhook import DELETED

log = logging.getLogger(__name__)
SOURCE = "/inagara/notification"


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
    now = datetime.now(UTC)
    if not uow.webhooks.save(endpoint, now):
        return
    if endpoint.state == DELETED:
        uow.deliveries.drop_parked_webhooks(endpoint.endpoint_id)
    elif endpoint.sending:
        if uow.deliveries.unpark_webhooks(endpoint.endpoint_id, now):
            log.info(
                "webhook endpoint %s active: its parked deliveries go out", endpoint.endpoint_id
            )
    else:
        uow.deliveries.park_webhooks(endpoint.endpoint_id)


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
    endpoints = [e for e in uow.webhooks.of_agency(agency_id) if e.subscribes(event.type)]
    if not endpoints:
        return 0  # most agencies have none: no body built for nobody
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
    for endpoint in endpoints:
        message = Message(
            channel=WEBHOOK,
            recipient=endpoint.endpoint_id,
            recipient_name=endpoint.url[:200],
            template=event.type,
            language=DEFAULT_LANGUAGE,
            context={},
            role=AGENCY,
        )
        # Paused or disabled: kept, parked, sent when it is active again; behind parked
        # ones (the endpoint was just resumed): parked too, so that none overtakes them.
        parked = not endpoint.sending or uow.deliveries.has_parked(endpoint.endpoint_id)
        due = PARKED if parked else now
        uow.deliveries.add(
            event, payload["proposal_id"], message, Content("", body), now=now, not_before=due
        )
        recorded += 1
    return recorded


def disable_endpoint(
    uow: NotificationWork,
    delivery: dict[str, Any],
    now: datetime,
    error: str,
    privacy_url: str = "",
) -> str | None:
    """Inside an open unit of work: a webhook delivery failed for the retry period, so
    its endpoint stops receiving and the agency's contact hears about it (once, when
    the endpoint is disabled); the delivery is kept for when the endpoint is enabled
    again, also when another one's failure disabled it first. Returns the email
    delivery's id, if one was recorded."""
    endpoint = uow.webhooks.find(delivery["recipient"])
    if endpoint is None:
        return None
    if not uow.webhooks.disable(endpoint.endpoint_id, now):
        # Another delivery's failure disabled it meanwhile (two senders each sent while
        # it was active): this one is kept for when it is enabled, like that one.
        uow.deliveries.park_webhooks(endpoint.endpoint_id, also_failed=delivery["id"])
        return None
    log.warning("webhook endpoint %s disabled: %s", endpoint.endpoint_id, error)
    uow.deliveries.park_webhooks(endpoint.endpoint_id, also_failed=delivery["id"])
    uow.emit(NOTIFICATIONS, _disabled(endpoint, now, error))
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
    rendered = render_email(message, {"privacy_url": privacy_url})
    cause = Event(
        id=f"webhook-disabled:{delivery['id']}",
        type="webhook.disabled",
        source=SOURCE,
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


def _disabled(endpoint: Endpoint, now: datetime, error: str) -> Event:
    spec = spec_for(WEBHOOK_ENDPOINT_DISABLED)
    data = spec.validator.dump(
        {
            "endpoint_id": endpoint.endpoint_id,
            "agency_id": endpoint.agency_id,
            "revision": endpoint.revision,
            "reason": error[:300],
            "disabled_at": now,
        }
    )
    return Event.first(spec.type, SOURCE, endpoint.endpoint_id, data, spec.dataschema)


def advance_parked(uow: NotificationWork, delivery: dict[str, Any], now: datetime) -> None:
    """Inside an open unit of work: a webhook delivery ended (sent, or failed for good);
    the endpoint's next parked delivery is due, if the endpoint is sending."""
    endpoint = uow.webhooks.find(delivery["recipient"])
    if endpoint is not None and endpoint.sending:
        uow.deliveries.unpark_next(endpoint.endpoint_id, now)
