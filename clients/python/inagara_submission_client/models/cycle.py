from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.award_category_choice import AwardCategoryChoice


T = TypeVar("T", bound="Cycle")


@_attrs_define
class Cycle:
    """
    Attributes:
        categories (list[AwardCategoryChoice]): The cycle's award categories (none: one overall ranking)
        category_by (str): `agency`: name one of `categories` as the profile's `award_category`; `profile`: the review
            service places the proposal by its form
        closes_at (datetime.datetime):
        id (str):
        name (str):
        open_now (bool):
        opens_at (datetime.datetime):
    """

    categories: list[AwardCategoryChoice]
    category_by: str
    closes_at: datetime.datetime
    id: str
    name: str
    open_now: bool
    opens_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        categories = []
        for categories_item_data in self.categories:
            categories_item = categories_item_data.to_dict()
            categories.append(categories_item)

        category_by = self.category_by

        closes_at = self.closes_at.isoformat()

        id = self.id

        name = self.name

        open_now = self.open_now

        opens_at = self.opens_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "categories": categories,
                "category_by": category_by,
                "closes_at": closes_at,
                "id": id,
                "name": name,
                "open_now": open_now,
                "opens_at": opens_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.award_category_choice import AwardCategoryChoice

        d = dict(src_dict)
        categories = []
        _categories = d.pop("categories")
        for categories_item_data in _categories:
            categories_item = AwardCategoryChoice.from_dict(categories_item_data)

            categories.append(categories_item)

        category_by = d.pop("category_by")

        closes_at = datetime.datetime.fromisoformat(d.pop("closes_at"))

        id = d.pop("id")

        name = d.pop("name")

        open_now = d.pop("open_now")

        opens_at = datetime.datetime.fromisoformat(d.pop("opens_at"))

        cycle = cls(
            categories=categories,
            category_by=category_by,
            closes_at=closes_at,
            id=id,
            name=name,
            open_now=open_now,
            opens_at=opens_at,
        )

        return cycle
