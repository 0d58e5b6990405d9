"""Payload schemas of the public objection window's events (``inagara.reviews``).

An objector is a data subject (docs/PRIVACY.md): their name and email never travel in
the clear. They are sealed per objector (``shared.events.sealing``) under a key only
the review service holds; erasing the objector deletes the key, and every copy of
these events in topics, dead-letter topics and replays becomes unreadable.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.proposal import Lenient

OBJECTION_STATUSES = ("open", "answered", "resolved")


class SealedObjectorSchema(Lenient):
    """The objector: their subject id and ``{name, email}`` sealed under their key."""

    subject = fields.String(required=True, metadata={"description": "the data subject's id"})
    sealed = fields.String(
        required=True,
        metadata={"description": "AES-GCM of {name, email} under the subject's key"},
    )
    language = fields.String(load_default="id", validate=validate.OneOf(("id", "en")))


class ObjectionFiledV1(Lenient):
    """``objection.filed`` v1: someone filed an objection to a shortlisted innovation
    while the cycle's shortlist was published (subject and key: the proposal id)."""

    objection_id = fields.String(required=True)
    proposal_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "the innovation's title"})
    award_category = fields.String(load_default=None, allow_none=True)
    filed_at = fields.AwareDateTime(required=True)
    objections_close_at = fields.AwareDateTime(required=True)
    with_file = fields.Boolean(load_default=False)
    objector = fields.Nested(SealedObjectorSchema, required=True)


class ObjectionAnsweredV1(Lenient):
    """``objection.answered`` v1: the secretariat answered an objection, or resolved it
    (subject and key: the proposal id)."""

    objection_id = fields.String(required=True)
    proposal_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(OBJECTION_STATUSES[1:]))
    answer = fields.String(required=True)
    answered_at = fields.AwareDateTime(required=True)
    objector = fields.Nested(SealedObjectorSchema, required=True)


OBJECTOR_ERASURE_REASONS = ("request", "retention")


class ObjectorErasedV1(Lenient):
    """``objector.erased`` v1: an objector's personal data is gone from the review service
    and their key is shredded, on a request (the secretariat's objector erasure) or because
    the retention of the objected proposal's cycle ran out (subject and key: the objector's
    subject id). It names the data subject only, never who they were: each service forgets
    what it holds of that subject (the notification service: its deliveries to them)."""

    subject_id = fields.String(required=True, metadata={"description": "the objector's id"})
    erased_at = fields.AwareDateTime(required=True)
    reason = fields.String(
        load_default="request", validate=validate.OneOf(OBJECTOR_ERASURE_REASONS)
    )


class ObjectorErasureRequestedV1(Lenient):
    """``objector.erasure_requested`` v1: a person-wide erasure matched this objector and
    erases them at ``erase_after`` (the notice period): the notification service tells
    them by email first. The objector sealed under their own key, as in ``objection.*``
    (subject and key: the objector's subject id)."""

    subject_id = fields.String(required=True, metadata={"description": "the objector's id"})
    proposal_id = fields.String(required=True, metadata={"description": "the objected proposal"})
    objector = fields.Nested(SealedObjectorSchema, required=True)
    erase_after = fields.AwareDateTime(required=True)
