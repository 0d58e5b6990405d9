from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

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
        max_per_agency (int | None | Unset): The most proposals one agency may submit to the cycle; one more is a 409
            `submission.agency_limit_reached` (null: no maximum)
        min_per_agency (int | Unset): One agency, one innovation: proposals each agency is expected to submit (0: no
            minimum)
    """

    categories: list[AwardCategoryChoice]
    category_by: str
    closes_at: datetime.datetime
    id: str
    name: str
    open_now: bool
    opens_at: datetime.datetime
    max_per_agency: int | None | Unset = UNSET
    min_per_agency: int | Unset = UNSET

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

        max_per_agency: int | None | Unset
        if isinstance(self.max_per_agency, Unset):
            max_per_agency = UNSET
        else:
            max_per_agency = self.max_per_agency

        min_per_agency = self.min_per_agency

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
        if max_per_agency is not UNSET:
            field_dict["max_per_agency"] = max_per_agency
        if min_per_agency is not UNSET:
            field_dict["min_per_agency"] = min_per_agency

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

        def _parse_max_per_agency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_per_agency = _parse_max_per_agency(d.pop("max_per_agency", UNSET))

        min_per_agency = d.pop("min_per_agency", UNSET)

        cycle = cls(
            categories=categories,
            category_by=category_by,
            closes_at=closes_at,
            id=id,
            name=name,
            open_now=open_now,
            opens_at=opens_at,
            max_per_agency=max_per_agency,
            min_per_agency=min_per_agency,
        )

        return cycle
