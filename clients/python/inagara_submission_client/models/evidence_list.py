from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.evidence import Evidence


T = TypeVar("T", bound="EvidenceList")


@_attrs_define
class EvidenceList:
    """
    Attributes:
        items (list[Evidence]):
        total_bytes (int):
    """

    items: list[Evidence]
    total_bytes: int

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        total_bytes = self.total_bytes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "total_bytes": total_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.evidence import Evidence

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = Evidence.from_dict(items_item_data)

            items.append(items_item)

        total_bytes = d.pop("total_bytes")

        evidence_list = cls(
            items=items,
            total_bytes=total_bytes,
        )

        return evidence_list
