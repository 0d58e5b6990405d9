"""Request and response bodies of the agency portal API (they make the OpenAPI document)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.submission import domain
from shared.events.proposal import (
    CATEGORIES,
    MATURITIES,
    EvidenceFileSchema,
    InnovatorSchema,
    PhoneNumber,
    ProposalProfileSchema,
)
from shared.events.webhook import ACTIVE as WEBHOOK_ACTIVE
from shared.events.webhook import EVENT_TYPES as WEBHOOK_EVENT_TYPES
from shared.events.webhook import PAUSED as WEBHOOK_PAUSED
from shared.platform.text import SingleLine

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$", error="Letters, digits, _ . - only.")
ID = fields.String(validate=validate.Length(min=1, max=100))


def not_demo_code(code: str) -> None:
    if domain.is_demo_code(code):
        raise ValidationError(f"{domain.DEMO_CODE_PREFIX} codes are the local demo's.")


# A name or title: one line, for it ends up in an email header (shared/platform/text.py).
NAME = [validate.Length(min=1, max=200), SingleLine()]


class Strict(Schema):
    """Request bodies refuse unknown fields, so that typos surface as 422."""

    class Meta:
        unknown = RAISE


# -- agencies and keys ---------------------------------------------------------


class AgencyCreateSchema(Strict):
    code = fields.String(
        required=True,
        validate=[CODE, not_demo_code],
        metadata={"description": "Unique; `DEMO-…` is the local demo's and refused"},
    )
    name = fields.String(required=True, validate=NAME)
    type = fields.String(required=True, validate=validate.OneOf(domain.AGENCY_TYPES))
    parent_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=36),
        metadata={"description": "The parent agency (a kelurahan's kecamatan)"},
    )
    contact_email = fields.Email(
        load_default=None, allow_none=True, validate=validate.Length(max=254)
    )
    contact_phone = PhoneNumber(
        load_default=None,
        allow_none=True,
        metadata={"description": "Stored in E.164 (`0812…` becomes `+62812…`)"},
    )
    allow_drafter_submit = fields.Boolean(
        load_default=False,
        metadata={"description": "Let drafter keys submit without the agency administrator"},
    )


class AgencyUpdateSchema(Strict):
    """Fields to change; the agency's own administrator may change only the contact
    fields and ``allow_drafter_submit``."""

    name = fields.String(validate=NAME)
    type = fields.String(validate=validate.OneOf(domain.AGENCY_TYPES))
    parent_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    contact_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    contact_phone = PhoneNumber(allow_none=True)
    allow_drafter_submit = fields.Boolean()


class AgencySchema(Schema):
    id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    parent_id = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    allow_drafter_submit = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class AgencyListSchema(Schema):
    items = fields.List(fields.Nested(AgencySchema), required=True)


class WhoAmISchema(Schema):
    agency = fields.Nested(AgencySchema, required=True)
    role = fields.String(required=True, metadata={"description": "`drafter` or `agency_admin`"})
    may_submit = fields.Boolean(required=True)


class KeyCreateSchema(Strict):
    role = fields.String(required=True, validate=validate.OneOf(domain.ROLES))
    label = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "Whose key this is, e.g. `Puskesmas Sukajadi`"},
    )


class KeySchema(Schema):
    id = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "Identifies the key in lists"})
    role = fields.String(required=True)
    label = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class KeyCreatedSchema(KeySchema):
    secret = fields.String(
        allow_none=True,
        metadata={
            "description": "The key itself, shown only in this answer (null when an "
            "Idempotency-Key replays it: it is not stored)"
        },
    )


class KeyListSchema(Schema):
    items = fields.List(fields.Nested(KeySchema), required=True)


# -- proposals -----------------------------------------------------------------


class InnovatorWriteSchema(InnovatorSchema):
    name = fields.String(required=True, validate=NAME)


class ProposalWriteSchema(ProposalProfileSchema):
    """The innovation profile, plus the cycle it is for; unknown fields are refused.
    Names and the title must be one line (events keep the lenient rule of consumers)."""

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=NAME)
    innovators = fields.List(
        fields.Nested(InnovatorWriteSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )

    cycle_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Optional when exactly one cycle is open: that one is chosen"},
    )


class CreateQuerySchema(Schema):
    draft = fields.Boolean(
        load_default=False,
        metadata={"description": "Save as a draft instead of submitting at once"},
    )


class SubmitSchema(Strict):
    cycle_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=100)
    )


class WithdrawSchema(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class RevisionRequestSchema(Schema):
    version = fields.Integer(allow_none=True)
    feedback = fields.String()
    reasons = fields.List(fields.String())
    requested_by = fields.String(metadata={"description": "`screening` or `review team`"})
    requested_at = fields.DateTime()


class ProposalSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "One of " + ", ".join(domain.STATUSES)}
    )
    version = fields.Integer(required=True, metadata={"description": "The current version"})
    submitted_version = fields.Integer(
        allow_none=True, metadata={"description": "The version last sent to review"}
    )
    agency_id = fields.String(required=True)
    cycle_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    allowed_actions = fields.List(fields.String(), required=True)
    revision_request = fields.Nested(
        RevisionRequestSchema,
        allow_none=True,
        metadata={"description": "The reviewers' feedback of the last revision request"},
    )
    profile = fields.Nested(ProposalProfileSchema, required=True)


class ProposalPageSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema), required=True)
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page"}
    )


class SearchQuerySchema(Schema):
    cycle_id = fields.String(validate=validate.Length(min=1, max=100))
    status = fields.String(validate=validate.OneOf(domain.STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    maturity = fields.String(validate=validate.OneOf(MATURITIES))
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Words in the title (case-insensitive)"},
    )
    cursor = fields.String(validate=validate.Length(min=1, max=500))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class VersionSchema(Schema):
    proposal_id = fields.String(required=True)
    version = fields.Integer(required=True)
    cycle_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(
        allow_none=True, metadata={"description": "Set when this version went to review"}
    )
    evidence = fields.List(
        fields.Nested(EvidenceFileSchema),
        allow_none=True,
        metadata={"description": "The evidence files as they were when submitted"},
    )
    profile = fields.Nested(ProposalProfileSchema, required=True)


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), required=True)


class TimelineEntrySchema(Schema):
    type = fields.String(
        required=True, metadata={"description": "The event type, e.g. `proposal.screened`"}
    )
    at = fields.DateTime(required=True)
    version = fields.Integer(allow_none=True)
    summary = fields.String(required=True)
    facts = fields.Dict(
        required=True,
        metadata={"description": "What the step says, without reviewers' identities"},
    )


class TimelineSchema(Schema):
    items = fields.List(fields.Nested(TimelineEntrySchema), required=True)


# -- evidence --------------------------------------------------------------------


class EvidenceUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "A PDF, PNG, JPEG or DOCX file"})


NOTE_MAX = 2000


class AddendumUploadSchema(Schema):
    """The multipart body of an addendum: the ``file`` part and a ``note`` field (a form
    field, read beside the file: one schema keeps them in one multipart request body)."""

    file = Upload(required=True, metadata={"description": "A PDF, PNG, JPEG or DOCX file"})
    note = fields.String(
        load_default="",
        metadata={
            "description": f"What the file adds, for the reviewers (at most {NOTE_MAX} characters)"
        },
    )


class AddendumSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "The submitted version it adds to"}
    )
    note = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"description": "When it was added"})


class AddendumListSchema(Schema):
    items = fields.List(fields.Nested(AddendumSchema), required=True)


class EvidenceSchema(Schema):
    id = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(
        required=True, metadata={"description": "As the bytes show, not as the name says"}
    )
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True, metadata={"description": "Hex SHA-256 of the bytes"})
    created_at = fields.DateTime(required=True)


class EvidenceListSchema(Schema):
    items = fields.List(fields.Nested(EvidenceSchema), required=True)
    total_bytes = fields.Integer(required=True)


# -- cycles ----------------------------------------------------------------------


class AwardCategoryChoiceSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CycleSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    open_now = fields.Boolean(required=True)
    categories = fields.List(
        fields.Nested(AwardCategoryChoiceSchema),
        required=True,
        metadata={"description": "The cycle's award categories (none: one overall ranking)"},
    )
    category_by = fields.String(
        required=True,
        metadata={
            "description": "`agency`: name one of `categories` as the profile's "
            "`award_category`; `profile`: the review service places the proposal by its form"
        },
    )
    min_per_agency = fields.Integer(
        metadata={
            "description": "One agency, one innovation: proposals each agency is expected to "
            "submit (0: no minimum)"
        }
    )
    max_per_agency = fields.Integer(
        allow_none=True,
        metadata={
            "description": "The most proposals one agency may submit to the cycle; one more "
            "is a 409 `submission.agency_limit_reached` (null: no maximum)"
        },
    )


class CycleListSchema(Schema):
    items = fields.List(fields.Nested(CycleSchema), required=True)


class ParticipationQuerySchema(Schema):
    format = fields.String(
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "`csv` for a spreadsheet (or send `Accept: text/csv`)"},
    )


class AgencyParticipationSchema(Schema):
    agency_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    parent_code = fields.String(allow_none=True)
    submitted = fields.Integer(required=True)


class ParticipationSchema(Schema):
    cycle_id = fields.String(required=True)
    agencies = fields.List(fields.Nested(AgencyParticipationSchema), required=True)
    without_submission = fields.List(
        fields.Nested(AgencyParticipationSchema),
        required=True,
        metadata={"description": "The agencies that have submitted nothing yet"},
    )
    min_per_agency = fields.Integer(
        metadata={"description": "The cycle's minimum per agency (0: none)"}
    )
    max_per_agency = fields.Integer(
        allow_none=True, metadata={"description": "The cycle's maximum per agency (null: none)"}
    )
    below_minimum = fields.List(
        fields.Nested(AgencyParticipationSchema),
        metadata={"description": "The agencies that have submitted fewer than the minimum"},
    )


# -- webhooks ------------------------------------------------------------------


class WebhookCreateSchema(Strict):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={
            "description": "Where the events are posted (https://; an address inside a "
            "private network is refused)"
        },
    )
    description = fields.String(load_default="", validate=[validate.Length(max=500), SingleLine()])
    event_types = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)),
        load_default=list,
        metadata={"description": "The event types to receive; empty: all of them"},
    )


class WebhookUpdateSchema(Strict):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    description = fields.String(validate=[validate.Length(max=500), SingleLine()])
    event_types = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)))
    state = fields.String(
        validate=validate.OneOf((WEBHOOK_ACTIVE, WEBHOOK_PAUSED)),
        metadata={
            "description": "`paused` stops deliveries; `active` resumes them (and "
            "re-enables an endpoint disabled after failing deliveries)"
        },
    )


class WebhookSchema(Schema):
    id = fields.String(required=True)
    agency_id = fields.String(required=True)
    url = fields.String(required=True)
    description = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    state = fields.String(
        required=True,
        metadata={
            "description": "`active`, `paused`, or `disabled` (the deliveries failed for "
            "the retry period; a `PATCH` enables it again and its events are then sent)"
        },
    )
    disabled_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it was disabled (state `disabled`)"}
    )
    disabled_reason = fields.String(
        allow_none=True,
        metadata={"description": "The last failed attempt, as the delivery log has it"},
    )
    secret_generation = fields.Integer(required=True)
    previous_secret_valid_until = fields.DateTime(
        allow_none=True,
        metadata={"description": "Until then deliveries are signed with the previous secret too"},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        required=True,
        metadata={
            "description": "The signing secret (`whsec_…`, Standard Webhooks), shown only in "
            "this answer; store it now"
        },
    )


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)
