"""One function per consumed event type; each runs inside the inbox transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from services.review import domain, store
from shared.envelope import Event
from shared.events.catalog import PROPOSAL_SUBMITTED, spec_for


def receive_proposal(conn: Connection, event: Event) -> None:
    schema = spec_for(PROPOSAL_SUBMITTED).schema()
    payload = schema.load(event.data)
    profile = schema.dump(payload)["profile"]  # validated, and JSON-ready again
    store.save_received(conn, domain.receive({**payload, "profile": profile}), event.correlation_id)


HANDLERS: dict[str, Callable[[Connection, Event], None]] = {
    spec_for(PROPOSAL_SUBMITTED).dataschema: receive_proposal,
}
