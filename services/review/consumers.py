"""What the review worker does with each event it consumes: event type -> use case.

Each effect runs inside the inbox's transaction (``shared.events.inbox``), which
hands it the connection; the use case joins it with ``ReviewWork.joining``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from services.review.config import ReviewSettings
from services.review.store import outbox
from services.review.usecases.intake import (
    add_addendum,
    receive_proposal,
    reopen_proposal,
    withdraw_proposal,
)
from services.review.usecases.objections import erase_person_objectors, export_person_objectors
from services.review.usecases.registry import keep_agency
from services.review.usecases.retention import forget_retained
from services.review.usecases.subject_export import export_subjects
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    AGENCY_REGISTERED,
    AGENCY_UPDATED,
    PERSON_ERASURE_REQUESTED,
    PROPOSAL_ADDENDUM_ADDED,
    PROPOSAL_REOPENED,
    PROPOSAL_RESUBMITTED,
    PROPOSAL_RETAINED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    SUBJECT_EXPORT_REQUESTED,
    Reads,
    reads,
    spec_for,
)
from shared.events.envelope import Event
from shared.events.inbox import Effect, after_commit
from shared.platform.db import scrub_freed_space
from shared.platform.metrics import RETENTION_SUBJECTS


def on_proposal_submitted(conn: Connection, event: Event) -> None:
    """``proposal.submitted`` and ``proposal.resubmitted``: receive, screen, assign."""
    receive_proposal(event, ReviewWork.joining(conn, outbox))


def _match_key() -> str:
    """SUBJECT_MATCH_KEY, read when an event needs it (shared/events/matching.py)."""
    return ReviewSettings.from_env().subject_match_key


def on_subject_export_requested(conn: Connection, event: Event) -> None:
    """An access request: answer with what review holds about the subjects, and about the
    objectors the request's keyed hashes match."""
    export_subjects(event, ReviewWork.joining(conn, outbox))
    export_person_objectors(event, _match_key(), ReviewWork.joining(conn, outbox))


def on_person_erasure_requested(conn: Connection, event: Event) -> None:
    """A person-wide erasure: erase the objectors the keyed hashes match (at once, or when
    the notice period is over)."""
    erased = erase_person_objectors(
        event, _match_key(), datetime.now(UTC), ReviewWork.joining(conn, outbox)
    )
    if erased:
        engine = conn.engine
        after_commit(conn, lambda: scrub_freed_space(engine))  # the database files too


def on_proposal_withdrawn(conn: Connection, event: Event) -> None:
    withdraw_proposal(event, ReviewWork.joining(conn, outbox))


def on_proposal_reopened(conn: Connection, event: Event) -> None:
    reopen_proposal(event, ReviewWork.joining(conn, outbox))


def on_addendum_added(conn: Connection, event: Event) -> None:
    add_addendum(event, ReviewWork.joining(conn, outbox))


def on_proposal_retained(conn: Connection, event: Event) -> None:
    """The proposal's retention ran out: its innovators, evidence names and objectors go
    (the metric counts the objectors once the inbox transaction committed)."""
    objectors = forget_retained(event, ReviewWork.joining(conn, outbox))
    if objectors:
        after_commit(conn, lambda: RETENTION_SUBJECTS.labels(service="review").inc(objectors))


def on_agency_announced(conn: Connection, event: Event) -> None:
    """``agency.registered`` and ``agency.updated``: keep the register's copy."""
    keep_agency(event, ReviewWork.joining(conn, outbox))


# What this service reads (docs/OPERATE.md: Releases): kept in each release's snapshot, so
# that a producer cannot stop emitting a version a running release still needs.
READS: tuple[Reads, ...] = (
    reads(PROPOSAL_SUBMITTED, 1, 2),
    reads(PROPOSAL_RESUBMITTED, 1, 2),
    reads(PROPOSAL_WITHDRAWN, 1),
    reads(PROPOSAL_REOPENED, 1),
    reads(PROPOSAL_ADDENDUM_ADDED, 1),
    reads(AGENCY_REGISTERED, 1),
    reads(AGENCY_UPDATED, 1),
    reads(SUBJECT_EXPORT_REQUESTED, 1),
    reads(PROPOSAL_RETAINED, 1),
    reads(PERSON_ERASURE_REQUESTED, 1),
)

HANDLERS: dict[str, Effect] = {
    spec_for(PROPOSAL_SUBMITTED).dataschema: on_proposal_submitted,
    spec_for(PROPOSAL_RESUBMITTED).dataschema: on_proposal_submitted,
    spec_for(PROPOSAL_SUBMITTED, 2).dataschema: on_proposal_submitted,
    spec_for(PROPOSAL_RESUBMITTED, 2).dataschema: on_proposal_submitted,
    spec_for(PROPOSAL_WITHDRAWN).dataschema: on_proposal_withdrawn,
    spec_for(PROPOSAL_REOPENED).dataschema: on_proposal_reopened,
    spec_for(PROPOSAL_ADDENDUM_ADDED).dataschema: on_addendum_added,
    spec_for(AGENCY_REGISTERED).dataschema: on_agency_announced,
    spec_for(AGENCY_UPDATED).dataschema: on_agency_announced,
    spec_for(SUBJECT_EXPORT_REQUESTED).dataschema: on_subject_export_requested,
    spec_for(PROPOSAL_RETAINED).dataschema: on_proposal_retained,
    spec_for(PERSON_ERASURE_REQUESTED).dataschema: on_person_erasure_requested,
}
