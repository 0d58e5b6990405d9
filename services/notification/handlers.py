"""One function per consumed event type; each runs inside the inbox transaction.

Handlers only record deliveries; the dispatcher sends them, so a slow SMTP
server never holds up the poll loop.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from services.notification import domain, store
from services.notification.rendering import render_email
from shared.envelope import Event
from shared.events.catalog import PROPOSAL_SUBMITTED, spec_for


def confirm_submission(conn: Connection, event: Event) -> None:
    schema = spec_for(PROPOSAL_SUBMITTED).schema()
    payload = schema.dump(schema.load(event.data))
    for message in domain.submission_confirmations(payload):
        store.add_delivery(
            conn, event.id, event.type, payload["proposal_id"], message, render_email(message)
        )


HANDLERS: dict[str, Callable[[Connection, Event], None]] = {
    spec_for(PROPOSAL_SUBMITTED).dataschema: confirm_submission,
}
