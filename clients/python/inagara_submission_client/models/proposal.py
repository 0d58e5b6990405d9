from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.proposal_profile import ProposalProfile
    from ..models.proposal_revision_request_type_1_type_0 import (
        ProposalRevisionRequestType1Type0,
    )
    from ..models.revision_request import RevisionRequest


T = TypeVar("T", bound="Proposal")


@_attrs_define
class Proposal:
    """
    Attributes:
        agency_id (str):
        allowed_actions (list[str]):
        created_at (datetime.datetime):
        id (str):
        profile (ProposalProfile):
        status (str): One of draft, submitted, in_review, scored, revision_requested, shortlisted, rejected,
            not_awarded, awarded, withdrawn
        updated_at (datetime.datetime):
        version (int): The current version
        cycle_id (None | str | Unset):
        revision_request (None | ProposalRevisionRequestType1Type0 | RevisionRequest | Unset): The reviewers' feedback
            of the last revision request
        submitted_at (datetime.datetime | None | Unset):
        submitted_version (int | None | Unset): The version last sent to review
    """

    agency_id: str
    allowed_actions: list[str]
    created_at: datetime.datetime
    id: str
    profile: ProposalProfile
    status: str
    updated_at: datetime.datetime
    version: int
    cycle_id: None | str | Unset = UNSET
    revision_request: (
        None | ProposalRevisionRequestType1Type0 | RevisionRequest | Unset
    ) = UNSET
    submitted_at: datetime.datetime | None | Unset = UNSET
    submitted_version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.proposal_revision_request_type_1_type_0 import (
            ProposalRevisionRequestType1Type0,
        )
        from ..models.revision_request import RevisionRequest

        agency_id = self.agency_id

        allowed_actions = self.allowed_actions

        created_at = self.created_at.isoformat()

        id = self.id

        profile = self.profile.to_dict()

        status = self.status

        updated_at = self.updated_at.isoformat()

        version = self.version

        cycle_id: None | str | Unset
        if isinstance(self.cycle_id, Unset):
            cycle_id = UNSET
        else:
            cycle_id = self.cycle_id

        revision_request: dict[str, Any] | None | Unset
        if isinstance(self.revision_request, Unset):
            revision_request = UNSET
        elif isinstance(self.revision_request, RevisionRequest) or isinstance(
            self.revision_request, ProposalRevisionRequestType1Type0
        ):
            revision_request = self.revision_request.to_dict()
        else:
            revision_request = self.revision_request

        submitted_at: None | str | Unset
        if isinstance(self.submitted_at, Unset):
            submitted_at = UNSET
        elif isinstance(self.submitted_at, datetime.datetime):
            submitted_at = self.submitted_at.isoformat()
        else:
            submitted_at = self.submitted_at

        submitted_version: int | None | Unset
        if isinstance(self.submitted_version, Unset):
            submitted_version = UNSET
        else:
            submitted_version = self.submitted_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agency_id": agency_id,
                "allowed_actions": allowed_actions,
                "created_at": created_at,
                "id": id,
                "profile": profile,
                "status": status,
                "updated_at": updated_at,
                "version": version,
            }
        )
        if cycle_id is not UNSET:
            field_dict["cycle_id"] = cycle_id
        if revision_request is not UNSET:
            field_dict["revision_request"] = revision_request
        if submitted_at is not UNSET:
            field_dict["submitted_at"] = submitted_at
        if submitted_version is not UNSET:
            field_dict["submitted_version"] = submitted_version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.proposal_profile import ProposalProfile
        from ..models.proposal_revision_request_type_1_type_0 import (
            ProposalRevisionRequestType1Type0,
        )
        from ..models.revision_request import RevisionRequest

        d = dict(src_dict)
        agency_id = d.pop("agency_id")

        allowed_actions = cast(list[str], d.pop("allowed_actions"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        profile = ProposalProfile.from_dict(d.pop("profile"))

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        def _parse_cycle_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cycle_id = _parse_cycle_id(d.pop("cycle_id", UNSET))

        def _parse_revision_request(
            data: object,
        ) -> None | ProposalRevisionRequestType1Type0 | RevisionRequest | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                revision_request_type_0 = RevisionRequest.from_dict(data)

                return revision_request_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                revision_request_type_1_type_0 = (
                    ProposalRevisionRequestType1Type0.from_dict(data)
                )

                return revision_request_type_1_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | ProposalRevisionRequestType1Type0 | RevisionRequest | Unset, data
            )

        revision_request = _parse_revision_request(d.pop("revision_request", UNSET))

        def _parse_submitted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                submitted_at_type_0 = datetime.datetime.fromisoformat(data)

                return submitted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        submitted_at = _parse_submitted_at(d.pop("submitted_at", UNSET))

        def _parse_submitted_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        submitted_version = _parse_submitted_version(d.pop("submitted_version", UNSET))

        proposal = cls(
            agency_id=agency_id,
            allowed_actions=allowed_actions,
            created_at=created_at,
            id=id,
            profile=profile,
            status=status,
            updated_at=updated_at,
            version=version,
            cycle_id=cycle_id,
            revision_request=revision_request,
            submitted_at=submitted_at,
            submitted_version=submitted_version,
        )

        return proposal
