"""Payload schemas of the proposal events (published on ``inagara.proposals``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import phonenumbers
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

CATEGORIES = (
    "education",
    "health",
    "public_works",
    "housing",
    "public_order",
    "social",
    "manpower",
    "women_child",
    "food",
    "land",
    "environment",
    "population_civil_registry",
    "village_community",
    "transportation",
    "communication_informatics",
    "cooperatives_smes",
    "investment",
    "youth_sports",
    "culture",
    "library",
    "archives",
    "fisheries",
    "tourism",
    "agriculture",
    "trade",
    "industry",
    "water",
    "governance",
    "other",
)
FORMS = ("governance", "public_service", "other")
KINDS = ("digital", "non_digital")
MATURITIES = ("initiative", "trial", "implemented")
LAB_STAGES = ("drum_up", "diagnose", "design", "deliver", "display")
DEFAULT_REGION = "ID"


# A pure function of its text, and the costliest field of a proposal's body (~0.1 ms):
# an agency's innovators send the same few numbers again and again.
@lru_cache(maxsize=4096)
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number; Indonesian ``0812…`` becomes ``+62812…``.

    Raises ``ValidationError`` for a number that could never receive an SMS.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Not a phone number.") from exc
    written = raw.strip()
    if written[:1].isdigit() and written[:1] != "0":
        # "62812…" is the country code written without its "+" (a national number
        # starts with 0 or with the operator's 8), not the national number 62812….
        code = str(phonenumbers.country_code_for_region(region))
        digits = "".join(c for c in written if c.isdigit())
        if digits.startswith(code):
            try:
                international = phonenumbers.parse("+" + digits)
            except phonenumbers.NumberParseException:
                international = None
            if international is not None and phonenumbers.is_valid_number(international):
                number = international
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumber(fields.String):
    """A phone number, loaded into E.164."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise_phone(super()._deserialize(value, attr, data, **kwargs))


def _text(max_length: int, *, required: bool = True) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=1, max=max_length),
    )


# The instant channels a person may prefer for short messages (besides email).
INSTANT_CHANNELS = ("whatsapp", "sms")


class Lenient(Schema):
    """Consumers ignore fields they do not know (DESIGN: Events)."""

    class Meta:
        unknown = EXCLUDE


class InnovatorSchema(Lenient):
    name = _text(200)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = PhoneNumber(required=True)
    instant_channel = fields.String(
        validate=validate.OneOf(INSTANT_CHANNELS),
        metadata={"description": "preferred instant channel; absent: the programme's default"},
    )
    instant_consent_at = fields.AwareDateTime(
        metadata={
            "description": "when the innovator agreed, on the agency's portal, to SMS and "
            "WhatsApp messages about their proposals: the recorded lawful basis for instant "
            "messages (UU 27/2022). Absent: no consent recorded; where the notification "
            "service requires a basis (INSTANT_REQUIRE_BASIS), such an innovator gets email "
            "only, unless they set an instant channel themselves on the preferences page"
        },
    )


class ProposalProfileSchema(Lenient):
    """The innovation profile an agency fills in (Indonesian innovation-profile practice)."""

    title = _text(200)
    summary = _text(2000)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    maturity = fields.String(required=True, validate=validate.OneOf(MATURITIES))
    lab_stage = fields.String(required=True, validate=validate.OneOf(LAB_STAGES))
    problem = _text(5000)
    solution = _text(5000)
    expected_benefits = _text(5000)
    results = fields.String(load_default="", validate=validate.Length(max=5000))
    budget_idr = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=10**15)
    )
    trial_date = fields.Date(load_default=None, allow_none=True)
    implementation_date = fields.Date(load_default=None, allow_none=True)
    innovators = fields.List(
        fields.Nested(InnovatorSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    evidence_links = fields.List(
        fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    award_category = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={
            "description": "the code of the cycle's award category the agency chose, where the "
            "cycle lets agencies choose (GET /v1/cycles lists them)"
        },
    )

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        trial, implemented = data.get("trial_date"), data.get("implementation_date")
        if trial and implemented and implemented < trial:
            raise ValidationError(
                "Implementation cannot start before the trial.", "implementation_date"
            )


class AgencyRefSchema(Lenient):
    id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    contact_email = fields.Email(load_default=None, allow_none=True)
    contact_phone = fields.String(
        load_default=None, allow_none=True, metadata={"description": "E.164"}
    )
    type = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "dinas, badan, kecamatan, kelurahan, bumd or other: the proposer "
            "kind an award category may be defined by (`agency_type`)"
        },
    )


class EvidenceFileSchema(Lenient):
    """A file the agency uploaded as evidence (stored by the submission service)."""

    id = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class ProposalSubmittedV1(Lenient):
    """``proposal.submitted`` v1 (and ``proposal.resubmitted`` v1): a version of a
    proposal went to review."""

    proposal_id = fields.String(required=True)
    version = fields.Integer(required=True, strict=True)
    agency = fields.Nested(AgencyRefSchema, required=True)
    submitted_at = fields.AwareDateTime(required=True)
    profile = fields.Nested(ProposalProfileSchema, required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceFileSchema), load_default=list)


class ProposalWithdrawnV1(Lenient):
    """``proposal.withdrawn`` v1: the agency took the proposal back before a decision."""

    proposal_id = fields.String(required=True)
    version = fields.Integer(required=True, strict=True)
    agency = fields.Nested(AgencyRefSchema, required=True)
    withdrawn_at = fields.AwareDateTime(required=True)
    reason = fields.String(load_default="")


class ProposalReopenedV1(Lenient):
    """``proposal.reopened`` v1: the agency reopened a withdrawn proposal while its cycle's
    submission window is open; the same id, versions and history. Review goes back to the
    stage the withdrawal left (reviewers already assigned keep their assignment, unnotified)."""

    proposal_id = fields.String(required=True)
    version = fields.Integer(
        required=True, strict=True, metadata={"description": "the version last submitted"}
    )
    agency = fields.Nested(AgencyRefSchema, required=True)
    reopened_at = fields.AwareDateTime(required=True)
    cycle_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(
        load_default="submitted",
        metadata={
            "description": "the agency-side status the proposal went back to (submitted, "
            "in_review, scored or revision_requested)"
        },
    )


class ProposalAddendumAddedV1(Lenient):
    """``proposal.addendum_added`` v1: evidence added after submission as a dated addendum
    (a file and a note) beside the submitted version, which does not change."""

    proposal_id = fields.String(required=True)
    addendum_id = fields.String(required=True)
    version = fields.Integer(
        required=True, strict=True, metadata={"description": "the submitted version it adds to"}
    )
    agency = fields.Nested(AgencyRefSchema, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    file = fields.Nested(EvidenceFileSchema, load_default=None, allow_none=True)
    added_at = fields.AwareDateTime(required=True)


class ParticipationReminderDueV1(Lenient):
    """``agency.participation_reminder_due`` v1: a cycle with a minimum per agency closes
    soon and this agency has submitted nothing to it yet; its contact is to be reminded
    (once per cycle and agency; subject and key: the agency id)."""

    agency = fields.Nested(AgencyRefSchema, required=True)
    cycle_id = fields.String(required=True)
    cycle_name = fields.String(required=True)
    closes_at = fields.AwareDateTime(required=True)
    min_per_agency = fields.Integer(required=True, strict=True)
    submitted = fields.Integer(required=True, strict=True)
    reminded_at = fields.AwareDateTime(required=True)


class SealedInnovatorSchema(Lenient):
    """An innovator in a v2 event: who they are is sealed under their subject key
    (``shared/events/sealing.py``); only the owning service's key opens it."""

    subject = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the data subject's id: random, not derived from the person"},
    )
    sealed = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4000),
        metadata={
            "description": "AES-GCM (URL-safe base64 of nonce + ciphertext) of "
            '{"name", "email", "phone"} under the subject\'s key, the subject id as associated data'
        },
    )
    instant_channel = fields.String(
        validate=validate.OneOf(INSTANT_CHANNELS),
        metadata={"description": "preferred instant channel; absent: the programme's default"},
    )
    instant_consent_at = fields.AwareDateTime(
        metadata={
            "description": "when the innovator agreed, on the agency's portal, to SMS and "
            "WhatsApp messages about their proposals: the recorded lawful basis for instant "
            "messages (UU 27/2022). Absent: no consent recorded; where the notification "
            "service requires a basis (INSTANT_REQUIRE_BASIS), such an innovator gets email "
            "only, unless they set an instant channel themselves on the preferences page"
        },
    )


class SealedProfileSchema(ProposalProfileSchema):
    innovators = fields.List(
        fields.Nested(SealedInnovatorSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )


class ProposalSubmittedV2(ProposalSubmittedV1):
    """``proposal.submitted`` v2 (and ``proposal.resubmitted`` v2): v1 with each innovator's
    name, email and phone sealed per data subject, so that erasing the person (shredding
    their key) leaves nothing readable in the topic, its dead letters or a replay."""

    profile = fields.Nested(SealedProfileSchema, required=True)


class SubjectErasedV1(Lenient):
    """``subject.erased`` v1: a person was erased on request; their key is shredded.

    It names the data subject only (the random id their fields were sealed under), never
    who they were: each service erases what it holds of that subject."""

    subject_id = fields.String(required=True)
    erased_at = fields.AwareDateTime(required=True)
