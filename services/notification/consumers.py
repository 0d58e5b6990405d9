"""Event type (dataschema) -> use case: every event type that sends something is
recorded by ``usecases.recording.handle``, inside that event's inbox transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from services.notification.domain.recipients import RULES
from services.notification.usecases.recording import Recorder, handle
from shared.events.catalog import spec_for
from shared.events.envelope import Event

Handler = Callable[[Connection, Event], None]


def handlers_for(recorder: Recorder) -> dict[str, Handler]:
    """The inbox handlers, keyed by dataschema: every event type that sends something."""

    def run(conn: Connection, event: Event) -> None:
        handle(conn, event, recorder)

    return {spec_for(event_type).dataschema: run for event_type in RULES}
