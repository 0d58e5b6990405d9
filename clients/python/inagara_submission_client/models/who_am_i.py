from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.agency import Agency


T = TypeVar("T", bound="WhoAmI")


@_attrs_define
class WhoAmI:
    """
    Attributes:
        agency (Agency):
        may_submit (bool):
        role (str): `drafter` or `agency_admin`
    """

    agency: Agency
    may_submit: bool
    role: str

    def to_dict(self) -> dict[str, Any]:
        agency = self.agency.to_dict()

        may_submit = self.may_submit

        role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agency": agency,
                "may_submit": may_submit,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agency import Agency

        d = dict(src_dict)
        agency = Agency.from_dict(d.pop("agency"))

        may_submit = d.pop("may_submit")

        role = d.pop("role")

        who_am_i = cls(
            agency=agency,
            may_submit=may_submit,
            role=role,
        )

        return who_am_i
