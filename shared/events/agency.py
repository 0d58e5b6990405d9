"""Payload schema of the agency registry events (published on ``inagara.proposals``, the
submission service's topic, keyed by the agency id).

The submission service owns the register of agencies; the review service keeps a copy
of it (names, kinds, the parent of a kelurahan) for its reviewers' agency codes, the
conflicts of interest that follow the organisation, and its participation report.
"""

from __future__ import annotations

from marshmallow import fields

from shared.events.proposal import Lenient


class AgencyRegisteredV1(Lenient):
    """``agency.registered`` / ``agency.updated`` v1: the agency as it is now."""

    agency_id = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "never changes"})
    name = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "dinas, badan, kecamatan, kelurahan, bumd or other"},
    )
    parent_code = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the parent agency's code (a kelurahan's kecamatan), if any"},
    )
    changed_at = fields.AwareDateTime(
        required=True, metadata={"description": "a copy keeps the latest change it has seen"}
    )
