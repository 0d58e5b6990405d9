"""Payload schemas of the review events (published on ``inagara.reviews``).

Every payload names the proposal (``proposal_id``, also the record key), except
``cycle.scheduled``, whose subject and key are the cycle id.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.proposal import INSTANT_CHANNELS, Lenient

ROUNDS = ("desk", "panel")


class PersonSchema(Lenient):
    """A reviewer as the notification service needs to reach them."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    phone = fields.String(load_default=None, allow_none=True, metadata={"description": "E.164"})
    language = fields.String(load_default="id", validate=validate.OneOf(("id", "en")))
    instant_channel = fields.String(
        validate=validate.OneOf(INSTANT_CHANNELS),
        metadata={"description": "preferred instant channel; absent: the programme's default"},
    )


class AwardCategoryRefSchema(Lenient):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CycleScheduledV1(Lenient):
    """``cycle.scheduled`` v1: a cycle was created or its dates changed."""

    cycle_id = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    submission_opens_at = fields.AwareDateTime(required=True)
    submission_closes_at = fields.AwareDateTime(required=True)
    review_deadline = fields.AwareDateTime(required=True)
    scheduled_at = fields.AwareDateTime(required=True)
    categories = fields.List(
        fields.Nested(AwardCategoryRefSchema),
        load_default=list,
        metadata={"description": "the cycle's award categories, in order (none: one ranking)"},
    )
    category_by = fields.String(
        load_default="profile",
        validate=validate.OneOf(("profile", "agency")),
        metadata={
            "description": "profile: the categories' rules place a proposal; agency: the "
            "category the agency names in its profile (award_category) first"
        },
    )
    min_per_agency = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=1000),
        metadata={
            "description": "one agency, one innovation: the proposals each registered agency "
            "is expected to submit (reported by the participation views; the submission "
            "service reminds the agencies still at zero before the window closes); 0: no "
            "minimum"
        },
    )
    max_per_agency = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "the most proposals one agency may submit to the cycle (the "
            "submission service refuses more with a 409); absent: no maximum"
        },
    )


class ProposalScreenedV1(Lenient):
    """``proposal.screened`` v1: the completeness check ran on a submitted version."""

    proposal_id = fields.String(required=True)
    version = fields.Integer(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    passed = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), load_default=list)
    screened_at = fields.AwareDateTime(required=True)


class ReviewAssignedV1(Lenient):
    """``review.assigned`` v1: a reviewer (or panel member) was assigned a proposal."""

    proposal_id = fields.String(required=True)
    assignment_id = fields.String(required=True)
    round = fields.String(required=True, validate=validate.OneOf(ROUNDS))
    reviewer = fields.Nested(PersonSchema, required=True)
    title = fields.String(required=True)
    deadline = fields.AwareDateTime(required=True)
    assigned_at = fields.AwareDateTime(required=True)
    replaces_assignment_id = fields.String(load_default=None, allow_none=True)


class ReviewSubmittedV1(Lenient):
    """``review.submitted`` v1: a reviewer submitted (or changed) their scores."""

    proposal_id = fields.String(required=True)
    assignment_id = fields.String(required=True)
    round = fields.String(required=True, validate=validate.OneOf(ROUNDS))
    reviewer_id = fields.String(required=True)
    weighted_total = fields.Float(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ProposalScoredV1(Lenient):
    """``proposal.scored`` v1: every assigned review of a round is in."""

    proposal_id = fields.String(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    round = fields.String(required=True, validate=validate.OneOf(ROUNDS))
    mean_score = fields.Float(required=True)
    reviewer_totals = fields.List(fields.Float(), required=True)
    disagreement = fields.Boolean(required=True)
    scored_at = fields.AwareDateTime(required=True)


class RevisionRequestedV1(Lenient):
    """``proposal.revision_requested`` v1: the agency must change the proposal and resubmit."""

    proposal_id = fields.String(required=True)
    version = fields.Integer(required=True)
    feedback = fields.String(required=True)
    reasons = fields.List(fields.String(), load_default=list)
    requested_by = fields.String(
        required=True, metadata={"description": "`screening` or a user id"}
    )
    requested_at = fields.AwareDateTime(required=True)


class DecisionV1(Lenient):
    """``proposal.rejected`` / ``proposal.shortlisted`` / ``proposal.awarded`` /
    ``proposal.not_awarded`` v1: a decision of the secretariat."""

    proposal_id = fields.String(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    rank = fields.Integer(load_default=None, allow_none=True)
    award = fields.String(
        load_default=None, allow_none=True, metadata={"description": "awarded only"}
    )
    note = fields.String(load_default="")
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    award_category = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the code of the proposal's award category, if the cycle has any"},
    )
    award_category_name = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "that category's name, as people read it"},
    )


class ReminderDueV1(Lenient):
    """``review.reminder_due`` v1: a reviewer's review is pending close to its deadline."""

    proposal_id = fields.String(required=True)
    assignment_id = fields.String(required=True)
    reviewer = fields.Nested(PersonSchema, required=True)
    title = fields.String(required=True)
    deadline = fields.AwareDateTime(required=True)


class PublicEntrySchema(Lenient):
    """One innovation as the public may read it: never a reviewer, never a person."""

    proposal_id = fields.String(required=True)
    title = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    summary = fields.String(load_default="")
    category = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the code of its award category (none: the cycle has none)"},
    )
    category_name = fields.String(load_default=None, allow_none=True)
    rank = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "its rank within its category (or the cycle)"},
    )
    award = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the award's name; absent until results are published"},
    )
    score = fields.Float(
        load_default=None,
        allow_none=True,
        metadata={"description": "its final score, only when the secretariat publishes scores"},
    )


class ShortlistPublishedV1(Lenient):
    """``cycle.shortlist_published`` v1: the secretariat published the cycle's shortlist for
    public objection (uji publik) until ``objections_close_at``."""

    cycle_id = fields.String(required=True)
    cycle_name = fields.String(required=True)
    year = fields.Integer(required=True)
    published_at = fields.AwareDateTime(required=True)
    objections_close_at = fields.AwareDateTime(required=True)
    categories = fields.List(fields.Nested(AwardCategoryRefSchema), load_default=list)
    entries = fields.List(
        fields.Nested(PublicEntrySchema),
        required=True,
        metadata={"description": "the shortlisted innovations, per category in rank order"},
    )


class ResultsPublishedV1(Lenient):
    """``cycle.results_published`` v1: the secretariat published the cycle's awards."""

    cycle_id = fields.String(required=True)
    cycle_name = fields.String(required=True)
    year = fields.Integer(required=True)
    published_at = fields.AwareDateTime(required=True)
    categories = fields.List(fields.Nested(AwardCategoryRefSchema), load_default=list)
    scores_published = fields.Boolean(load_default=False)
    entries = fields.List(
        fields.Nested(PublicEntrySchema),
        required=True,
        metadata={
            "description": "the shortlisted innovations, per category in rank order, the "
            "awarded ones with their award"
        },
    )


APPOINTMENT_KINDS = ("presentation", "visit")
APPOINTMENT_CHANGES = ("scheduled", "rescheduled", "cancelled")
VERIFICATION_RESULTS = ("pass", "fail", "adjust")


class TeamMemberSchema(Lenient):
    """One member of a field-visit team: a panel reviewer (by id, with the name the review
    service knows) or someone named freely (no id)."""

    reviewer_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the reviewer's account id; absent for a name given freely"},
    )
    name = fields.String(required=True)


class AppointmentV1(Lenient):
    """``proposal.presentation_scheduled`` / ``proposal.visit_scheduled`` v1: the secretariat
    scheduled, rescheduled or cancelled a finalist's presentation or field visit (each change
    a new event: ``change`` says which, ``revision`` counts them); and
    ``proposal.appointment_reminder_due`` v1: such an appointment is close (the day before).
    No contact data: reviewers are named by id (and the team by name)."""

    proposal_id = fields.String(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    appointment_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_KINDS))
    change = fields.String(
        required=True,
        validate=validate.OneOf(APPOINTMENT_CHANGES),
        metadata={"description": "scheduled (the first time), rescheduled, or cancelled"},
    )
    revision = fields.Integer(
        required=True, metadata={"description": "1 for the first schedule, +1 per change"}
    )
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    place = fields.String(
        load_default=None, allow_none=True, metadata={"description": "presentation: the room"}
    )
    online_url = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "presentation: the online meeting's link"},
    )
    address = fields.String(
        load_default=None, allow_none=True, metadata={"description": "visit: where"}
    )
    team = fields.List(
        fields.Nested(TeamMemberSchema),
        load_default=list,
        metadata={"description": "visit: who goes"},
    )
    reviewer_ids = fields.List(
        fields.String(),
        load_default=list,
        metadata={
            "description": "the panel reviewers this appointment concerns (the panel for a "
            "presentation, the team's reviewers for a visit): they get their schedule"
        },
    )
    award_category = fields.String(load_default=None, allow_none=True)
    award_category_name = fields.String(load_default=None, allow_none=True)
    scheduled_by = fields.String(required=True)
    scheduled_at = fields.AwareDateTime(required=True)


class VisitRecordedV1(Lenient):
    """``proposal.visit_recorded`` v1: the secretariat recorded the field visit's outcome."""

    proposal_id = fields.String(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    verified = fields.Boolean(
        required=True, metadata={"description": "true for a pass or an adjusted pass"}
    )
    result = fields.String(required=True, validate=validate.OneOf(VERIFICATION_RESULTS))
    notes = fields.String(load_default="")
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
