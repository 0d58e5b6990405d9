from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Agency")


@_attrs_define
class Agency:
    """
    Attributes:
        allow_drafter_submit (bool):
        code (str):
        created_at (datetime.datetime):
        id (str):
        name (str):
        type_ (str):
        contact_email (None | str | Unset):
        contact_phone (None | str | Unset):
        parent_id (None | str | Unset):
    """

    allow_drafter_submit: bool
    code: str
    created_at: datetime.datetime
    id: str
    name: str
    type_: str
    contact_email: None | str | Unset = UNSET
    contact_phone: None | str | Unset = UNSET
    parent_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        allow_drafter_submit = self.allow_drafter_submit

        code = self.code

        created_at = self.created_at.isoformat()

        id = self.id

        name = self.name

        type_ = self.type_

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
                "allow_drafter_submit": allow_drafter_submit,
                "code": code,
                "created_at": created_at,
                "id": id,
                "name": name,
                "type": type_,
            }
        )
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
        allow_drafter_submit = d.pop("allow_drafter_submit")

        code = d.pop("code")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        name = d.pop("name")

        type_ = d.pop("type")

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

        agency = cls(
            allow_drafter_submit=allow_drafter_submit,
            code=code,
            created_at=created_at,
            id=id,
            name=name,
            type_=type_,
            contact_email=contact_email,
            contact_phone=contact_phone,
            parent_id=parent_id,
        )

        return agency
