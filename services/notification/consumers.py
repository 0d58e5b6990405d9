"""Event type -> use case: every event that sends something records its deliveries.

An effect runs inside the inbox transaction (``shared/events/inbox.py`` gives it the
connection); the use case joins it, so the inbox row and the deliveries commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection

from services.notification.domain.recipients import RULES
from services.notification.store.tables import outbox
from services.notification.usecases.erasure import (
    erase_objector,
    erase_subject,
    retain_proposal,
    tell_before_erasure,
    tell_objector_before_erasure,
)
from services.notification.usecases.export import export_objectors, export_subjects
from services.notification.usecases.participation import remind_agency
from services.notification.usecases.recording import Recorder, record_deliveries
from services.notification.usecases.webhooks import save_endpoint
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import (
    AGENCY_API_KEY_CHANGED,
    CATALOG,
    OBJECTION_ANSWERED,
    OBJECTION_FILED,
    OBJECTOR_ERASED,
    OBJECTOR_ERASURE_REQUESTED,
    PARTICIPATION_REMINDER_DUE,
    PROPOSAL_APPOINTMENT_REMINDER_DUE,
    PROPOSAL_AWARDED,
    PROPOSAL_NOT_AWARDED,
    PROPOSAL_PRESENTATION_SCHEDULED,
    PROPOSAL_REJECTED,
    PROPOSAL_RESUBMITTED,
    PROPOSAL_RETAINED,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SCORED,
    PROPOSAL_SHORTLISTED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_VISIT_SCHEDULED,
    PROPOSAL_WITHDRAWN,
    REVIEW_ASSIGNED,
    REVIEW_OBJECTORS_EXPORTED,
    REVIEW_REMINDER_DUE,
    REVIEW_SUBMITTED,
    SUBJECT_ERASED,
    SUBJECT_ERASURE_REQUESTED,
    SUBJECT_EXPORT_REQUESTED,
    WEBHOOK_ENDPOINT_CHANGED,
    Reads,
    reads,
    spec_for,
)
from shared.events.envelope import Event
from shared.events.inbox import after_commit
from shared.platform.db import scrub_freed_space

Handler = Callable[[Connection, Event], None]

# What this service reads (docs/OPERATE.md: Releases): kept in each release's snapshot, so
# that a producer cannot stop emitting a version a running release still needs.
READS: tuple[Reads, ...] = (
    reads(PROPOSAL_SUBMITTED, 1, 2),
    reads(PROPOSAL_RESUBMITTED, 1, 2),
    reads(PROPOSAL_WITHDRAWN, 1),
    reads(PROPOSAL_SCORED, 1),
    reads(PROPOSAL_REVISION_REQUESTED, 1),
    reads(PROPOSAL_REJECTED, 1),
    reads(PROPOSAL_SHORTLISTED, 1),
    reads(PROPOSAL_AWARDED, 1),
    reads(PROPOSAL_NOT_AWARDED, 1),
    reads(REVIEW_ASSIGNED, 1),
    reads(REVIEW_SUBMITTED, 1),
    reads(REVIEW_REMINDER_DUE, 1),
    reads(PROPOSAL_PRESENTATION_SCHEDULED, 1),
    reads(PROPOSAL_VISIT_SCHEDULED, 1),
    reads(PROPOSAL_APPOINTMENT_REMINDER_DUE, 1),
    reads(OBJECTION_FILED, 1),
    reads(OBJECTION_ANSWERED, 1),
    reads(OBJECTOR_ERASED, 1),
    reads(OBJECTOR_ERASURE_REQUESTED, 1),
    reads(SUBJECT_ERASED, 1),
    reads(SUBJECT_ERASURE_REQUESTED, 1),
    reads(PARTICIPATION_REMINDER_DUE, 1),
    reads(PROPOSAL_RETAINED, 1),
    reads(SUBJECT_EXPORT_REQUESTED, 1),
    reads(REVIEW_OBJECTORS_EXPORTED, 1),
    reads(WEBHOOK_ENDPOINT_CHANGED, 1),
    reads(AGENCY_API_KEY_CHANGED, 1),
)


def handlers_for(recorder: Recorder) -> dict[str, Handler]:
    """The inbox handlers, keyed by dataschema: every event type that sends something."""

    def record(conn: Connection, event: Event) -> None:
        record_deliveries(event, recorder, NotificationWork.joining(conn, outbox))

    def endpoint_changed(conn: Connection, event: Event) -> None:
        uow = NotificationWork.joining(conn, outbox)
        with uow:
            schema = CATALOG[event.dataschema].validator
            save_endpoint(event, schema.dump(schema.load(event.data)), uow)

    handlers = {spec_for(event_type).dataschema: record for event_type in RULES}
    for sealed in (PROPOSAL_SUBMITTED, PROPOSAL_RESUBMITTED):  # v2: innovators sealed
        handlers[spec_for(sealed, 2).dataschema] = record

    def erase(conn: Connection, event: Event) -> None:
        erase_subject(event, NotificationWork.joining(conn, outbox))
        engine = conn.engine
        after_commit(conn, lambda: scrub_freed_space(engine))  # the database files too

    def export(conn: Connection, event: Event) -> None:
        export_subjects(event, recorder.keys, NotificationWork.joining(conn, outbox))

    def notice(conn: Connection, event: Event) -> None:
        tell_before_erasure(event, recorder, NotificationWork.joining(conn, outbox))

    handlers[spec_for(SUBJECT_ERASED).dataschema] = erase

    def objector_erased(conn: Connection, event: Event) -> None:
        erase_objector(event, NotificationWork.joining(conn, outbox))
        engine = conn.engine
        after_commit(conn, lambda: scrub_freed_space(engine))

    handlers[spec_for(OBJECTOR_ERASED).dataschema] = objector_erased
    handlers[spec_for(SUBJECT_ERASURE_REQUESTED).dataschema] = notice

    def objector_notice(conn: Connection, event: Event) -> None:
        tell_objector_before_erasure(event, recorder, NotificationWork.joining(conn, outbox))

    handlers[spec_for(OBJECTOR_ERASURE_REQUESTED).dataschema] = objector_notice

    def participation(conn: Connection, event: Event) -> None:
        remind_agency(event, recorder, NotificationWork.joining(conn, outbox))

    handlers[spec_for(PARTICIPATION_REMINDER_DUE).dataschema] = participation

    def retained(conn: Connection, event: Event) -> None:
        retain_proposal(event, NotificationWork.joining(conn, outbox))
        engine = conn.engine
        after_commit(conn, lambda: scrub_freed_space(engine))

    handlers[spec_for(PROPOSAL_RETAINED).dataschema] = retained
    handlers[spec_for(SUBJECT_EXPORT_REQUESTED).dataschema] = export

    def objectors_export(conn: Connection, event: Event) -> None:
        export_objectors(event, recorder.objector_keys, NotificationWork.joining(conn, outbox))

    handlers[spec_for(REVIEW_OBJECTORS_EXPORTED).dataschema] = objectors_export
    handlers[spec_for(WEBHOOK_ENDPOINT_CHANGED).dataschema] = endpoint_changed

    def key_changed(conn: Connection, event: Event) -> None:
        uow = NotificationWork.joining(conn, outbox)
        with uow:
            payload = spec_for(AGENCY_API_KEY_CHANGED).validator.load(event.data)
            uow.agency_keys.save(payload, datetime.now(UTC))

    handlers[spec_for(AGENCY_API_KEY_CHANGED).dataschema] = key_changed
    return handlers
