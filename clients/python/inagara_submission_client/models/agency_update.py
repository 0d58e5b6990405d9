from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.agency_update_type import AgencyUpdateType
from ..types import UNSET, Unset

T = TypeVar("T", bound="AgencyUpdate")


@_attrs_define
class AgencyUpdate:
    """
    Attributes:
        allow_drafter_submit (bool | Unset):
        contact_email (None | str | Unset):
        contact_phone (None | str | Unset):
        name (str | Unset):
        parent_id (None | str | Unset):
        type_ (AgencyUpdateType | Unset):
    """

    allow_drafter_submit: bool | Unset = UNSET
    contact_email: None | str | Unset = UNSET
    contact_phone: None | str | Unset = UNSET
    name: str | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    type_: AgencyUpdateType | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
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

        name = self.name

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if allow_drafter_submit is not UNSET:
            field_dict["allow_drafter_submit"] = allow_drafter_submit
        if contact_email is not UNSET:
            field_dict["contact_email"] = contact_email
        if contact_phone is not UNSET:
            field_dict["contact_phone"] = contact_phone
        if name is not UNSET:
            field_dict["name"] = name
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
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

        name = d.pop("name", UNSET)

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        _type_ = d.pop("type", UNSET)
        type_: AgencyUpdateType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = AgencyUpdateType(_type_)

        agency_update = cls(
            allow_drafter_submit=allow_drafter_submit,
            contact_email=contact_email,
            contact_phone=contact_phone,
            name=name,
            parent_id=parent_id,
            type_=type_,
        )

        return agency_update
