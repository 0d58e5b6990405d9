from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    """
    Attributes:
        agency_id (str):
        created_at (datetime.datetime):
        description (str):
        event_types (list[str]):
        id (str):
        secret_generation (int):
        state (str): `active`, `paused`, or `disabled` (the deliveries failed for the retry period; a `PATCH` enables it
            again and its events are then sent)
        updated_at (datetime.datetime):
        url (str):
        disabled_at (datetime.datetime | None | Unset): When it was disabled (state `disabled`)
        disabled_reason (None | str | Unset): The last failed attempt, as the delivery log has it
        previous_secret_valid_until (datetime.datetime | None | Unset): Until then deliveries are signed with the
            previous secret too
    """

    agency_id: str
    created_at: datetime.datetime
    description: str
    event_types: list[str]
    id: str
    secret_generation: int
    state: str
    updated_at: datetime.datetime
    url: str
    disabled_at: datetime.datetime | None | Unset = UNSET
    disabled_reason: None | str | Unset = UNSET
    previous_secret_valid_until: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        agency_id = self.agency_id

        created_at = self.created_at.isoformat()

        description = self.description

        event_types = self.event_types

        id = self.id

        secret_generation = self.secret_generation

        state = self.state

        updated_at = self.updated_at.isoformat()

        url = self.url

        disabled_at: None | str | Unset
        if isinstance(self.disabled_at, Unset):
            disabled_at = UNSET
        elif isinstance(self.disabled_at, datetime.datetime):
            disabled_at = self.disabled_at.isoformat()
        else:
            disabled_at = self.disabled_at

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        previous_secret_valid_until: None | str | Unset
        if isinstance(self.previous_secret_valid_until, Unset):
            previous_secret_valid_until = UNSET
        elif isinstance(self.previous_secret_valid_until, datetime.datetime):
            previous_secret_valid_until = self.previous_secret_valid_until.isoformat()
        else:
            previous_secret_valid_until = self.previous_secret_valid_until

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agency_id": agency_id,
                "created_at": created_at,
                "description": description,
                "event_types": event_types,
                "id": id,
                "secret_generation": secret_generation,
                "state": state,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if disabled_at is not UNSET:
            field_dict["disabled_at"] = disabled_at
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if previous_secret_valid_until is not UNSET:
            field_dict["previous_secret_valid_until"] = previous_secret_valid_until

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        agency_id = d.pop("agency_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        event_types = cast(list[str], d.pop("event_types"))

        id = d.pop("id")

        secret_generation = d.pop("secret_generation")

        state = d.pop("state")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        def _parse_disabled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_at_type_0 = datetime.datetime.fromisoformat(data)

                return disabled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        disabled_at = _parse_disabled_at(d.pop("disabled_at", UNSET))

        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))

        def _parse_previous_secret_valid_until(
            data: object,
        ) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_secret_valid_until_type_0 = datetime.datetime.fromisoformat(
                    data
                )

                return previous_secret_valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        previous_secret_valid_until = _parse_previous_secret_valid_until(
            d.pop("previous_secret_valid_until", UNSET)
        )

        webhook = cls(
            agency_id=agency_id,
            created_at=created_at,
            description=description,
            event_types=event_types,
            id=id,
            secret_generation=secret_generation,
            state=state,
            updated_at=updated_at,
            url=url,
            disabled_at=disabled_at,
            disabled_reason=disabled_reason,
            previous_secret_valid_until=previous_secret_valid_until,
        )

        return webhook
