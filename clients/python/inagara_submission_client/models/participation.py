from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agency_participation import AgencyParticipation


T = TypeVar("T", bound="Participation")


@_attrs_define
class Participation:
    """
    Attributes:
        agencies (list[AgencyParticipation]):
        cycle_id (str):
        without_submission (list[AgencyParticipation]): The agencies that have submitted nothing yet
        below_minimum (list[AgencyParticipation] | Unset): The agencies that have submitted fewer than the minimum
        max_per_agency (int | None | Unset): The cycle's maximum per agency (null: none)
        min_per_agency (int | Unset): The cycle's minimum per agency (0: none)
    """

    agencies: list[AgencyParticipation]
    cycle_id: str
    without_submission: list[AgencyParticipation]
    below_minimum: list[AgencyParticipation] | Unset = UNSET
    max_per_agency: int | None | Unset = UNSET
    min_per_agency: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        agencies = []
        for agencies_item_data in self.agencies:
            agencies_item = agencies_item_data.to_dict()
            agencies.append(agencies_item)

        cycle_id = self.cycle_id

        without_submission = []
        for without_submission_item_data in self.without_submission:
            without_submission_item = without_submission_item_data.to_dict()
            without_submission.append(without_submission_item)

        below_minimum: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.below_minimum, Unset):
            below_minimum = []
            for below_minimum_item_data in self.below_minimum:
                below_minimum_item = below_minimum_item_data.to_dict()
                below_minimum.append(below_minimum_item)

        max_per_agency: int | None | Unset
        if isinstance(self.max_per_agency, Unset):
            max_per_agency = UNSET
        else:
            max_per_agency = self.max_per_agency

        min_per_agency = self.min_per_agency

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agencies": agencies,
                "cycle_id": cycle_id,
                "without_submission": without_submission,
            }
        )
        if below_minimum is not UNSET:
            field_dict["below_minimum"] = below_minimum
        if max_per_agency is not UNSET:
            field_dict["max_per_agency"] = max_per_agency
        if min_per_agency is not UNSET:
            field_dict["min_per_agency"] = min_per_agency

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agency_participation import AgencyParticipation

        d = dict(src_dict)
        agencies = []
        _agencies = d.pop("agencies")
        for agencies_item_data in _agencies:
            agencies_item = AgencyParticipation.from_dict(agencies_item_data)

            agencies.append(agencies_item)

        cycle_id = d.pop("cycle_id")

        without_submission = []
        _without_submission = d.pop("without_submission")
        for without_submission_item_data in _without_submission:
            without_submission_item = AgencyParticipation.from_dict(
                without_submission_item_data
            )

            without_submission.append(without_submission_item)

        _below_minimum = d.pop("below_minimum", UNSET)
        below_minimum: list[AgencyParticipation] | Unset = UNSET
        if _below_minimum is not UNSET:
            below_minimum = []
            for below_minimum_item_data in _below_minimum:
                below_minimum_item = AgencyParticipation.from_dict(
                    below_minimum_item_data
                )

                below_minimum.append(below_minimum_item)

        def _parse_max_per_agency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_per_agency = _parse_max_per_agency(d.pop("max_per_agency", UNSET))

        min_per_agency = d.pop("min_per_agency", UNSET)

        participation = cls(
            agencies=agencies,
            cycle_id=cycle_id,
            without_submission=without_submission,
            below_minimum=below_minimum,
            max_per_agency=max_per_agency,
            min_per_agency=min_per_agency,
        )

        return participation
