from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

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
    """

    agencies: list[AgencyParticipation]
    cycle_id: str
    without_submission: list[AgencyParticipation]

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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "agencies": agencies,
                "cycle_id": cycle_id,
                "without_submission": without_submission,
            }
        )

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

        participation = cls(
            agencies=agencies,
            cycle_id=cycle_id,
            without_submission=without_submission,
        )

        return participation
