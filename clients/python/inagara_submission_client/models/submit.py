from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Submit")


@_attrs_define
class Submit:
    """
    Attributes:
        cycle_id (None | str | Unset):
    """

    cycle_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        cycle_id: None | str | Unset
        if isinstance(self.cycle_id, Unset):
            cycle_id = UNSET
        else:
            cycle_id = self.cycle_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cycle_id is not UNSET:
            field_dict["cycle_id"] = cycle_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_cycle_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cycle_id = _parse_cycle_id(d.pop("cycle_id", UNSET))

        submit = cls(
            cycle_id=cycle_id,
        )

        return submit
