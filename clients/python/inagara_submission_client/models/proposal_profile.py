from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.proposal_profile_category import ProposalProfileCategory
from ..models.proposal_profile_form import ProposalProfileForm
from ..models.proposal_profile_kind import ProposalProfileKind
from ..models.proposal_profile_lab_stage import ProposalProfileLabStage
from ..models.proposal_profile_maturity import ProposalProfileMaturity
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.innovator import Innovator


T = TypeVar("T", bound="ProposalProfile")


@_attrs_define
class ProposalProfile:
    """
    Attributes:
        budget_idr (int):
        category (ProposalProfileCategory):
        expected_benefits (str):
        form (ProposalProfileForm):
        innovators (list[Innovator]):
        kind (ProposalProfileKind):
        lab_stage (ProposalProfileLabStage):
        maturity (ProposalProfileMaturity):
        problem (str):
        solution (str):
        summary (str):
        title (str):
        award_category (str | Unset): the code of the cycle's award category the agency chose, where the cycle lets
            agencies choose (GET /v1/cycles lists them)
        evidence_links (list[str] | Unset):
        implementation_date (datetime.date | None | Unset):
        results (str | Unset):  Default: ''.
        trial_date (datetime.date | None | Unset):
    """

    budget_idr: int
    category: ProposalProfileCategory
    expected_benefits: str
    form: ProposalProfileForm
    innovators: list[Innovator]
    kind: ProposalProfileKind
    lab_stage: ProposalProfileLabStage
    maturity: ProposalProfileMaturity
    problem: str
    solution: str
    summary: str
    title: str
    award_category: str | Unset = UNSET
    evidence_links: list[str] | Unset = UNSET
    implementation_date: datetime.date | None | Unset = UNSET
    results: str | Unset = ""
    trial_date: datetime.date | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        budget_idr = self.budget_idr

        category = self.category.value

        expected_benefits = self.expected_benefits

        form = self.form.value

        innovators = []
        for innovators_item_data in self.innovators:
            innovators_item = innovators_item_data.to_dict()
            innovators.append(innovators_item)

        kind = self.kind.value

        lab_stage = self.lab_stage.value

        maturity = self.maturity.value

        problem = self.problem

        solution = self.solution

        summary = self.summary

        title = self.title

        award_category = self.award_category

        evidence_links: list[str] | Unset = UNSET
        if not isinstance(self.evidence_links, Unset):
            evidence_links = self.evidence_links

        implementation_date: None | str | Unset
        if isinstance(self.implementation_date, Unset):
            implementation_date = UNSET
        elif isinstance(self.implementation_date, datetime.date):
            implementation_date = self.implementation_date.isoformat()
        else:
            implementation_date = self.implementation_date

        results = self.results

        trial_date: None | str | Unset
        if isinstance(self.trial_date, Unset):
            trial_date = UNSET
        elif isinstance(self.trial_date, datetime.date):
            trial_date = self.trial_date.isoformat()
        else:
            trial_date = self.trial_date

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "budget_idr": budget_idr,
                "category": category,
                "expected_benefits": expected_benefits,
                "form": form,
                "innovators": innovators,
                "kind": kind,
                "lab_stage": lab_stage,
                "maturity": maturity,
                "problem": problem,
                "solution": solution,
                "summary": summary,
                "title": title,
            }
        )
        if award_category is not UNSET:
            field_dict["award_category"] = award_category
        if evidence_links is not UNSET:
            field_dict["evidence_links"] = evidence_links
        if implementation_date is not UNSET:
            field_dict["implementation_date"] = implementation_date
        if results is not UNSET:
            field_dict["results"] = results
        if trial_date is not UNSET:
            field_dict["trial_date"] = trial_date

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.innovator import Innovator

        d = dict(src_dict)
        budget_idr = d.pop("budget_idr")

        category = ProposalProfileCategory(d.pop("category"))

        expected_benefits = d.pop("expected_benefits")

        form = ProposalProfileForm(d.pop("form"))

        innovators = []
        _innovators = d.pop("innovators")
        for innovators_item_data in _innovators:
            innovators_item = Innovator.from_dict(innovators_item_data)

            innovators.append(innovators_item)

        kind = ProposalProfileKind(d.pop("kind"))

        lab_stage = ProposalProfileLabStage(d.pop("lab_stage"))

        maturity = ProposalProfileMaturity(d.pop("maturity"))

        problem = d.pop("problem")

        solution = d.pop("solution")

        summary = d.pop("summary")

        title = d.pop("title")

        award_category = d.pop("award_category", UNSET)

        evidence_links = cast(list[str], d.pop("evidence_links", UNSET))

        def _parse_implementation_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                implementation_date_type_0 = datetime.date.fromisoformat(data)

                return implementation_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        implementation_date = _parse_implementation_date(
            d.pop("implementation_date", UNSET)
        )

        results = d.pop("results", UNSET)

        def _parse_trial_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                trial_date_type_0 = datetime.date.fromisoformat(data)

                return trial_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        trial_date = _parse_trial_date(d.pop("trial_date", UNSET))

        proposal_profile = cls(
            budget_idr=budget_idr,
            category=category,
            expected_benefits=expected_benefits,
            form=form,
            innovators=innovators,
            kind=kind,
            lab_stage=lab_stage,
            maturity=maturity,
            problem=problem,
            solution=solution,
            summary=summary,
            title=title,
            award_category=award_category,
            evidence_links=evidence_links,
            implementation_date=implementation_date,
            results=results,
            trial_date=trial_date,
        )

        proposal_profile.additional_properties = d
        return proposal_profile

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
