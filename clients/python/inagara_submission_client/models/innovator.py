from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.innovator_instant_channel import InnovatorInstantChannel
from ..types import UNSET, Unset

T = TypeVar("T", bound="Innovator")


@_attrs_define
class Innovator:
    """
    Attributes:
        email (str):
        name (str):
        phone (str):
        instant_channel (InnovatorInstantChannel | Unset): preferred instant channel; absent: the programme's default
        instant_consent_at (datetime.datetime | Unset): when the innovator agreed, on the agency's portal, to SMS and
            WhatsApp messages about their proposals: the recorded lawful basis for instant messages (UU 27/2022). Absent: no
            consent recorded; where the notification service requires a basis (INSTANT_REQUIRE_BASIS), such an innovator
            gets email only, unless they set an instant channel themselves on the preferences page
    """

    email: str
    name: str
    phone: str
    instant_channel: InnovatorInstantChannel | Unset = UNSET
    instant_consent_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        name = self.name

        phone = self.phone

        instant_channel: str | Unset = UNSET
        if not isinstance(self.instant_channel, Unset):
            instant_channel = self.instant_channel.value

        instant_consent_at: str | Unset = UNSET
        if not isinstance(self.instant_consent_at, Unset):
            instant_consent_at = self.instant_consent_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email": email,
                "name": name,
                "phone": phone,
            }
        )
        if instant_channel is not UNSET:
            field_dict["instant_channel"] = instant_channel
        if instant_consent_at is not UNSET:
            field_dict["instant_consent_at"] = instant_consent_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        email = d.pop("email")

        name = d.pop("name")

        phone = d.pop("phone")

        _instant_channel = d.pop("instant_channel", UNSET)
        instant_channel: InnovatorInstantChannel | Unset
        if isinstance(_instant_channel, Unset):
            instant_channel = UNSET
        else:
            instant_channel = InnovatorInstantChannel(_instant_channel)

        _instant_consent_at = d.pop("instant_consent_at", UNSET)
        instant_consent_at: datetime.datetime | Unset
        if isinstance(_instant_consent_at, Unset):
            instant_consent_at = UNSET
        else:
            instant_consent_at = datetime.datetime.fromisoformat(_instant_consent_at)

        innovator = cls(
            email=email,
            name=name,
            phone=phone,
            instant_channel=instant_channel,
            instant_consent_at=instant_consent_at,
        )

        innovator.additional_properties = d
        return innovator

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
