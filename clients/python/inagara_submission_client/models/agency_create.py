from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.agency_create_type import AgencyCreateType
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgencyCreate")


@_attrs_define
class AgencyCreate:
    """
    Attributes:
        code (str): Unique; `DEMO-…` is the local demo's and refused
        name (str):
        type_ (AgencyCreateType):
        allow_drafter_submit (bool | Unset): Let drafter keys submit without the agency administrator Default: False.
        contact_email (None | str | Unset):
        contact_phone (None | str | Unset): Stored in E.164 (`0812…` becomes `+62812…`)
        parent_id (None | str | Unset): The parent agency (a kelurahan's kecamatan)
    """

    code: str
    name: str
    type_: AgencyCreateType
    allow_drafter_submit: bool | Unset = False
    contact_email: None | str | Unset = UNSET
    contact_phone: None | str | Unset = UNSET
    parent_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        type_ = self.type_.value

        allow_drafter_submit = self.allow_drafter_submit

        contact_email: None | str | Unset
        if isinstance(self.contact_email, Unset):
            contact_email = UNSET
        else:
            contact_email = self.contact_email

        contact_phone: None | str | Unset
        if isinstance(self.contact_phone, Unset):
            contact_phone = UNSET
        else:
            contact_phone = self.contact_phone

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "name": name,
                "type": type_,
            }
        )
        if allow_drafter_submit is not UNSET:
            field_dict["allow_drafter_submit"] = allow_drafter_submit
        if contact_email is not UNSET:
            field_dict["contact_email"] = contact_email
        if contact_phone is not UNSET:
            field_dict["contact_phone"] = contact_phone
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        name = d.pop("name")

        type_ = AgencyCreateType(d.pop("type"))

        allow_drafter_submit = d.pop("allow_drafter_submit", UNSET)

        def _parse_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        contact_email = _parse_contact_email(d.pop("contact_email", UNSET))

        def _parse_contact_phone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        contact_phone = _parse_contact_phone(d.pop("contact_phone", UNSET))

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        agency_create = cls(
            code=code,
            name=name,
            type_=type_,
            allow_drafter_submit=allow_drafter_submit,
            contact_email=contact_email,
            contact_phone=contact_phone,
            parent_id=parent_id,
        )

        return agency_create
