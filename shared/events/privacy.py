"""Events of an access request (docs/PRIVACY.md: Export): the owning service asks, each
other service answers with what it holds about the data subject."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.events.proposal import Lenient


class SubjectExportRequestedV1(Lenient):
    """``subject.export_requested`` v1: the secretariat asked for everything held about a
    person. It names the data subjects only (their random ids), never who they are."""

    export_id = fields.String(required=True)
    subject_ids = fields.List(fields.String(), required=True)
    requested_at = fields.AwareDateTime(required=True)
    match = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        load_default=None,
        allow_none=True,
        metadata={
            "description": "the person as keyed hashes (HMAC-SHA256 under SUBJECT_MATCH_KEY, "
            "shared/events/matching.py) of the normalised email and the E.164 phone: "
            '{"email", "phone"}; services that hold the person under ids of their own '
            "(review's objectors) find them by it. Absent without SUBJECT_MATCH_KEY."
        },
    )


class SubjectExportedV1(Lenient):
    """``review.subject_exported`` / ``notification.subject_exported`` v1: one service's part
    of an export for one data subject.

    ``sealed`` is the part (a JSON object) sealed under the subject's key, like the
    innovators of ``proposal.submitted`` v2: erasing the person leaves it unreadable in the
    topic. ``part`` is a part that names nobody (ids and states only) and may travel in the
    clear. ``unreadable`` says the service could not open the subject (already erased)."""

    export_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    sealed = fields.String(load_default=None, allow_none=True)
    part = fields.Dict(load_default=None, allow_none=True)
    unreadable = fields.Boolean(load_default=False)


class SubjectErasureRequestedV1(Lenient):
    """``subject.erasure_requested`` v1: a person asked to be erased; they are told by
    email first, and erased at ``erase_after`` (then ``subject.erased``). It names the
    data subject only, never who they are (docs/PRIVACY.md: Erasure)."""

    subject_id = fields.String(required=True)
    requested_at = fields.AwareDateTime(required=True)
    erase_after = fields.AwareDateTime(
        required=True,
        metadata={"description": "when the submission service erases the person"},
    )


class ProposalRetainedV1(Lenient):
    """``proposal.retained`` v1: the retention period of the proposal's cycle is over and
    the owning service erased its innovators (``erased``: not awarded) or kept only their
    names (``minimised``: awarded). Other services drop the innovators' contacts they
    hold for this proposal (docs/PRIVACY.md: Retention). It names nobody."""

    proposal_id = fields.String(required=True)
    cycle_id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("erased", "minimised")))
    retained_at = fields.AwareDateTime(required=True)


class ExportedObjectorV1(Lenient):
    subject_id = fields.String(required=True, metadata={"description": "the objector's id"})
    sealed = fields.String(
        required=True,
        metadata={"description": "the objector's part, sealed under the objector's own key"},
    )


class ObjectorsExportedV1(Lenient):
    """``review.objectors_exported`` v1: the review service's answer to the ``match`` of
    ``subject.export_requested``: each objector found, their part (objections, reasons,
    answers, files' metadata) sealed under the objector's own key, so that erasing the
    objector leaves it unreadable in the topic. Empty when nobody matched; one answer per
    export."""

    export_id = fields.String(required=True)
    objectors = fields.List(fields.Nested(ExportedObjectorV1), required=True)


class PersonErasureRequestedV1(Lenient):
    """``person.erasure_requested`` v1: a person-wide erasure (by email or phone). Services
    that hold the person under ids of their own (review's objectors) find them by the keyed
    hashes and erase them at ``erase_after``. Names nobody (docs/PRIVACY.md)."""

    request_id = fields.String(required=True)
    match = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        required=True,
        metadata={"description": 'keyed hashes of the email and phone: {"email", "phone"}'},
    )
    requested_at = fields.AwareDateTime(required=True)
    erase_after = fields.AwareDateTime(
        required=True, metadata={"description": "when to erase (the request's time: at once)"}
    )
    subjects_told = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the person is also a data subject of the submission service, told "
            "by email through subject.erasure_requested: an objector matched is not told again"
        },
    )
