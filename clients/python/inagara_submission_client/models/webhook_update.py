from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.webhook_update_event_types_item import WebhookUpdateEventTypesItem
from ..models.webhook_update_state import WebhookUpdateState
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookUpdate")


@_attrs_define
class WebhookUpdate:
    """
    Attributes:
        description (str | Unset):
        event_types (list[WebhookUpdateEventTypesItem] | Unset):
        state (WebhookUpdateState | Unset): `paused` stops deliveries; `active` resumes them (and re-enables an endpoint
            disabled after failing deliveries)
        url (str | Unset):
    """

    description: str | Unset = UNSET
    event_types: list[WebhookUpdateEventTypesItem] | Unset = UNSET
    state: WebhookUpdateState | Unset = UNSET
    url: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = []
            for event_types_item_data in self.event_types:
                event_types_item = event_types_item_data.value
                event_types.append(event_types_item)

        state: str | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = self.state.value

        url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if state is not UNSET:
            field_dict["state"] = state
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        description = d.pop("description", UNSET)

        _event_types = d.pop("event_types", UNSET)
        event_types: list[WebhookUpdateEventTypesItem] | Unset = UNSET
        if _event_types is not UNSET:
            event_types = []
            for event_types_item_data in _event_types:
                event_types_item = WebhookUpdateEventTypesItem(event_types_item_data)

                event_types.append(event_types_item)

        _state = d.pop("state", UNSET)
        state: WebhookUpdateState | Unset
        if isinstance(_state, Unset):
            state = UNSET
        else:
            state = WebhookUpdateState(_state)

        url = d.pop("url", UNSET)

        webhook_update = cls(
            description=description,
            event_types=event_types,
            state=state,
            url=url,
        )

        return webhook_update
