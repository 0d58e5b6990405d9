from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Erased")


@_attrs_define
class Erased:
    """
    Attributes:
        erased (list[str] | Unset): the subject ids shredded
    """

    erased: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        erased: list[str] | Unset = UNSET
        if not isinstance(self.erased, Unset):
            erased = self.erased

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if erased is not UNSET:
            field_dict["erased"] = erased

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        erased = cast(list[str], d.pop("erased", UNSET))

        erased = cls(
            erased=erased,
        )

        return erased
