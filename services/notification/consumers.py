"""Event type -> use case: every event that sends something records its deliveries.

An effect runs inside the inbox transaction (``shared/events/inbox.py`` gives it the
connection); the use case joins it, so the inbox row and the deliveries commit together.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from services.notification.domain.recipients import RULES
from services.notification.store.tables import outbox
from services.notification.usecases.recording import Recorder, record_deliveries
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import spec_for
from shared.events.envelope import Event

Handler = Callable[[Connection, Event], None]


def handlers_for(recorder: Recorder) -> dict[str, Handler]:
    """The inbox handlers, keyed by dataschema: every event type that sends something."""

    def record(conn: Connection, event: Event) -> None:
        record_deliveries(event, recorder, NotificationWork.joining(conn, outbox))

    return {spec_for(event_type).dataschema: record for event_type in RULES}
