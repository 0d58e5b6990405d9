from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AgencyParticipation")


@_attrs_define
class AgencyParticipation:
    """
    Attributes:
        agency_id (str):
        code (str):
        name (str):
        submitted (int):
        type_ (str):
        parent_code (None | str | Unset):
    """

    agency_id: str
    code: str
    name: str
    submitted: int
    type_: str
    parent_code: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        agency_id = self.agency_id

        code = self.code

        name = self.name

        submitted = self.submitted

        type_ = self.type_

        parent_code: None | str | Unset
        if isinstance(self.parent_code, Unset):
            parent_code = UNSET
        else:
            parent_code = self.parent_code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agency_id": agency_id,
                "code": code,
                "name": name,
                "submitted": submitted,
                "type": type_,
            }
        )
        if parent_code is not UNSET:
            field_dict["parent_code"] = parent_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        agency_id = d.pop("agency_id")

        code = d.pop("code")

        name = d.pop("name")

        submitted = d.pop("submitted")

        type_ = d.pop("type")

        def _parse_parent_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_code = _parse_parent_code(d.pop("parent_code", UNSET))

        agency_participation = cls(
            agency_id=agency_id,
            code=code,
            name=name,
            submitted=submitted,
            type_=type_,
            parent_code=parent_code,
        )

        return agency_participation
