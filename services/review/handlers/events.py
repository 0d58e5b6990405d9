"""Review events into the outbox, in the caller's transaction (topic inagara.reviews)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from services.review.store import outbox
from shared.envelope import Event
from shared.events.catalog import REVIEWS, spec_for
from shared.outbox import add_to_outbox

SOURCE = "/inagara/review"


def emit(
    conn: Connection,
    type: str,
    subject: str,
    payload: dict[str, Any],
    *,
    correlation_id: str | None = None,
    causation_id: str = "",
) -> Event:
    """Validate ``payload`` against the catalog's schema and store the event for the relay.

    The key is ``subject``: the proposal id (the cycle id for ``cycle.scheduled``).
    """
    spec = spec_for(type)
    schema = spec.validator
    data = schema.dump(schema.load(schema.dump(payload)))
    event = Event(
        type=spec.type,
        source=SOURCE,
        subject=subject,
        data=data,
        dataschema=spec.dataschema,
        correlation_id=correlation_id or subject,
        causation_id=causation_id,
    )
    add_to_outbox(conn, outbox, REVIEWS, event)
    return event


def person(user: dict[str, Any]) -> dict[str, Any]:
    """A reviewer as the notification service needs to reach them (no database lookup there)."""
    return {
        "id": user["id"],
        "name": user["name"],
        "email": user["email"],
        "phone": user.get("phone"),
        "language": user.get("language") or "id",
    }
