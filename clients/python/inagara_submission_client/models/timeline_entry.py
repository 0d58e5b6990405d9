from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.timeline_entry_facts import TimelineEntryFacts


T = TypeVar("T", bound="TimelineEntry")


@_attrs_define
class TimelineEntry:
    """
    Attributes:
        at (datetime.datetime):
        facts (TimelineEntryFacts): What the step says, without reviewers' identities
        summary (str):
        type_ (str): The event type, e.g. `proposal.screened`
        version (int | None | Unset):
    """

    at: datetime.datetime
    facts: TimelineEntryFacts
    summary: str
    type_: str
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        facts = self.facts.to_dict()

        summary = self.summary

        type_ = self.type_

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "facts": facts,
                "summary": summary,
                "type": type_,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.timeline_entry_facts import TimelineEntryFacts

        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        facts = TimelineEntryFacts.from_dict(d.pop("facts"))

        summary = d.pop("summary")

        type_ = d.pop("type")

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        timeline_entry = cls(
            at=at,
            facts=facts,
            summary=summary,
            type_=type_,
            version=version,
        )

        return timeline_entry
