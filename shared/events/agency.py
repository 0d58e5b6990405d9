"""Payload schemas of the agency events (the submission service's, on ``inagara.proposals``).

- ``agency.registered`` / ``agency.updated`` (keyed by the agency id): the submission
  service owns the register of agencies; the review service keeps a copy of it (names,
  kinds, the parent of a kelurahan) for its reviewers' agency codes, the conflicts of
  interest that follow the organisation, and its participation report.
- ``agency.api_key_changed`` (keyed by the key id): an agency's API key issued or
  revoked. It carries the key's SHA-256 hash, never the key: the notification service
  checks the keys a portal presents for its webhook deliveries against it. A key is 256
  bits of randomness, so its hash gives nothing away (the submission service stores the
  same).
"""

from __future__ import annotations

from marshmallow import fields, validate

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


class ApiKeyChangedV1(Lenient):
    """``agency.api_key_changed`` v1: the key as it is now."""

    key_id = fields.String(required=True)
    agency_id = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "the key's lookup prefix"})
    secret_hash = fields.String(
        required=True,
        validate=validate.Length(equal=64),
        metadata={"description": "SHA-256 of the key, hex"},
    )
    role = fields.String(required=True, metadata={"description": "drafter or agency_admin"})
    revoked_at = fields.AwareDateTime(load_default=None, allow_none=True)
    changed_at = fields.AwareDateTime(required=True)
