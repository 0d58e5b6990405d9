"""The consumer map: every event type that sends something has an effect."""

from __future__ import annotations

from services.notification.consumers import handlers_for
from services.notification.domain.recipients import RULES
from services.notification.usecases.recording import Recorder
from shared.events.catalog import AGENCY_API_KEY_CHANGED, WEBHOOK_ENDPOINT_CHANGED, spec_for


def test_every_event_type_that_sends_something_is_consumed() -> None:
    handlers = handlers_for(Recorder())

    # proposal.submitted/resubmitted in both versions: v2 seals the innovators.
    sealed = {spec_for(t, 2).dataschema for t in ("proposal.submitted", "proposal.resubmitted")}
    erasure = {  # forgets a person, or answers an export with its part: sends nothing
        spec_for("subject.erased").dataschema,
        spec_for("subject.export_requested").dataschema,
        spec_for("subject.erasure_requested").dataschema,  # the notice, its own handler
        spec_for("proposal.retained").dataschema,  # drops the innovators' contacts
        spec_for("objector.erased").dataschema,  # drops the objector's deliveries
        spec_for("objector.erasure_requested").dataschema,  # the objector's notice
        spec_for("review.objectors_exported").dataschema,  # the objectors' messages exported
    }
    endpoints = {spec_for(WEBHOOK_ENDPOINT_CHANGED).dataschema}  # the endpoints webhooks go to
    endpoints |= {spec_for(AGENCY_API_KEY_CHANGED).dataschema}  # the keys their logs open to
    # One agency, one innovation: the reminder to an agency at zero, its own handler.
    endpoints |= {spec_for("agency.participation_reminder_due").dataschema}
    assert (
        set(handlers)
        == {spec_for(event_type).dataschema for event_type in RULES} | sealed | erasure | endpoints
    )
