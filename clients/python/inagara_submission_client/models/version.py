from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.evidence_file import EvidenceFile
    from ..models.proposal_profile import ProposalProfile


T = TypeVar("T", bound="Version")


@_attrs_define
class Version:
    """
    Attributes:
        created_at (datetime.datetime):
        profile (ProposalProfile):
        proposal_id (str):
        version (int):
        cycle_id (None | str | Unset):
        evidence (list[EvidenceFile] | None | Unset): The evidence files as they were when submitted
        submitted_at (datetime.datetime | None | Unset): Set when this version went to review
    """

    created_at: datetime.datetime
    profile: ProposalProfile
    proposal_id: str
    version: int
    cycle_id: None | str | Unset = UNSET
    evidence: list[EvidenceFile] | None | Unset = UNSET
    submitted_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        profile = self.profile.to_dict()

        proposal_id = self.proposal_id

        version = self.version

        cycle_id: None | str | Unset
        if isinstance(self.cycle_id, Unset):
            cycle_id = UNSET
        else:
            cycle_id = self.cycle_id

        evidence: list[dict[str, Any]] | None | Unset
        if isinstance(self.evidence, Unset):
            evidence = UNSET
        elif isinstance(self.evidence, list):
            evidence = []
            for evidence_type_0_item_data in self.evidence:
                evidence_type_0_item = evidence_type_0_item_data.to_dict()
                evidence.append(evidence_type_0_item)

        else:
            evidence = self.evidence

        submitted_at: None | str | Unset
        if isinstance(self.submitted_at, Unset):
            submitted_at = UNSET
        elif isinstance(self.submitted_at, datetime.datetime):
            submitted_at = self.submitted_at.isoformat()
        else:
            submitted_at = self.submitted_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "created_at": created_at,
                "profile": profile,
                "proposal_id": proposal_id,
                "version": version,
            }
        )
        if cycle_id is not UNSET:
            field_dict["cycle_id"] = cycle_id
        if evidence is not UNSET:
            field_dict["evidence"] = evidence
        if submitted_at is not UNSET:
            field_dict["submitted_at"] = submitted_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.evidence_file import EvidenceFile
        from ..models.proposal_profile import ProposalProfile

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        profile = ProposalProfile.from_dict(d.pop("profile"))

        proposal_id = d.pop("proposal_id")

        version = d.pop("version")

        def _parse_cycle_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cycle_id = _parse_cycle_id(d.pop("cycle_id", UNSET))

        def _parse_evidence(data: object) -> list[EvidenceFile] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                evidence_type_0 = []
                _evidence_type_0 = data
                for evidence_type_0_item_data in _evidence_type_0:
                    evidence_type_0_item = EvidenceFile.from_dict(
                        evidence_type_0_item_data
                    )

                    evidence_type_0.append(evidence_type_0_item)

                return evidence_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EvidenceFile] | None | Unset, data)

        evidence = _parse_evidence(d.pop("evidence", UNSET))

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

        version = cls(
            created_at=created_at,
            profile=profile,
            proposal_id=proposal_id,
            version=version,
            cycle_id=cycle_id,
            evidence=evidence,
            submitted_at=submitted_at,
        )

        return version
