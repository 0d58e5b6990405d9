from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RevisionRequest")


@_attrs_define
class RevisionRequest:
    """
    Attributes:
        feedback (str | Unset):
        reasons (list[str] | Unset):
        requested_at (datetime.datetime | Unset):
        requested_by (str | Unset): `screening` or `review team`
        version (int | None | Unset):
    """

    feedback: str | Unset = UNSET
    reasons: list[str] | Unset = UNSET
    requested_at: datetime.datetime | Unset = UNSET
    requested_by: str | Unset = UNSET
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        feedback = self.feedback

        reasons: list[str] | Unset = UNSET
        if not isinstance(self.reasons, Unset):
            reasons = self.reasons

        requested_at: str | Unset = UNSET
        if not isinstance(self.requested_at, Unset):
            requested_at = self.requested_at.isoformat()

        requested_by = self.requested_by

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if feedback is not UNSET:
            field_dict["feedback"] = feedback
        if reasons is not UNSET:
            field_dict["reasons"] = reasons
        if requested_at is not UNSET:
            field_dict["requested_at"] = requested_at
        if requested_by is not UNSET:
            field_dict["requested_by"] = requested_by
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        feedback = d.pop("feedback", UNSET)

        reasons = cast(list[str], d.pop("reasons", UNSET))

        _requested_at = d.pop("requested_at", UNSET)
        requested_at: datetime.datetime | Unset
        if isinstance(_requested_at, Unset):
            requested_at = UNSET
        else:
            requested_at = datetime.datetime.fromisoformat(_requested_at)

        requested_by = d.pop("requested_by", UNSET)

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        revision_request = cls(
            feedback=feedback,
            reasons=reasons,
            requested_at=requested_at,
            requested_by=requested_by,
            version=version,
        )

        return revision_request
