"""Request and response bodies of the review API (marshmallow; the OpenAPI document comes from these)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.review.domain import states
from services.review.domain.categories import BY_PROFILE, MATCHABLE, PLACEMENTS
from services.review.domain.rubric import ROUNDS
from services.review.usecases.accounts import ROLES
from services.review.usecases.decisions import DECISIONS, VERIFICATION_RESULTS
from shared.events.proposal import CATEGORIES, PhoneNumber
from shared.platform.formats import LANGUAGES
from shared.platform.text import SingleLine


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    otp = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={
            "description": "The second factor, for an account that has one: the six digits "
            "the authenticator app shows, or one unused recovery code (used up). Without it "
            "such an account's login is a 401 with code auth.otp_required."
        },
    )


class UserSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), SingleLine()])
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = PhoneNumber(
        load_default=None, allow_none=True, metadata={"description": "Normalised to E.164"}
    )
    language = fields.String(
        load_default="id",
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "The language of this person's pages and messages"},
    )
    agency_code = fields.String(
        load_default="",
        validate=validate.Length(max=50),
        metadata={
            "description": "Home agency's code, as registered with the submission service "
            "(GET /v1/agencies; an unknown code is a 422 naming close matches): never "
            "assigned proposals of this agency, of its parent or of its children"
        },
    )
    expertise = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), load_default=list)
    max_load = fields.Integer(load_default=10, validate=validate.Range(min=0, max=1000))
    active = fields.Boolean(load_default=True)
    role = fields.String(
        load_default="reviewer",
        validate=validate.OneOf(ROLES),
        metadata={
            "x-extensible-enum": True,
            "description": "secretariat, reviewer (desk), panelist, observer (reads what the "
            "secretariat reads, changes nothing); readers must tolerate roles added later",
        },
    )
    password = fields.String(
        load_only=True, required=True, validate=validate.Length(min=10, max=200)
    )
    created_at = fields.DateTime(dump_only=True)


class UserChangeSchema(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=200), SingleLine()])
    phone = PhoneNumber(allow_none=True)
    language = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "The language of this person's pages and messages"},
    )
    agency_code = fields.String(validate=validate.Length(max=50))
    expertise = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)))
    max_load = fields.Integer(validate=validate.Range(min=0, max=1000))
    active = fields.Boolean()
    role = fields.String(
        validate=validate.OneOf(ROLES),
        metadata={"description": "A change of role is audited (and ends no session)"},
    )
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))


class TokenSchema(Schema):
    token = fields.String(
        required=True, metadata={"description": "Send as `Authorization: Bearer <token>`"}
    )
    expires_at = fields.DateTime(
        required=True,
        metadata={"description": "When the token stops working (REVIEW_SESSION_TTL_S after login)"},
    )
    user = fields.Nested(UserSchema, required=True)


class MeSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    name = fields.String(required=True)


class UserListSchema(Schema):
    items = fields.List(fields.Nested(UserSchema), required=True)


class LevelSchema(Schema):
    score = fields.Integer(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    evidence = fields.String(load_default="", validate=validate.Length(max=500))


class CriterionSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    weight = fields.Float(
        required=True, validate=validate.Range(min=0, min_inclusive=False, max=1000)
    )
    scale_min = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    scale_max = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    levels = fields.List(fields.Nested(LevelSchema), load_default=list)


class RubricSchema(Schema):
    round = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    criteria = fields.List(
        fields.Nested(CriterionSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    active = fields.Boolean(
        dump_only=True, metadata={"description": "The version scores are recorded against"}
    )
    frozen_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Set at the first score; a frozen version never changes"},
    )


class CycleRubricsSchema(Schema):
    desk = fields.Nested(RubricSchema)
    panel = fields.Nested(RubricSchema)


class AwardCategorySchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"))
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), SingleLine()],
        metadata={"description": "As people read it, e.g. `Pelayanan Publik`"},
    )
    shortlist_size = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    award_count = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    match = fields.Dict(
        keys=fields.String(validate=validate.OneOf(MATCHABLE)),
        values=fields.List(
            fields.String(validate=validate.Length(min=1, max=50)),
            validate=validate.Length(min=1, max=50),
        ),
        load_default=dict,
        metadata={
            "description": "Profile fields and the values that place a proposal here, e.g. "
            '`{"form": ["public_service"]}`; empty: takes whatever no earlier category took'
        },
    )
    decided_at = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When this category's awards were decided"},
    )
    panel = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "This category's own panel (POST /panel with `category`)"},
    )


def _categories_field(**kwargs: object) -> fields.List:
    return fields.List(
        fields.Nested(AwardCategorySchema),
        validate=validate.Length(max=50),
        metadata={
            "description": "Award categories, in order: a proposal falls into the first whose "
            "`match` holds. Each has its own ranking, shortlist and awards. None: one ranking."
        },
        **kwargs,  # type: ignore[arg-type]
    )


def _category_by_field(**kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.OneOf(PLACEMENTS),
        metadata={
            "description": "`profile`: the rules place a proposal; `agency`: the category the "
            "agency chose in its profile (`award_category`) first, the rules otherwise"
        },
        **kwargs,  # type: ignore[arg-type]
    )


def _min_per_agency_field(**kwargs: object) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=0, max=1000),
        metadata={
            "description": "One agency, one innovation: the proposals each registered agency "
            "is expected to submit (reported on the participation page and in the season "
            "report; the agencies still at zero are reminded by email before the window "
            "closes); 0: no minimum"
        },
        **kwargs,  # type: ignore[arg-type]
    )


def _max_per_agency_field(**kwargs: object) -> fields.Integer:
    return fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=1000),
        metadata={
            "description": "The most proposals one agency may submit (the submission service "
            "refuses one more with a 409); null: no maximum"
        },
        **kwargs,  # type: ignore[arg-type]
    )


class CycleSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    submission_opens_at = fields.AwareDateTime(required=True)
    submission_closes_at = fields.AwareDateTime(required=True)
    review_deadline = fields.AwareDateTime(required=True)
    panel_deadline = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "Default: 30 days after the review deadline"},
    )
    reviewers_per_proposal = fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    shortlist_size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))
    award_count = fields.Integer(load_default=3, validate=validate.Range(min=1, max=1000))
    disagreement_spread = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, max=100),
        metadata={
            "description": "Reviewer totals (0-100) further apart than this are flagged; "
            "default REVIEW_DISAGREEMENT_SPREAD"
        },
    )
    rubrics = fields.Nested(
        CycleRubricsSchema,
        load_only=True,
        metadata={"description": "Default: the desk and panel rubrics shipped"},
    )
    categories = _categories_field(load_default=list)
    category_by = _category_by_field(load_default=BY_PROFILE)
    field_verification = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Whether the cycle has a field verification stage: then only a "
            "finalist whose field visit verified it (pass or adjust) can be awarded"
        },
    )
    min_per_agency = _min_per_agency_field(load_default=0)
    max_per_agency = _max_per_agency_field(load_default=None)
    panel = fields.List(fields.String(), dump_only=True)
    status = fields.String(
        dump_only=True, metadata={"description": "`open`, or `awarded` once decided"}
    )
    created_at = fields.DateTime(dump_only=True)
    shortlist_published_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the shortlist was last published for objections"},
    )
    objections_close_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Until when the public may object (uji publik)"},
    )


class CycleChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    submission_opens_at = fields.AwareDateTime()
    submission_closes_at = fields.AwareDateTime()
    review_deadline = fields.AwareDateTime()
    panel_deadline = fields.AwareDateTime()
    reviewers_per_proposal = fields.Integer(validate=validate.Range(min=1, max=20))
    shortlist_size = fields.Integer(validate=validate.Range(min=1, max=1000))
    award_count = fields.Integer(validate=validate.Range(min=1, max=1000))
    disagreement_spread = fields.Float(validate=validate.Range(min=0, max=100))
    categories = _categories_field()
    category_by = _category_by_field()
    field_verification = fields.Boolean()
    min_per_agency = _min_per_agency_field()
    max_per_agency = _max_per_agency_field()


class CycleListSchema(Schema):
    items = fields.List(fields.Nested(CycleSchema), required=True)


class RankingRowSchema(Schema):
    rank = fields.Integer(required=True)
    proposal_id = fields.String(required=True)
    title = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    status = fields.String(required=True)
    mean_score = fields.Float(required=True)
    reviewer_totals = fields.List(fields.Float(), required=True)
    spread = fields.Float(required=True)
    disagreement = fields.Boolean(required=True)
    verification = fields.String(allow_none=True)
    award = fields.String(allow_none=True)
    award_category = fields.String(allow_none=True)
    recorded_rank = fields.Integer(
        metadata={"description": "what-if only: the rank under the rubric in force"}
    )
    recorded_mean_score = fields.Float(metadata={"description": "what-if only"})


class RankingQuerySchema(Schema):
    round = fields.String(load_default="desk", validate=validate.OneOf((*ROUNDS, "final")))
    category = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Only this award category's proposals, ranked among themselves"},
    )
    format = fields.String(
        validate=validate.OneOf(("json", "csv")),
        metadata={
            "description": "`csv` for a spreadsheet: one row per proposal and award category "
            "(ranked within it), or the overall ranking for a cycle without categories"
        },
    )


class ScoresQuerySchema(Schema):
    category = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Only this award category's proposals"},
    )
    format = fields.String(
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "`csv` for a spreadsheet (one row per submitted review)"},
    )


class ScoreRowSchema(Schema):
    award_category = fields.String(allow_none=True)
    proposal_id = fields.String(required=True)
    title = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    round = fields.String(required=True)
    reviewer = fields.String(required=True)
    rubric_version = fields.Integer(allow_none=True)
    weighted_total = fields.Float(allow_none=True)
    scores = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Per criterion"}
    )
    comment = fields.String()
    submitted_at = fields.DateTime(allow_none=True)


class ScoresSchema(Schema):
    items = fields.List(fields.Nested(ScoreRowSchema), required=True)


class SeasonCountSchema(Schema):
    status = fields.String()
    code = fields.String()
    name = fields.String()
    count = fields.Integer(required=True)


class SeasonAgencySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    proposals = fields.Integer(required=True)
    below_minimum = fields.Boolean()


class SeasonWinnerSchema(Schema):
    proposal_id = fields.String(required=True)
    title = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    award = fields.String()
    award_category = fields.String(allow_none=True)
    award_category_name = fields.String()


class SeasonCycleSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    submission_opens_at = fields.DateTime(required=True)
    submission_closes_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    min_per_agency = fields.Integer()
    max_per_agency = fields.Integer(allow_none=True)


class SeasonParticipationSchema(Schema):
    agencies = fields.Integer(required=True)
    with_proposal = fields.Integer(required=True)
    without_proposal = fields.List(fields.String(), required=True)
    below_minimum = fields.List(fields.String(), required=True)


class SeasonReportSchema(Schema):
    cycle = fields.Nested(SeasonCycleSchema, required=True)
    total = fields.Integer(required=True)
    per_stage = fields.List(fields.Nested(SeasonCountSchema), required=True)
    per_category = fields.List(fields.Nested(SeasonCountSchema), required=True)
    per_agency = fields.List(fields.Nested(SeasonAgencySchema), required=True)
    participation = fields.Nested(SeasonParticipationSchema, required=True)
    winners = fields.List(fields.Nested(SeasonWinnerSchema), required=True)


class CategoryRankingSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    shortlist_size = fields.Integer(required=True)
    award_count = fields.Integer(required=True)
    items = fields.List(fields.Nested(RankingRowSchema), required=True)


class RankingSchema(Schema):
    round = fields.String(required=True)
    tie_break = fields.String(required=True)
    items = fields.List(fields.Nested(RankingRowSchema), required=True)
    by_category = fields.List(
        fields.Nested(CategoryRankingSchema),
        required=True,
        metadata={"description": "Side by side: each award category's own ranking"},
    )


class WhatIfSchema(Schema):
    round = fields.String(required=True)
    version = fields.Integer(required=True)
    criteria_without_recorded_scores = fields.List(fields.String(), required=True)
    ranking = fields.List(fields.Nested(RankingRowSchema), required=True)


class AgencyParticipationSchema(Schema):
    id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(
        allow_none=True, metadata={"description": "None: known only from a proposal"}
    )
    parent_code = fields.String(allow_none=True)
    proposals = fields.Integer(required=True)
    titles = fields.List(fields.String(), required=True)
    below_minimum = fields.Boolean(metadata={"description": "Fewer than the cycle's minimum"})
    over_maximum = fields.Boolean(metadata={"description": "More than the cycle's maximum"})


class ParticipationSchema(Schema):
    note = fields.String(required=True)
    agencies = fields.List(fields.Nested(AgencyParticipationSchema), required=True)
    without_proposal = fields.List(fields.String(), required=True)
    more_than_one = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Against 'one agency, one innovation'"},
    )
    min_per_agency = fields.Integer(metadata={"description": "The cycle's minimum (0: none)"})
    max_per_agency = fields.Integer(
        allow_none=True, metadata={"description": "The cycle's maximum (null: none)"}
    )
    below_minimum = fields.List(
        fields.String(), metadata={"description": "Codes of agencies below the minimum"}
    )


class PanelSchema(Schema):
    reviewer_ids = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=50)
    )
    category = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={
            "description": "Name this award category's own panel (its finalists only); "
            "absent: the cycle's panel, for every finalist without a category panel"
        },
    )


class PanelResultSchema(Schema):
    finalists_assigned = fields.Integer(required=True)


class AwardItemSchema(Schema):
    proposal_id = fields.String(required=True)
    award = fields.String(load_default="Award", validate=validate.Length(min=1, max=200))


class AwardsSchema(Schema):
    awards = fields.List(
        fields.Nested(AwardItemSchema), required=True, validate=validate.Length(min=1)
    )
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    category = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={
            "description": "Decide this award category only; absent: every category not "
            "decided yet (or the whole cycle, without categories)"
        },
    )


class AwardsResultSchema(Schema):
    awarded = fields.List(fields.String(), required=True)
    not_awarded = fields.List(fields.String(), required=True)


class ReviewProposalSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"description": f"One of {', '.join(states.STATES)}"}
    )
    title = fields.String(required=True)
    agency_id = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    category = fields.String()
    profile = fields.Dict(required=True)
    evidence = fields.List(fields.Dict())
    addenda = fields.List(
        fields.Dict(),
        metadata={
            "description": "Evidence the agency added after submission: id, version, note, "
            "file (as evidence), added_at"
        },
    )
    cycle_id = fields.String(allow_none=True)
    submitted_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    correlation_id = fields.String(allow_none=True)
    screening_reasons = fields.List(fields.String())
    scores = fields.Dict(metadata={"description": "Secretariat only: the summary per round"})
    verification = fields.String(allow_none=True, metadata={"description": "Secretariat only"})
    verification_note = fields.String(allow_none=True, metadata={"description": "Secretariat only"})
    award = fields.String(allow_none=True)
    award_category = fields.String(
        allow_none=True, metadata={"description": "The cycle's award category it falls into"}
    )
    allowed_transitions = fields.List(fields.String())


class ProposalListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(states.STATES))
    cycle_id = fields.String()


class ProposalListSchema(Schema):
    items = fields.List(fields.Nested(ReviewProposalSchema), required=True)


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(tuple(DECISIONS)))
    note = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "For request_revision: the feedback to the agency"},
    )


class VerificationSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf(VERIFICATION_RESULTS))
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class TeamMemberSchema(Schema):
    reviewer_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=36),
        metadata={"description": "A reviewer or panelist account (their name is taken from it)"},
    )
    name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Someone named freely (without reviewer_id)"},
    )


class PresentationRequestSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=720))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    online_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=1000),
    )


class VisitRequestSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=720))
    address = fields.String(required=True, validate=validate.Length(min=1, max=500))
    team = fields.List(
        fields.Nested(TeamMemberSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Reviewers of the panel (reviewer_id) or names"},
    )


class AppointmentSchema(Schema):
    id = fields.String(required=True)
    proposal_id = fields.String(required=True)
    cycle_id = fields.String(allow_none=True)
    kind = fields.String(required=True, metadata={"description": "presentation or visit"})
    status = fields.String(required=True, metadata={"description": "scheduled or cancelled"})
    revision = fields.Integer(required=True)
    starts_at = fields.DateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    place = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    team = fields.List(fields.Nested(TeamMemberSchema))
    scheduled_by = fields.String(required=True)
    scheduled_at = fields.DateTime(required=True)


class AppointmentListSchema(Schema):
    items = fields.List(fields.Nested(AppointmentSchema), required=True)


class AssignmentSchema(Schema):
    id = fields.String(required=True)
    proposal_id = fields.String(required=True)
    proposal_version = fields.Integer()
    cycle_id = fields.String(allow_none=True)
    round = fields.String(required=True)
    reviewer_id = fields.String(required=True)
    reviewer_name = fields.String()
    status = fields.String(
        required=True, metadata={"description": "pending, submitted or released"}
    )
    deadline = fields.DateTime(required=True)
    assigned_at = fields.DateTime(required=True)
    replaces_id = fields.String(allow_none=True)
    released_reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    scores = fields.Dict(allow_none=True)
    comment = fields.String(allow_none=True)
    weighted_total = fields.Float(allow_none=True)
    rubric_version = fields.Integer(allow_none=True)


class AssignmentListSchema(Schema):
    items = fields.List(fields.Nested(AssignmentSchema), required=True)


class AddReviewerSchema(Schema):
    reviewer_id = fields.String(required=True)


class ReassignSchema(Schema):
    reviewer_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Empty: the best eligible reviewer"},
    )


class ReviewSchema(Schema):
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={"description": "A whole number per criterion key, on its scale"},
    )
    comment = fields.String(load_default="", validate=validate.Length(max=10000))


class ConflictSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class DeclarationSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("agency", "proposal")),
        metadata={"description": "What the conflict is with: an agency (by code) or a proposal"},
    )
    target = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=50), SingleLine()],
        metadata={"description": "The agency's code (registered) or the proposal's id"},
    )
    reason = fields.String(load_default="", validate=[validate.Length(max=200), SingleLine()])


class DeclaredSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    target = fields.String(required=True)
    reason = fields.String(required=True)
    declared_at = fields.DateTime(required=True)
    released = fields.List(
        fields.String(),
        metadata={"description": "On a declaration: the pending assignments it released"},
    )


class DeclaredListSchema(Schema):
    items = fields.List(fields.Nested(DeclaredSchema), required=True)


class RegisteredAgencySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_code = fields.String(allow_none=True)


class RegisteredAgencyListSchema(Schema):
    items = fields.List(fields.Nested(RegisteredAgencySchema), required=True)


class ReplacementSchema(Schema):
    released_assignment_id = fields.String(required=True)
    new_assignment_id = fields.String(
        allow_none=True, metadata={"description": "None: nobody eligible left"}
    )


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class AuditSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)


class StageCountSchema(Schema):
    cycle_id = fields.String(allow_none=True, metadata={"description": "null: not in a cycle"})
    status = fields.String()
    count = fields.Integer()


class PartitionLagSchema(Schema):
    topic = fields.String()
    partition = fields.Integer()
    committed = fields.Integer(
        allow_none=True, metadata={"description": "null: the group never committed here"}
    )
    end = fields.Integer()
    lag = fields.Integer()


class GroupLagSchema(Schema):
    group = fields.String()
    topics = fields.List(fields.String())
    total = fields.Integer()
    partitions = fields.List(fields.Nested(PartitionLagSchema))
    error = fields.String()


class OutboxStateSchema(Schema):
    service = fields.String()
    source = fields.String(metadata={"description": "The /metrics URL read, or `database`"})
    backlog = fields.Integer(allow_none=True)
    oldest_unsent_age_s = fields.Float(allow_none=True)
    error = fields.String(metadata={"description": "Set when the service did not answer"})


class DeadLetterSchema(Schema):
    topic = fields.String()
    partition = fields.Integer()
    offset = fields.Integer()
    timestamp_ms = fields.Integer()
    key = fields.String()
    reason = fields.String()
    error_type = fields.String()
    origin_topic = fields.String()
    origin_partition = fields.String()
    origin_offset = fields.String()
    consumer_group = fields.String()


class DeadLetterTailSchema(Schema):
    topic = fields.String()
    letters = fields.List(fields.Nested(DeadLetterSchema), metadata={"description": "Newest first"})
    error = fields.String()


class PipelineSchema(Schema):
    stages = fields.List(fields.Nested(StageCountSchema))
    totals_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    groups = fields.List(fields.Nested(GroupLagSchema))
    outboxes = fields.List(fields.Nested(OutboxStateSchema))
    dead_letters = fields.List(fields.Nested(DeadLetterTailSchema))
    broker_error = fields.String(metadata={"description": "Empty when the broker answered"})
    checked_in_s = fields.Float()


class InvitationSchema(Schema):
    """A new account without a password: its person sets one through the emailed link."""

    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), SingleLine()])
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = PhoneNumber(
        load_default=None, allow_none=True, metadata={"description": "Normalised to E.164"}
    )
    language = fields.String(load_default="id", validate=validate.OneOf(LANGUAGES))
    agency_code = fields.String(load_default="", validate=validate.Length(max=50))
    expertise = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), load_default=list)
    max_load = fields.Integer(load_default=10, validate=validate.Range(min=0, max=1000))
    role = fields.String(load_default="reviewer", validate=validate.OneOf(ROLES))


class LinkSentSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    expires_at = fields.DateTime(
        required=True, metadata={"description": "When the link stops working"}
    )
    email_sent = fields.Boolean(
        required=True,
        metadata={"description": "false: the SMTP server refused or did not answer; send again"},
    )


class ResetRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class SetPasswordSchema(Schema):
    link = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The secret of the emailed link (its last path segment, rvl_…)"},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "At least 12 characters, not a common one, not the email"},
    )


class AccessAuditQuerySchema(Schema):
    user_id = fields.String(metadata={"description": "Only this account's changes"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class AccessAuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)


class PublishResultsSchema(Schema):
    scores = fields.Boolean(
        load_default=False,
        metadata={"description": "Publish each finalist's final score too (default: no scores)"},
    )


class ResultsPublicationSchema(Schema):
    cycle_id = fields.String(required=True)
    published_at = fields.AwareDateTime(required=True)
    scores_published = fields.Boolean(required=True)
    entries = fields.Integer(
        required=True, metadata={"description": "How many finalists the public record lists"}
    )
