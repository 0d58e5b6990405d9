"""One registry of topics and event types (DESIGN: Events).

Every service publishes on its own topic; each topic has a dead-letter topic.
An event type names a fact in the past tense; its payload schema and version
travel in ``dataschema`` so that a breaking change can be a new version.

The catalog has a version of its own (``CATALOG_VERSION``, the AsyncAPI document's
``info.version``, released as the tag ``events-v<version>``); each consumer declares
the (event type, versions) it reads with ``reads`` (docs/OPERATE.md: Releases).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import cached_property

from marshmallow import Schema

from shared.events.agency import AgencyRegisteredV1, ApiKeyChangedV1
from shared.events.notification import DeliveryOutcomeV1
from shared.events.objection import (
    ObjectionAnsweredV1,
    ObjectionFiledV1,
    ObjectorErasedV1,
    ObjectorErasureRequestedV1,
)
from shared.events.privacy import (
    ObjectorsExportedV1,
    PersonErasureRequestedV1,
    ProposalRetainedV1,
    SubjectErasureRequestedV1,
    SubjectExportedV1,
    SubjectExportRequestedV1,
)
from shared.events.proposal import (
    ParticipationReminderDueV1,
    ProposalAddendumAddedV1,
    ProposalReopenedV1,
    ProposalSubmittedV1,
    ProposalSubmittedV2,
    ProposalWithdrawnV1,
    SubjectErasedV1,
)
from shared.events.review import (
    AppointmentV1,
    CycleScheduledV1,
    DecisionV1,
    ProposalScoredV1,
    ProposalScreenedV1,
    ReminderDueV1,
    ResultsPublishedV1,
    ReviewAssignedV1,
    ReviewSubmittedV1,
    RevisionRequestedV1,
    ShortlistPublishedV1,
    VisitRecordedV1,
)
from shared.events.webhook import WebhookEndpointChangedV1, WebhookEndpointDisabledV1

# Semantic version of the catalog: minor for a new event type, version or optional field,
# major when a dataschema version is retired (tools/release.py checks what a change may do).
CATALOG_VERSION = "1.7.0"

PROPOSALS = "inagara.proposals"
REVIEWS = "inagara.reviews"
NOTIFICATIONS = "inagara.notifications"
TOPICS = (PROPOSALS, REVIEWS, NOTIFICATIONS)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = TOPICS + tuple(dead_letter_topic(t) for t in TOPICS)

PROPOSAL_SUBMITTED = "proposal.submitted"
PROPOSAL_RESUBMITTED = "proposal.resubmitted"
PROPOSAL_WITHDRAWN = "proposal.withdrawn"
PROPOSAL_REOPENED = "proposal.reopened"
PROPOSAL_ADDENDUM_ADDED = "proposal.addendum_added"
PARTICIPATION_REMINDER_DUE = "agency.participation_reminder_due"
SUBJECT_ERASED = "subject.erased"
SUBJECT_ERASURE_REQUESTED = "subject.erasure_requested"
PROPOSAL_RETAINED = "proposal.retained"
SUBJECT_EXPORT_REQUESTED = "subject.export_requested"
REVIEW_SUBJECT_EXPORTED = "review.subject_exported"
REVIEW_OBJECTORS_EXPORTED = "review.objectors_exported"
PERSON_ERASURE_REQUESTED = "person.erasure_requested"
NOTIFICATION_SUBJECT_EXPORTED = "notification.subject_exported"
CYCLE_SCHEDULED = "cycle.scheduled"
PROPOSAL_SCREENED = "proposal.screened"
REVIEW_ASSIGNED = "review.assigned"
REVIEW_SUBMITTED = "review.submitted"
PROPOSAL_SCORED = "proposal.scored"
PROPOSAL_REVISION_REQUESTED = "proposal.revision_requested"
PROPOSAL_REJECTED = "proposal.rejected"
PROPOSAL_SHORTLISTED = "proposal.shortlisted"
PROPOSAL_AWARDED = "proposal.awarded"
PROPOSAL_NOT_AWARDED = "proposal.not_awarded"
REVIEW_REMINDER_DUE = "review.reminder_due"
NOTIFICATION_DELIVERED = "notification.delivered"
NOTIFICATION_FAILED = "notification.failed"
WEBHOOK_ENDPOINT_CHANGED = "webhook.endpoint_changed"
AGENCY_REGISTERED = "agency.registered"
AGENCY_UPDATED = "agency.updated"
WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
AGENCY_API_KEY_CHANGED = "agency.api_key_changed"
CYCLE_SHORTLIST_PUBLISHED = "cycle.shortlist_published"
CYCLE_RESULTS_PUBLISHED = "cycle.results_published"
PROPOSAL_PRESENTATION_SCHEDULED = "proposal.presentation_scheduled"
PROPOSAL_VISIT_SCHEDULED = "proposal.visit_scheduled"
PROPOSAL_APPOINTMENT_REMINDER_DUE = "proposal.appointment_reminder_due"
PROPOSAL_VISIT_RECORDED = "proposal.visit_recorded"
OBJECTION_FILED = "objection.filed"
OBJECTION_ANSWERED = "objection.answered"
OBJECTOR_ERASED = "objector.erased"
OBJECTOR_ERASURE_REQUESTED = "objector.erasure_requested"


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    topic: str
    schema: builtins.type[Schema]
    summary: str
    # False once producers stopped publishing this version: consumers may still read it
    # (records already in a topic or a dead-letter topic) until every release has moved on.
    emitted: bool = True

    @cached_property
    def validator(self) -> Schema:
        """One instance of ``schema`` to load and dump with, built once: building one
        deep-copies its fields, which cost more than the load itself."""
        return self.schema()

    @property
    def dataschema(self) -> str:
        return f"urn:inagara:event:{self.type}:v{self.version}"


def _spec(
    type: str, topic: str, schema: builtins.type[Schema], summary: str, version: int = 1
) -> EventSpec:
    return EventSpec(type=type, version=version, topic=topic, schema=schema, summary=summary)


CATALOG: dict[str, EventSpec] = {
    spec.dataschema: spec
    for spec in (
        _spec(
            PROPOSAL_SUBMITTED,
            PROPOSALS,
            ProposalSubmittedV1,
            "An agency submitted a proposal for review.",
        ),
        _spec(
            PROPOSAL_RESUBMITTED,
            PROPOSALS,
            ProposalSubmittedV1,
            "An agency resubmitted a revised proposal (a new version).",
        ),
        _spec(
            PROPOSAL_SUBMITTED,
            PROPOSALS,
            ProposalSubmittedV2,
            "An agency submitted a proposal for review; its innovators sealed per data subject.",
            version=2,
        ),
        _spec(
            PROPOSAL_RESUBMITTED,
            PROPOSALS,
            ProposalSubmittedV2,
            "An agency resubmitted a revised proposal; its innovators sealed per data subject.",
            version=2,
        ),
        _spec(
            PROPOSAL_WITHDRAWN,
            PROPOSALS,
            ProposalWithdrawnV1,
            "An agency withdrew a proposal before a decision.",
        ),
        _spec(
            PROPOSAL_REOPENED,
            PROPOSALS,
            ProposalReopenedV1,
            "An agency reopened a withdrawn proposal while its cycle's window is open.",
        ),
        _spec(
            PROPOSAL_ADDENDUM_ADDED,
            PROPOSALS,
            ProposalAddendumAddedV1,
            "An agency added evidence to a submitted proposal as a dated addendum.",
        ),
        _spec(
            PARTICIPATION_REMINDER_DUE,
            PROPOSALS,
            ParticipationReminderDueV1,
            "A cycle with a minimum per agency closes soon and this agency has submitted "
            "nothing: remind its contact (once per cycle and agency; subject and key: the "
            "agency id).",
        ),
        _spec(
            SUBJECT_ERASED,
            PROPOSALS,
            SubjectErasedV1,
            "A person was erased on request (subject and key: the data subject's id).",
        ),
        _spec(
            PROPOSAL_RETAINED,
            PROPOSALS,
            ProposalRetainedV1,
            "The retention period of the proposal's cycle is over: its innovators were erased "
            "(not awarded) or only their names kept (awarded).",
        ),
        _spec(
            SUBJECT_ERASURE_REQUESTED,
            PROPOSALS,
            SubjectErasureRequestedV1,
            "A person asked to be erased (subject and key: the data subject's id): the "
            "notification service tells them by email; the erasure follows at erase_after.",
        ),
        _spec(
            SUBJECT_EXPORT_REQUESTED,
            PROPOSALS,
            SubjectExportRequestedV1,
            "The secretariat asked for everything held about a person (subject and key: the "
            "export id); each service answers with its part.",
        ),
        _spec(
            REVIEW_SUBJECT_EXPORTED,
            REVIEWS,
            SubjectExportedV1,
            "The review service's part of an export, for one data subject.",
        ),
        _spec(
            REVIEW_OBJECTORS_EXPORTED,
            REVIEWS,
            ObjectorsExportedV1,
            "The review service's answer to an export's match: the objectors found, each "
            "sealed under the objector's own key (subject and key: the export id).",
        ),
        _spec(
            PERSON_ERASURE_REQUESTED,
            PROPOSALS,
            PersonErasureRequestedV1,
            "A person-wide erasure by email or phone: the review service erases the "
            "objectors the keyed hashes match at erase_after (subject and key: the request id).",
        ),
        _spec(
            NOTIFICATION_SUBJECT_EXPORTED,
            NOTIFICATIONS,
            SubjectExportedV1,
            "The notification service's part of an export, for one data subject "
            "(sealed under the subject's key).",
        ),
        _spec(
            CYCLE_SCHEDULED,
            REVIEWS,
            CycleScheduledV1,
            "A cycle was created or its dates changed (subject and key: the cycle id).",
        ),
        _spec(
            PROPOSAL_SCREENED,
            REVIEWS,
            ProposalScreenedV1,
            "The completeness check ran on a submitted version.",
        ),
        _spec(
            REVIEW_ASSIGNED,
            REVIEWS,
            ReviewAssignedV1,
            "A reviewer or panel member was assigned a proposal.",
        ),
        _spec(
            REVIEW_SUBMITTED,
            REVIEWS,
            ReviewSubmittedV1,
            "A reviewer submitted or changed their scores.",
        ),
        _spec(
            PROPOSAL_SCORED, REVIEWS, ProposalScoredV1, "All assigned reviews of a round are in."
        ),
        _spec(
            PROPOSAL_REVISION_REQUESTED,
            REVIEWS,
            RevisionRequestedV1,
            "The agency must revise and resubmit.",
        ),
        _spec(PROPOSAL_REJECTED, REVIEWS, DecisionV1, "The secretariat rejected the proposal."),
        _spec(
            PROPOSAL_SHORTLISTED, REVIEWS, DecisionV1, "The secretariat shortlisted the proposal."
        ),
        _spec(PROPOSAL_AWARDED, REVIEWS, DecisionV1, "The proposal won an award."),
        _spec(
            CYCLE_SHORTLIST_PUBLISHED,
            REVIEWS,
            ShortlistPublishedV1,
            "The secretariat published the cycle's shortlist for public objection (subject "
            "and key: the cycle id).",
        ),
        _spec(
            CYCLE_RESULTS_PUBLISHED,
            REVIEWS,
            ResultsPublishedV1,
            "The secretariat published the cycle's awards (subject and key: the cycle id).",
        ),
        _spec(
            OBJECTION_FILED,
            REVIEWS,
            ObjectionFiledV1,
            "Someone filed an objection to a shortlisted innovation during the public "
            "objection window; the objector sealed under their own key.",
        ),
        _spec(
            OBJECTION_ANSWERED,
            REVIEWS,
            ObjectionAnsweredV1,
            "The secretariat answered or resolved an objection; the objector sealed under "
            "their own key.",
        ),
        _spec(
            OBJECTOR_ERASED,
            REVIEWS,
            ObjectorErasedV1,
            "An objector's personal data was erased and their key shredded, on request or "
            "when the retention of the objected proposal's cycle ran out (subject and key: "
            "the objector's subject id).",
        ),
        _spec(
            OBJECTOR_ERASURE_REQUESTED,
            REVIEWS,
            ObjectorErasureRequestedV1,
            "A person-wide erasure with a notice period matched an objector who is no "
            "innovator: the notification service tells them by email before erase_after; "
            "the objector sealed under their own key (subject and key: the objector's "
            "subject id).",
        ),
        _spec(
            PROPOSAL_NOT_AWARDED,
            REVIEWS,
            DecisionV1,
            "The cycle's awards were decided and this proposal won none.",
        ),
        _spec(
            PROPOSAL_PRESENTATION_SCHEDULED,
            REVIEWS,
            AppointmentV1,
            "The secretariat scheduled, rescheduled or cancelled a finalist's presentation.",
        ),
        _spec(
            PROPOSAL_VISIT_SCHEDULED,
            REVIEWS,
            AppointmentV1,
            "The secretariat scheduled, rescheduled or cancelled a finalist's field visit.",
        ),
        _spec(
            PROPOSAL_APPOINTMENT_REMINDER_DUE,
            REVIEWS,
            AppointmentV1,
            "A finalist's presentation or field visit is due within a day (sent once per "
            "schedule revision).",
        ),
        _spec(
            PROPOSAL_VISIT_RECORDED,
            REVIEWS,
            VisitRecordedV1,
            "The secretariat recorded a field visit's outcome (verified or not, with notes).",
        ),
        _spec(
            REVIEW_REMINDER_DUE,
            REVIEWS,
            ReminderDueV1,
            "A pending review is close to its deadline.",
        ),
        _spec(
            NOTIFICATION_DELIVERED,
            NOTIFICATIONS,
            DeliveryOutcomeV1,
            "A message reached the mail server or SMS gateway.",
        ),
        _spec(
            NOTIFICATION_FAILED,
            NOTIFICATIONS,
            DeliveryOutcomeV1,
            "A message could not be delivered and will not be retried.",
        ),
        _spec(
            WEBHOOK_ENDPOINT_CHANGED,
            PROPOSALS,
            WebhookEndpointChangedV1,
            "An agency registered, changed, paused, rotated or deleted a webhook endpoint "
            "(subject and key: the endpoint id).",
        ),
        _spec(
            AGENCY_REGISTERED,
            PROPOSALS,
            AgencyRegisteredV1,
            "An agency joined the register (subject and key: the agency id).",
        ),
        _spec(
            AGENCY_UPDATED,
            PROPOSALS,
            AgencyRegisteredV1,
            "An agency's name, kind or parent changed (subject and key: the agency id).",
        ),
        _spec(
            WEBHOOK_ENDPOINT_DISABLED,
            NOTIFICATIONS,
            WebhookEndpointDisabledV1,
            "Deliveries to a webhook endpoint failed for the retry period: no more are sent "
            "until the agency changes it (subject and key: the endpoint id).",
        ),
        _spec(
            AGENCY_API_KEY_CHANGED,
            PROPOSALS,
            ApiKeyChangedV1,
            "An agency's API key was issued or revoked; its hash, never the key (subject "
            "and key: the key id).",
        ),
    )
}


def spec_for(type: str, version: int = 1) -> EventSpec:
    return CATALOG[f"urn:inagara:event:{type}:v{version}"]


@dataclass(frozen=True)
class Reads:
    """A consumer's declaration: it handles these versions of this event type."""

    type: str
    versions: tuple[int, ...]

    @property
    def dataschemas(self) -> tuple[str, ...]:
        return tuple(spec_for(self.type, version).dataschema for version in self.versions)


def reads(type: str, *versions: int) -> Reads:
    """``reads(PROPOSAL_SUBMITTED, 1, 2)``: the declaration of one event type (default v1)."""
    return Reads(type, versions or (1,))


def declared(declarations: tuple[Reads, ...]) -> tuple[str, ...]:
    """Every dataschema the declarations name, in order."""
    return tuple(d for declaration in declarations for d in declaration.dataschemas)
