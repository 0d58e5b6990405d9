"""Retention (docs/PRIVACY.md, "Retention"): the personal data of a cycle's settled
proposals is erased (awarded: minimised) once the cycle's retention ran out.

One worker at a time runs a round (the ``job_leases`` row); each proposal is retained in
a unit of work of its own that first records it in ``retention_applied``, so a proposal
is retained exactly once even if two rounds overlap. A person no proposal names any
more after it is erased through the erasure path (``erase_found``: key shredded,
``subject.erased`` to the other services).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.submission.domain.retention import (
    MINIMISED,
    RetentionPolicy,
    contacts,
    minimised,
    outcome_for,
)
from services.submission.store.subject_keys import pseudonym
from services.submission.usecases.events import SOURCE
from services.submission.usecases.subjects import erase_found
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import PROPOSAL_RETAINED, PROPOSALS, spec_for
from shared.events.envelope import Event

JOB = "privacy-retention"


@dataclass(frozen=True)
class Retained:
    """What retention did to one proposal."""

    proposal_id: str
    cycle_id: str
    outcome: str  # erased | minimised
    subjects_erased: tuple[str, ...]


def apply_retention(
    policy: RetentionPolicy,
    holder: str,
    work: Callable[[], SubmissionWork],
    now: datetime | None = None,
    lease: timedelta = timedelta(minutes=15),
) -> list[Retained] | None:
    """One round: None when another worker holds the job, else what was retained.
    Blocks on the database; a proposal that fails raises after the ones before it
    committed (the next round goes on from there)."""
    now = now or datetime.now(UTC)
    with work() as uow:
        if not uow.retention.take_lease(JOB, holder, now, lease):
            return None
        due = uow.retention.due(policy, now)
    try:
        done = (retain_proposal(pid, cycle, status, now, work()) for pid, cycle, status in due)
        return [r for r in done if r is not None]
    finally:
        with work() as uow:
            uow.retention.end_lease(JOB, holder, datetime.now(UTC))


def retain_proposal(
    proposal_id: str, cycle_id: str, status: str, now: datetime, uow: SubmissionWork
) -> Retained | None:
    """Erase (or, awarded, minimise) the proposal's innovators in every version; erase
    each person no proposal names any more. None: retained before."""
    outcome = outcome_for(status)
    if outcome is None:
        return None
    rewrite = minimised if outcome == MINIMISED else pseudonym
    with uow:
        if not uow.retention.mark(proposal_id, cycle_id, outcome, now):
            return None
        before = uow.retention.rewrite_innovators(proposal_id, rewrite)
        erased: list[str] = []
        for email, phone in dict.fromkeys(contacts(i) for i in before):
            if not (email or phone) or uow.retention.still_named(email, phone):
                continue  # nothing left of them here, or another proposal still needs them
            found = uow.subjects.find(email, phone)
            erase_found(found, now, uow)
            uow.subjects.pseudonymise(email, phone)  # what else names them (idempotency answers)
            erased.extend(s for s in found if s not in erased)
        uow.subjects.record_request("retention", f"retention:{cycle_id}", erased, 1, now)
        uow.emit(PROPOSALS, retained_event(proposal_id, cycle_id, outcome, now))
    return Retained(proposal_id, cycle_id, outcome, tuple(erased))


def retained_event(proposal_id: str, cycle_id: str, outcome: str, at: datetime) -> Event:
    """``proposal.retained``: the other services drop the innovators' contacts they hold
    for the proposal (the record key is the proposal, after its other events)."""
    spec = spec_for(PROPOSAL_RETAINED)
    data = spec.validator.dump(
        {"proposal_id": proposal_id, "cycle_id": cycle_id, "outcome": outcome, "retained_at": at}
    )
    return Event.first(
        type=spec.type, source=SOURCE, subject=proposal_id, data=data, dataschema=spec.dataschema
    )
