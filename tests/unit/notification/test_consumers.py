"""The consumer map: every event type that sends something has an effect."""

from __future__ import annotations

from services.notification.consumers import handlers_for
from services.notification.domain.recipients import RULES
from services.notification.usecases.recording import Recorder
from shared.events.catalog import WEBHOOK_ENDPOINT_CHANGED, spec_for


def test_every_event_type_that_sends_something_is_consumed() -> None:
    handlers = handlers_for(Recorder())

    assert set(handlers) == {spec_for(event_type).dataschema for event_type in RULES} | {
        spec_for(WEBHOOK_ENDPOINT_CHANGED).dataschema  # the endpoints webhooks go to
    }
