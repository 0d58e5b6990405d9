"""The submission service's unit of work: one transaction, the stores on it, and
the events it raises for the outbox."""

from __future__ import annotations

from sqlalchemy import Connection

from services.submission.store.addenda_records import AddendumStore
from services.submission.store.cycle_records import CycleStore, RecentCycles
from services.submission.store.evidence_records import EvidenceStore
from services.submission.store.participation import ParticipationStore
from services.submission.store.proposal_records import ProposalStore, VersionStore
from services.submission.store.registry import Registry
from services.submission.store.retention_records import RetentionStore
from services.submission.store.reviewer_slots import ReviewerSlots
from services.submission.store.subject_keys import SubjectStore
from services.submission.store.timeline_records import TimelineStore
from services.submission.store.webhook_records import WebhookEndpoints
from shared.events.unit_of_work import UnitOfWork


class SubmissionWork(UnitOfWork):
    """``with uow:`` opens the transaction; the stores below live as long as it."""

    proposals: ProposalStore
    versions: VersionStore
    timeline: TimelineStore
    evidence: EvidenceStore
    addenda: AddendumStore
    cycles: CycleStore
    registry: Registry
    reviewers: ReviewerSlots
    participation: ParticipationStore
    subjects: SubjectStore
    retention: RetentionStore
    # Given by a web process to the create of a proposal: cycles read at most this stale.
    recent_cycles: RecentCycles | None = None
    # The version of proposal.submitted/resubmitted to publish (PROPOSAL_EVENT_VERSION):
    # 2 seals the innovators per data subject (docs/PRIVACY.md).
    event_version: int = 1
    webhooks: WebhookEndpoints

    def _open(self, conn: Connection) -> None:
        self.proposals = ProposalStore(conn)
        self.versions = VersionStore(conn)
        self.timeline = TimelineStore(conn)
        self.evidence = EvidenceStore(conn)
        self.addenda = AddendumStore(conn)
        self.cycles = CycleStore(conn, self.recent_cycles)
        self.registry = Registry(conn)
        self.reviewers = ReviewerSlots(conn)
        self.participation = ParticipationStore(conn)
        self.subjects = SubjectStore(conn)
        self.retention = RetentionStore(conn)
        self.webhooks = WebhookEndpoints(conn)
