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
        pending (list[str] | Unset): the subject ids told by email first and erased when the notice period
            (ERASURE_NOTICE_HOURS) is over; empty when erasure is immediate
    """

    erased: list[str] | Unset = UNSET
    pending: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        erased: list[str] | Unset = UNSET
        if not isinstance(self.erased, Unset):
            erased = self.erased

        pending: list[str] | Unset = UNSET
        if not isinstance(self.pending, Unset):
            pending = self.pending

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if erased is not UNSET:
            field_dict["erased"] = erased
        if pending is not UNSET:
            field_dict["pending"] = pending

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        erased = cast(list[str], d.pop("erased", UNSET))

        pending = cast(list[str], d.pop("pending", UNSET))

        erased = cls(
            erased=erased,
            pending=pending,
        )

        return erased
