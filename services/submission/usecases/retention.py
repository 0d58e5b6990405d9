"""Retention (docs/PRIVACY.md, "Retention"): the personal data of a cycle's settled
proposals is erased (awarded: minimised) once the cycle's retention ran out.

One worker at a time runs a round (the ``job_leases`` row); each proposal is retained in
a unit of work of its own that first records it in ``retention_applied``, so a proposal
is retained exactly once even if two rounds overlap. A person no proposal names any
more after it is erased through the erasure path (``erase_found``: key shredded,
``subject.erased`` to the other services). An erased proposal's evidence files go too
(bytes, rows, and their names in the versions); an awarded one keeps them: they are the
record of what won (docs/PRIVACY.md, "Retention").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.submission.adapters.blobs import BlobStore
from services.submission.domain.retention import (
    ERASED,
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
    evidence_deleted: int = 0  # evidence files whose bytes and rows were deleted


def apply_retention(
    policy: RetentionPolicy,
    holder: str,
    work: Callable[[], SubmissionWork],
    now: datetime | None = None,
    lease: timedelta = timedelta(minutes=15),
    blobs: BlobStore | None = None,
) -> list[Retained] | None:
    """One round: None when another worker holds the job, else what was retained.
    ``blobs``: the evidence store, whose files of erased proposals are deleted (None: the
    evidence is left alone). Blocks on the database and the evidence store; a proposal
    that fails raises after the ones before it committed (the next round goes on from
    there)."""
    now = now or datetime.now(UTC)
    with work() as uow:
        if not uow.retention.take_lease(JOB, holder, now, lease):
            return None
        due = uow.retention.due(policy, now)
    try:
        done = (
            retain_proposal(pid, cycle, status, now, work(), blobs) for pid, cycle, status in due
        )
        return [r for r in done if r is not None]
    finally:
        with work() as uow:
            uow.retention.end_lease(JOB, holder, datetime.now(UTC))


def retain_proposal(
    proposal_id: str,
    cycle_id: str,
    status: str,
    now: datetime,
    uow: SubmissionWork,
    blobs: BlobStore | None = None,
) -> Retained | None:
    """Erase (or, awarded, minimise) the proposal's innovators in every version, and
    delete an erased proposal's evidence files; erase each person no proposal names any
    more. None: retained before. Raises ``BlobUnavailable`` when the evidence store does
    not answer (nothing of the proposal is committed: the next round tries again)."""
    outcome = outcome_for(status)
    if outcome is None:
        return None
    rewrite = minimised if outcome == MINIMISED else pseudonym
    with uow:
        if not uow.retention.mark(proposal_id, cycle_id, outcome, now):
            return None
        before = uow.retention.rewrite_innovators(proposal_id, rewrite)
        files = delete_evidence(proposal_id, uow, blobs) if outcome == ERASED and blobs else 0
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
    return Retained(proposal_id, cycle_id, outcome, tuple(erased), files)


def delete_evidence(proposal_id: str, uow: SubmissionWork, blobs: BlobStore) -> int:
    """Inside the proposal's unit of work: its evidence files' bytes, rows and names in
    the versions. The bytes go before the commit, so a store that fails leaves the
    proposal unretained for the next round, and deleting a file already gone (a round
    that failed after it) is no error: each file goes, once the round commits."""
    rows = uow.evidence.all(proposal_id)
    for row in rows:
        blobs.delete(row.storage_key)
        uow.evidence.remove(row.id)
    uow.retention.forget_evidence_names(proposal_id)
    return len(rows)


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
