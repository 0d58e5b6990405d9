from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Cycle")


@_attrs_define
class Cycle:
    """
    Attributes:
        closes_at (datetime.datetime):
        id (str):
        name (str):
        open_now (bool):
        opens_at (datetime.datetime):
    """

    closes_at: datetime.datetime
    id: str
    name: str
    open_now: bool
    opens_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        closes_at = self.closes_at.isoformat()

        id = self.id

        name = self.name

        open_now = self.open_now

        opens_at = self.opens_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
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
        d = dict(src_dict)
        closes_at = datetime.datetime.fromisoformat(d.pop("closes_at"))

        id = d.pop("id")

        name = d.pop("name")

        open_now = d.pop("open_now")

        opens_at = datetime.datetime.fromisoformat(d.pop("opens_at"))

        cycle = cls(
            closes_at=closes_at,
            id=id,
            name=name,
            open_now=open_now,
            opens_at=opens_at,
        )

        return cycle
