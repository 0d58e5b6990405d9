"""One function per review event type (and the notification service's
``webhook.endpoint_disabled``); each runs inside the inbox transaction.

The payload is validated with its catalog schema (an invalid one is poison:
the consumer dead-letters it) and handed to its use case as JSON again, in a unit
of work that joins the inbox transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from services.submission.store.tables import outbox
from services.submission.usecases import review_facts as review
from services.submission.usecases import subjects, webhooks
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import (
    CYCLE_SCHEDULED,
    NOTIFICATION_SUBJECT_EXPORTED,
    PROPOSAL_AWARDED,
    PROPOSAL_NOT_AWARDED,
    PROPOSAL_PRESENTATION_SCHEDULED,
    PROPOSAL_REJECTED,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SCORED,
    PROPOSAL_SCREENED,
    PROPOSAL_SHORTLISTED,
    PROPOSAL_VISIT_RECORDED,
    PROPOSAL_VISIT_SCHEDULED,
    REVIEW_ASSIGNED,
    REVIEW_OBJECTORS_EXPORTED,
    REVIEW_SUBJECT_EXPORTED,
    REVIEW_SUBMITTED,
    WEBHOOK_ENDPOINT_DISABLED,
    Reads,
    reads,
    spec_for,
)
from shared.events.envelope import Event

Handler = Callable[[Connection, Event], None]

# The moment each fact happened, by event type (the envelope's time otherwise).
MOMENT = {
    PROPOSAL_SCREENED: "screened_at",
    REVIEW_ASSIGNED: "assigned_at",
    REVIEW_SUBMITTED: "submitted_at",
    PROPOSAL_SCORED: "scored_at",
    PROPOSAL_REVISION_REQUESTED: "requested_at",
    PROPOSAL_REJECTED: "decided_at",
    PROPOSAL_SHORTLISTED: "decided_at",
    PROPOSAL_AWARDED: "decided_at",
    PROPOSAL_NOT_AWARDED: "decided_at",
    PROPOSAL_PRESENTATION_SCHEDULED: "scheduled_at",
    PROPOSAL_VISIT_SCHEDULED: "scheduled_at",
    PROPOSAL_VISIT_RECORDED: "recorded_at",
}


# What this service reads (docs/OPERATE.md: Releases): kept in each release's snapshot, so
# that a producer cannot stop emitting a version a running release still needs.
READS: tuple[Reads, ...] = (
    reads(CYCLE_SCHEDULED, 1),
    reads(PROPOSAL_SCREENED, 1),
    reads(REVIEW_ASSIGNED, 1),
    reads(REVIEW_SUBMITTED, 1),
    reads(PROPOSAL_SCORED, 1),
    reads(PROPOSAL_REVISION_REQUESTED, 1),
    reads(PROPOSAL_REJECTED, 1),
    reads(PROPOSAL_SHORTLISTED, 1),
    reads(PROPOSAL_AWARDED, 1),
    reads(PROPOSAL_NOT_AWARDED, 1),
    reads(PROPOSAL_PRESENTATION_SCHEDULED, 1),
    reads(PROPOSAL_VISIT_SCHEDULED, 1),
    reads(PROPOSAL_VISIT_RECORDED, 1),
    reads(REVIEW_SUBJECT_EXPORTED, 1),
    reads(REVIEW_OBJECTORS_EXPORTED, 1),
    reads(NOTIFICATION_SUBJECT_EXPORTED, 1),
    reads(WEBHOOK_ENDPOINT_DISABLED, 1),
)


def schedule_cycle(conn: Connection, event: Event) -> None:
    payload = spec_for(CYCLE_SCHEDULED).validator.load(event.data)
    review.schedule_cycle(payload, SubmissionWork.joining(conn, outbox))


def record_review_fact(event_type: str) -> Handler:
    """The handler of one review event type: timeline entry and status projection."""
    schema = spec_for(event_type).validator

    def handle(conn: Connection, event: Event) -> None:
        loaded: dict[str, Any] = schema.load(event.data)
        fact = review.RecordReviewFact(
            event_type, event.id, loaded[MOMENT[event_type]], schema.dump(loaded)
        )
        review.record_review_fact(fact, SubmissionWork.joining(conn, outbox))

    handle.__name__ = f"record_{event_type.replace('.', '_')}"
    return handle


def receive_export_part(event_type: str) -> Handler:
    """The handler of another service's answer to an export (docs/PRIVACY.md)."""

    def handle(conn: Connection, event: Event) -> None:
        subjects.receive_export_part(event_type, event.data, SubmissionWork.joining(conn, outbox))

    handle.__name__ = f"receive_{event_type.replace('.', '_')}"
    return handle


def endpoint_disabled(conn: Connection, event: Event) -> None:
    """The notification service stopped sending to an endpoint: the API shows it."""
    payload = spec_for(WEBHOOK_ENDPOINT_DISABLED).validator.load(event.data)
    webhooks.record_endpoint_disabled(payload, SubmissionWork.joining(conn, outbox))


HANDLERS: dict[str, Handler] = {
    spec_for(CYCLE_SCHEDULED).dataschema: schedule_cycle,
    spec_for(WEBHOOK_ENDPOINT_DISABLED).dataschema: endpoint_disabled,
    **{spec_for(t).dataschema: record_review_fact(t) for t in MOMENT},
    **{
        spec_for(t).dataschema: receive_export_part(t)
        for t in (REVIEW_SUBJECT_EXPORTED, REVIEW_OBJECTORS_EXPORTED, NOTIFICATION_SUBJECT_EXPORTED)
    },
}
